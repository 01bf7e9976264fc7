/**
 * Stages (`-c stage=dev|prod`, infra/stages.ts): prod refuses placeholder URLs and addresses,
 * retains every stateful resource, and everything is tagged `app` and `stage`.
 */
import { App, CfnResource, TagManager, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineApp } from '../../infra/define-app.js';
import { OrderManagementStack } from '../../infra/stack.js';
import { isPlaceholderHost, STATEFUL_RESOURCE_TYPES } from '../../infra/stages.js';
import { templateOf, testAppContext } from '../support/synth-stack.js';

const PROD = {
  stage: 'prod',
  appBaseUrl: 'https://shop.acme-widgets.io',
  emailFrom: 'Acme <orders@acme-widgets.io>',
  adminEmail: 'ops@acme-widgets.io',
};

/** The app as `cdk synth -c …` defines it (bundling and cdk-nag off). */
function synthApp(context: Record<string, unknown>) {
  const app = new App({ context: { ...testAppContext(), nag: false, ...context } });
  defineApp(app);
  const stack = app.node.children.find((child): child is OrderManagementStack => child instanceof OrderManagementStack)!;
  const template = templateOf(stack);
  const artifact = app.synth().getStackByName(stack.stackName) as CloudFormationStackArtifact;
  return { stack, template, artifact };
}

type Resources = Record<string, { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
const statefulResources = (template: Template) =>
  Object.entries(template.toJSON().Resources as Resources).filter(([, resource]) => STATEFUL_RESOURCE_TYPES.has(resource.Type));

/** Every construct CDK can tag, with its tags after synthesis. */
function taggables(stack: Stack): { path: string; tags: Record<string, string> }[] {
  return stack.node
    .findAll()
    .filter((c: IConstruct): c is CfnResource => c instanceof CfnResource && TagManager.isTaggable(c))
    .map((c) => ({ path: c.node.path, tags: TagManager.of(c)!.tagValues() }));
}

describe('stages', () => {
  describe('dev (the default)', () => {
    let dev: ReturnType<typeof synthApp>;
    beforeAll(() => {
      dev = synthApp({});
    });

    it('accepts the local placeholders and keeps the stack name OrderManagement', () => {
      expect(dev.stack.stackName).toBe('OrderManagement');
    });

    it('tags the stack and every taggable resource app=order-management, stage=dev', () => {
      expect(dev.artifact.tags).toMatchObject({ app: 'order-management', stage: 'dev' });
      const all = taggables(dev.stack);
      expect(all.length).toBeGreaterThan(100);
      for (const { path, tags } of all) expect(tags, path).toMatchObject({ app: 'order-management', stage: 'dev' });
    });

    it('lets queues and secrets go with the stack (table and bucket are always retained)', () => {
      for (const [id, resource] of statefulResources(dev.template)) {
        const retained = resource.DeletionPolicy === 'Retain';
        if (resource.Type === 'AWS::DynamoDB::Table' || resource.Type === 'AWS::S3::Bucket') expect(retained, id).toBe(true);
        if (resource.Type === 'AWS::SQS::Queue' || resource.Type === 'AWS::SecretsManager::Secret') expect(retained, id).toBe(false);
      }
    });
  });

  describe('prod', () => {
    let prod: ReturnType<typeof synthApp>;
    beforeAll(() => {
      prod = synthApp(PROD);
    });

    it('is its own stack (OrderManagement-prod), tagged stage=prod everywhere', () => {
      expect(prod.stack.stackName).toBe('OrderManagement-prod');
      expect(prod.artifact.tags).toMatchObject({ app: 'order-management', stage: 'prod' });
      for (const { path, tags } of taggables(prod.stack)) expect(tags, path).toMatchObject({ app: 'order-management', stage: 'prod' });
    });

    it('retains every stateful resource on deletion and replacement', () => {
      const stateful = statefulResources(prod.template);
      const types = new Set(stateful.map(([, r]) => r.Type));
      for (const type of ['AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::SQS::Queue', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
        expect(types, type).toContain(type);
      }
      for (const [id, resource] of stateful) {
        expect(resource.DeletionPolicy, id).toBe('Retain');
        expect(resource.UpdateReplacePolicy, id).toBe('Retain');
      }
    });

    it.each([
      ['the default app URL (localhost)', {}, /appBaseUrl "http:\/\/localhost:5173"/],
      ['the default sender (example.com)', { appBaseUrl: PROD.appBaseUrl }, /emailFrom "no-reply@example.com"/],
      ['a CORS origin on localhost', { ...PROD, corsAllowedOrigins: 'https://shop.acme-widgets.io,http://localhost:3000' }, /corsAllowedOrigins "http:\/\/localhost:3000"/],
      ['an app URL on a subdomain of example.com', { ...PROD, appBaseUrl: 'https://shop.example.com' }, /appBaseUrl/],
      ['a sender at 127.0.0.1', { ...PROD, emailFrom: 'x@127.0.0.1' }, /emailFrom/],
      ['cloudfront=false', { ...PROD, cloudfront: 'false' }, /cloudfront=false/],
    ])('refuses %s', (_, context, message) => {
      expect(() => synthApp({ stage: 'prod', ...context })).toThrow(message);
    });

    it('names every placeholder at once', () => {
      expect(() => synthApp({ stage: 'prod' })).toThrow(/appBaseUrl .*emailFrom .*corsAllowedOrigins "http:\/\/localhost:5173"/);
    });
  });

  it('refuses an unknown stage', () => {
    expect(() => synthApp({ stage: 'staging' })).toThrow(/Context stage must be one of dev, prod, got "staging"/);
  });

  it('tells placeholders from real hosts', () => {
    for (const host of ['localhost', 'api.localhost', '127.0.0.1', '[::1]', 'example.com', 'shop.example.org', 'a.test', 'x.invalid']) {
      expect(isPlaceholderHost(host), host).toBe(true);
    }
    for (const host of ['shop.acme-widgets.io', 'example-shop.com', 'myexample.com', 'testing.io']) {
      expect(isPlaceholderHost(host), host).toBe(false);
    }
  });
});
