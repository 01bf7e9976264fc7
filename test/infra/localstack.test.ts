/**
 * LocalStack without a paid plan has no CloudFront: `-c cloudfront=false` synthesizes the app
 * without the image distribution (README, "LocalStack"). Everything else stays the same.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineApp } from '../../infra/define-app.js';
import { OrderManagementStack } from '../../infra/stack.js';
import { logicalId, templateOf, testAppContext } from '../support/synth-stack.js';

/** The app as `cdk synth -c …` defines it (bundling and cdk-nag off). */
function appStack(context: Record<string, unknown>) {
  const app = new App({ context: { ...testAppContext(), nag: false, ...context } });
  defineApp(app);
  const stack = app.node.children.find((child): child is OrderManagementStack => child instanceof OrderManagementStack)!;
  return { stack, template: templateOf(stack) };
}

const cloudFrontTypes = (template: Template) =>
  Object.values(template.toJSON().Resources as Record<string, { Type: string }>)
    .map((resource) => resource.Type)
    .filter((type) => type.startsWith('AWS::CloudFront::'));

describe('-c cloudfront=false (LocalStack without CloudFront)', () => {
  let without: ReturnType<typeof appStack>;
  let withCdn: ReturnType<typeof appStack>;

  beforeAll(() => {
    without = appStack({ cloudfront: 'false' });
    withCdn = appStack({});
  });

  it('creates no CloudFront resource; by default there is the distribution with its OAC', () => {
    expect(cloudFrontTypes(without.template)).toEqual([]);
    expect(without.stack.imagesDistribution).toBeUndefined();
    expect(cloudFrontTypes(withCdn.template).sort()).toEqual([
      'AWS::CloudFront::Distribution',
      'AWS::CloudFront::OriginAccessControl',
      'AWS::CloudFront::ResponseHeadersPolicy',
    ]);
  });

  it('keeps the private bucket, and lets nobody (no CloudFront principal) read it', () => {
    const bucketId = logicalId(without.stack.imagesBucket);
    expect(without.template.toJSON().Resources[bucketId].Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicPolicy: true });
    expect(JSON.stringify(without.template.findResources('AWS::S3::BucketPolicy'))).not.toContain('cloudfront.amazonaws.com');
  });

  it('points image URLs (upload function, ImagesUrl output) at the bucket', () => {
    const bucketUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(without.stack.imagesBucket), 'RegionalDomainName'] }]] };
    const upload = without.stack.functions.get('RouteCreateProductImageUpload')!;
    const env = without.template.toJSON().Resources[logicalId(upload)].Properties.Environment.Variables;
    expect(env.IMAGES_PUBLIC_URL).toEqual(bucketUrl);
    expect(without.template.toJSON().Outputs.ImagesUrl.Value).toEqual(bucketUrl);
  });

  it('changes nothing else: same functions, routes and queues', () => {
    const count = (template: Template, type: string) => Object.keys(template.findResources(type)).length;
    for (const type of ['AWS::Lambda::Function', 'AWS::ApiGatewayV2::Route', 'AWS::SQS::Queue', 'AWS::DynamoDB::Table', 'AWS::S3::Bucket']) {
      expect(count(without.template, type), type).toBe(count(withCdn.template, type));
    }
  });

  it('adds no cdk-nag finding (the CloudFront acknowledgements go with the distribution)', () => {
    const findings = (stack: OrderManagementStack) =>
      new AwsSolutionsChecks(undefined, { verbose: false })
        .validateScope(stack)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${(r.constructPath ?? '').replace(/^[^/]+\//, '')}`))
        .sort();
    expect(findings(without.stack)).toEqual(findings(withCdn.stack));
  });

  it('refuses a value other than true or false', () => {
    expect(() => appStack({ cloudfront: 'maybe' })).toThrow(/Context cloudfront must be true or false/);
  });
});

describe('aws-cdk-local', () => {
  it('is a dev dependency, so `npx cdklocal` finds the project aws-cdk', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies['aws-cdk-local']).toMatch(/^\^?3\./);
    expect(pkg.devDependencies['aws-cdk']).toBeDefined();
  });
});
