/**
 * Deployment stages (`-c stage=dev|prod`, default dev), applied by infra/define-app.ts:
 *
 * - prod refuses placeholder settings: an app URL, sender or CORS origin on localhost, a
 *   loopback address or a reserved example/test domain (RFC 2606/6761), and `cloudfront=false`;
 * - prod retains every stateful resource (table, bucket, queues, secrets, topics, log groups)
 *   when the stack is deleted or a resource is replaced (`RetainStatefulResources`);
 * - every resource and the stack itself are tagged `app` and `stage`.
 */
import { CfnResource, RemovalPolicy, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export const STAGES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGES)[number];
export const APP_TAG = 'order-management';

export function parseStage(value: string): StageName {
  if ((STAGES as readonly string[]).includes(value)) return value as StageName;
  throw new Error(`Context stage must be one of ${STAGES.join(', ')}, got "${value}"`);
}

/** Host names that are never a real deployment's: loopback and reserved example/test names. */
export function isPlaceholderHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1' || h === '0.0.0.0') return true;
  if (/(^|\.)example\.(com|net|org)$/.test(h)) return true;
  return /\.(test|example|invalid|local)$/.test(h) || ['test', 'example', 'invalid'].includes(h);
}

/** `Shop <shop@x.com>` or `shop@x.com` → `x.com`; a URL → its host name. */
const hostOfEmail = (email: string) => (/<([^>]+)>/.exec(email)?.[1] ?? email).trim().split('@')[1] ?? '';
const hostOfUrl = (url: string) => {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
};

export interface ProdSettings {
  readonly appBaseUrl: string;
  readonly emailFrom: string;
  readonly corsAllowedOrigins: readonly string[];
  readonly cloudFront: boolean;
}

/** Throws one error naming every placeholder setting a prod synth was given. */
export function assertProdSettings(settings: ProdSettings): void {
  const problems: string[] = [];
  if (isPlaceholderHost(hostOfUrl(settings.appBaseUrl))) problems.push(`appBaseUrl "${settings.appBaseUrl}"`);
  if (isPlaceholderHost(hostOfEmail(settings.emailFrom))) problems.push(`emailFrom "${settings.emailFrom}"`);
  for (const origin of settings.corsAllowedOrigins) {
    if (isPlaceholderHost(hostOfUrl(origin))) problems.push(`corsAllowedOrigins "${origin}"`);
  }
  if (!settings.cloudFront) problems.push('cloudfront=false (images would not load on AWS)');
  if (problems.length > 0) {
    throw new Error(
      `stage=prod refuses placeholder settings: ${problems.join(', ')}. Set real values with -c ` +
        'appBaseUrl=https://… -c emailFrom=… -c corsAllowedOrigins=https://… (or deploy with -c stage=dev).',
    );
  }
}

/** CloudFormation types whose data outlives a deployment. */
export const STATEFUL_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::Topic',
  // The audit trail; each log group still expires its events after its retention.
  'AWS::Logs::LogGroup',
]);

/** prod: DeletionPolicy and UpdateReplacePolicy Retain on every stateful resource, wherever it is defined. */
export class RetainStatefulResources implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof CfnResource && STATEFUL_RESOURCE_TYPES.has(node.cfnResourceType)) {
      node.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
  }
}
