/**
 * The CDK app's stacks, defined on an App (infra/app.ts for `cdk`; tests use their own App).
 * Deploy-time settings are CDK context, so any of them can be set on the command line:
 *
 *   npx cdk deploy -c emailFrom=shop@example.com -c adminEmail=me@example.com \
 *     -c appBaseUrl=https://shop.example.com -c deletionProtection=true \
 *     -c throttleRateLimit=50 -c throttleBurstLimit=100
 *
 * Keys (default): stage (dev; dev|prod, see infra/stages.ts: prod refuses placeholder URLs and
 * addresses and retains stateful resources; every resource is tagged app and stage),
 * stackName (OrderManagement; OrderManagement-prod in prod), emailFrom (no-reply@example.com),
 * adminEmail (admin@example.com), appBaseUrl (http://localhost:5173), corsAllowedOrigins
 * (comma-separated; default the appBaseUrl origin), deletionProtection (true),
 * throttleRateLimit (50), throttleBurstLimit (100), logLevel (INFO), nag (true: run the
 * cdk-nag AwsSolutions checks at synth; unsuppressed findings fail the synth),
 * stripeSecretKeySecret / stripeWebhookSecretSecret (names or ARNs of existing Secrets Manager
 * secrets holding the Stripe secret key and webhook signing secret; unset: no payments),
 * checkoutSuccessUrl / checkoutCancelUrl (default <appBaseUrl>/orders/{ORDER_ID}?checkout=…),
 * cloudfront (true; false: no CloudFront distribution for product images, for LocalStack
 * without a paid plan; image URLs then point at the private bucket), alarmEmail (unset: the
 * alarm topic has no subscriber), sesDomain (unset: the emailFrom address is the SES identity;
 * set: a domain identity with Easy DKIM, output SesDkimRecords).
 */
import { Aspects, Tags, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { shopSettingsFrom } from './shop-settings.js';
import { DEFAULT_THROTTLE, OrderManagementStack } from './stack.js';
import { APP_TAG, assertProdSettings, parseStage, RetainStatefulResources } from './stages.js';

export const contextDefaults = {
  stage: 'dev',
  stackName: 'OrderManagement',
  emailFrom: 'no-reply@example.com',
  adminEmail: 'admin@example.com',
  appBaseUrl: 'http://localhost:5173',
  deletionProtection: true,
  throttleRateLimit: DEFAULT_THROTTLE.rateLimit,
  throttleBurstLimit: DEFAULT_THROTTLE.burstLimit,
  logLevel: 'INFO',
  nag: true,
  cloudfront: true,
} as const;

/** Adds the app's stacks (and cdk-nag, unless `-c nag=false`) to `app`, configured from its context. */
export function defineApp(app: App): void {
  /** Context from `-c key=value` arrives as a string; from cdk.json it may be typed. */
  function contextString(key: string, fallback: string): string {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return fallback;
    return String(value);
  }

  function contextBoolean(key: string, fallback: boolean): boolean {
    const value = contextString(key, String(fallback)).toLowerCase();
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new Error(`Context ${key} must be true or false, got "${value}"`);
  }

  function contextNumber(key: string, fallback: number): number {
    const raw = contextString(key, String(fallback));
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`Context ${key} must be a positive number, got "${raw}"`);
    }
    return value;
  }

  const corsAllowedOrigins = contextString('corsAllowedOrigins', '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);

  const stage = parseStage(contextString('stage', contextDefaults.stage));
  const appBaseUrl = contextString('appBaseUrl', contextDefaults.appBaseUrl);
  const emailFrom = contextString('emailFrom', contextDefaults.emailFrom);
  const cloudFront = contextBoolean('cloudfront', contextDefaults.cloudfront);
  if (stage === 'prod') {
    assertProdSettings({
      appBaseUrl,
      emailFrom,
      corsAllowedOrigins: corsAllowedOrigins.length > 0 ? corsAllowedOrigins : [appBaseUrl],
      cloudFront,
    });
    Aspects.of(app).add(new RetainStatefulResources());
  }
  // Every taggable resource; the stack itself gets them through its `tags` below. Dashboards
  // are left out: CDK's model lets them carry Tags, CloudFormation's schema (cfn-lint E3002)
  // does not, and the stack-level tags still reach them where CloudFormation can.
  const untaggable = { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] };
  Tags.of(app).add('app', APP_TAG, untaggable);
  Tags.of(app).add('stage', stage, untaggable);

  new OrderManagementStack(app, contextString('stackName', stage === 'prod' ? `${contextDefaults.stackName}-prod` : contextDefaults.stackName), {
    description: `Order Management backend (API Gateway, Lambda, DynamoDB, SQS, SES, EventBridge), stage ${stage}`,
    // Stack-level tags (explicitStackTags): CloudFormation puts them on what CDK cannot tag.
    tags: { app: APP_TAG, stage },
    emailFrom,
    adminEmail: contextString('adminEmail', contextDefaults.adminEmail),
    appBaseUrl,
    ...(corsAllowedOrigins.length > 0 && { corsAllowedOrigins }),
    deletionProtection: contextBoolean('deletionProtection', contextDefaults.deletionProtection),
    throttle: {
      rateLimit: contextNumber('throttleRateLimit', contextDefaults.throttleRateLimit),
      burstLimit: contextNumber('throttleBurstLimit', contextDefaults.throttleBurstLimit),
    },
    logLevel: contextString('logLevel', contextDefaults.logLevel),
    stripe: {
      secretKeySecret: contextString('stripeSecretKeySecret', ''),
      webhookSecretSecret: contextString('stripeWebhookSecretSecret', ''),
      checkoutSuccessUrl: contextString('checkoutSuccessUrl', ''),
      checkoutCancelUrl: contextString('checkoutCancelUrl', ''),
    },
    cloudFront,
    alarmEmail: contextString('alarmEmail', '') || undefined,
    sesDomain: contextString('sesDomain', '') || undefined,
    // Business settings set in the deploying shell (infra/shop-settings.ts), as for npm start.
    shopSettings: shopSettingsFrom(process.env),
  });

  if (contextBoolean('nag', contextDefaults.nag)) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  }
}
