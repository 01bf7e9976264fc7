/**
 * The whole backend in one stack, driven by the route table, the consumer list and the
 * schedule list: adding an entry there adds its Lambda, its trigger and its grants here.
 */
import {
  CfnOutput,
  CustomResource,
  Duration,
  Names,
  NestedStack,
  RemovalPolicy,
  Stack,
  Validations,
  type CfnElement,
  type StackProps,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { jsonAccessLogs } from './access-logs.js';
import { AppFunction, bindAccess, commonEnvironment, grantSecretRead, type AccessResources, type BindOptions, type RuntimeSecret } from './app-function.js';
import { consumers as defaultConsumers, streamConsumers } from './consumers.js';
import { EmailSending } from './email.js';
import { FunctionBundles } from './function-bundles.js';
import { Observability } from './observability.js';
import { queueDefinitions, type QueueDefinition, type QueueId } from './queue-definitions.js';
import { RealtimeApi } from './realtime.js';
import { shopSettingsFrom } from './shop-settings.js';
import { websocketAuthorizer, websocketRoutes } from './routes/realtime.js';
import { defaultRoute } from './routes/service.js';
import { routeAccess, SEED_ADMIN_ACCESS, type Access, type ConsumerDefinition, type RouteDefinition, type ScheduleDefinition } from './route-types.js';
import { routeList as defaultRoutes } from './routes.js';
import { schedules as defaultSchedules } from './schedules.js';
import { tableDefinition } from './table-definition.js';
import { corsPolicy } from '../shared/http/cors-policy.js';
import { PRODUCT_IMAGE_KEY_PREFIX } from '../shared/schemas/product-images.js';

/** A route with its id; `area` (the route file, infra/routes.ts) names its nested stack. Default `api`. */
export type StackRoute = RouteDefinition & { readonly id: string; readonly area?: string };

export interface ThrottleConfig {
  /** Steady-state requests per second for the whole stage. */
  readonly rateLimit: number;
  /** Burst bucket size. */
  readonly burstLimit: number;
}

export interface OrderManagementStackProps extends StackProps {
  /** Defaults to the real route table; tests pass their own lists to test the mechanism. */
  readonly routes?: readonly StackRoute[];
  readonly consumers?: readonly ConsumerDefinition[];
  readonly schedules?: readonly ScheduleDefinition[];
  /** DynamoDB deletion protection. Default true. */
  readonly deletionProtection?: boolean;
  readonly emailFrom: string;
  readonly adminEmail: string;
  readonly appBaseUrl: string;
  /** Browser origins allowed by CORS. Default: the app base URL's origin. */
  readonly corsAllowedOrigins?: readonly string[];
  /** Default-stage throttling. */
  readonly throttle?: ThrottleConfig;
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
  readonly logLevel?: string;
  /**
   * Stripe, optional: without it the stack deploys and checkout/webhook answer 503
   * PAYMENTS_NOT_CONFIGURED. Secrets are names or ARNs of existing Secrets Manager secrets
   * (plain string values); the two Stripe functions get the name/ARN and read them at init.
   */
  readonly stripe?: StripeSettings;
  /**
   * Serve product images through CloudFront (default true). false (`-c cloudfront=false`) is
   * for emulators without CloudFront (LocalStack without a paid plan): no distribution, and
   * `imageUrl`s point at the private bucket, so on AWS they would not load.
   */
  readonly cloudFront?: boolean;
  /** Subscribed (by email) to the alarm topic (infra/observability.ts). Default: no subscription. */
  readonly alarmEmail?: string | undefined;
  /** SES domain identity with Easy DKIM (infra/email.ts). Default: the `emailFrom` address is the identity. */
  readonly sesDomain?: string | undefined;
  /**
   * Business settings for every function (`MAX_UNPAID_ORDERS`, `CART_HOLD_MINUTES`, …: the
   * names of infra/shop-settings.ts), checked at synth. `cdk synth` passes those set in its
   * environment. Default: none (the catalogue's defaults).
   */
  readonly shopSettings?: Readonly<Record<string, string>>;
}

export interface StripeSettings {
  readonly secretKeySecret?: string;
  readonly webhookSecretSecret?: string;
  readonly checkoutSuccessUrl?: string;
  readonly checkoutCancelUrl?: string;
}

export const DEFAULT_THROTTLE: ThrottleConfig = { rateLimit: 50, burstLimit: 100 };
const SERVICE_NAME = 'order-management';
const SEED_ADMIN_HANDLER = 'functions/service/seed-admin.ts';

/** `orderEvents` → `OrderEvents`, for construct ids and output names. */
const pascal = (id: string): string => id.charAt(0).toUpperCase() + id.slice(1);

export class OrderManagementStack extends Stack {
  readonly table: dynamodb.Table;
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly queues: Readonly<Record<QueueId, sqs.Queue>>;
  readonly deadLetterQueues: Readonly<Record<QueueId, sqs.Queue>>;
  /** Where the table stream's consumers put batches they could not process (after retries). */
  readonly streamFailureQueue: sqs.Queue;
  /** Schedule invocations EventBridge could not deliver after its retries (alarmed). */
  readonly scheduleFailureQueue: sqs.Queue;
  /** SES identity and configuration set (infra/email.ts). */
  readonly email: EmailSending;
  /** Alarm topic, alarms, dashboard: a nested stack (infra/observability.ts). */
  readonly observability: Observability;
  /** Private product-image bucket; browsers upload with presigned PUTs, never read it directly. */
  readonly imagesBucket: s3.Bucket;
  /** Serves `products/*` of the images bucket publicly (Origin Access Control); none with `cloudFront: false`. */
  readonly imagesDistribution: cloudfront.Distribution | undefined;
  /** Base URL of product images (`imageUrl`): the distribution, or the bucket without CloudFront. */
  readonly imagesPublicUrl: string;
  /** Functions by construct id (`Route<Id>`, `Consumer<Id>`, `Schedule<Id>`, `SeedAdminFunction`). */
  readonly functions: ReadonlyMap<string, AppFunction>;
  /**
   * One nested stack per route area (`<Area>Routes`): its functions, their roles and log
   * groups, API routes, integrations and invoke permissions. Routes are ~7 resources each, so
   * the parent would pass CloudFormation's 500-resource quota at ~60 routes; split by area, each
   * stack holds 20–60 resources and adding a route never moves another one between stacks.
   */
  readonly routeStacks: ReadonlyMap<string, NestedStack>;
  /** The WebSocket API: a nested stack (infra/realtime.ts). */
  readonly realtime: RealtimeApi;

  constructor(scope: Construct, id: string, props: OrderManagementStackProps) {
    super(scope, id, props);
    const routes = props.routes ?? defaultRoutes;
    const consumerDefs = props.consumers ?? defaultConsumers;
    const scheduleDefs = props.schedules ?? defaultSchedules;
    const corsAllowedOrigins = props.corsAllowedOrigins ?? [new URL(props.appBaseUrl).origin];
    const functions = new Map<string, AppFunction>();
    // One esbuild run bundles all of these (infra/function-bundles.ts); a function whose
    // handler is missing here still works, bundled on its own.
    FunctionBundles.of(this).register([
      ...routes.map((route) => route.handler),
      ...consumerDefs.map((consumer) => consumer.handler),
      ...streamConsumers.map((consumer) => consumer.handler),
      ...scheduleDefs.map((schedule) => schedule.handler),
      defaultRoute.handler,
      websocketAuthorizer.handler,
      ...websocketRoutes.map((route) => route.handler),
      SEED_ADMIN_HANDLER,
    ]);
    this.functions = functions;

    // ---- Data ------------------------------------------------------------------------------
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: tableDefinition.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      stream: dynamodb.StreamViewType[tableDefinition.streamViewType],
    });
    for (const index of tableDefinition.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    // ---- Queues ----------------------------------------------------------------------------
    const queues = {} as Record<QueueId, sqs.Queue>;
    const deadLetterQueues = {} as Record<QueueId, sqs.Queue>;
    for (const def of Object.values(queueDefinitions) as QueueDefinition[]) {
      const dlq = new sqs.Queue(this, `${pascal(def.id)}Dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(def.deadLetterRetentionDays),
      });
      queues[def.id] = new sqs.Queue(this, `${pascal(def.id)}Queue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(def.retentionDays),
        deadLetterQueue: { queue: dlq, maxReceiveCount: def.maxReceiveCount },
      });
      deadLetterQueues[def.id] = dlq;
    }
    this.queues = queues;
    this.deadLetterQueues = deadLetterQueues;

    // ---- Product images --------------------------------------------------------------------
    // Admin browsers PUT straight to the bucket with a presigned URL (hence CORS for PUT from
    // the app's origins); everyone reads through CloudFront, which alone may GET `products/*`.
    this.imagesBucket = new s3.Bucket(this, 'ImagesBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Images are referenced by products (and, through them, by past orders): keep them.
      removalPolicy: RemovalPolicy.RETAIN,
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT],
          allowedOrigins: [...corsAllowedOrigins],
          // Content-Length is set by the browser itself and never preflighted.
          allowedHeaders: ['content-type'],
          maxAge: 3000,
        },
      ],
    });
    this.imagesDistribution = props.cloudFront === false ? undefined : new cloudfront.Distribution(this, 'ImagesDistribution', {
      comment: 'Product images (read-only)',
      defaultBehavior: {
        origin: new ProductImagesOrigin(
          this.imagesBucket,
          new cloudfront.S3OriginAccessControl(this, 'ImagesOriginAccessControl', {
            description: 'CloudFront reads product images from the private bucket',
            signing: cloudfront.Signing.SIGV4_ALWAYS,
          }),
        ),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
        responseHeadersPolicy: new cloudfront.ResponseHeadersPolicy(this, 'ImagesResponseHeaders', {
          comment: 'Product images: nosniff, HSTS, one day of browser caching',
          securityHeadersBehavior: {
            contentTypeOptions: { override: true },
            strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
          },
          // Every upload gets a new random key, so a URL's bytes do not change in practice.
          customHeadersBehavior: {
            customHeaders: [{ header: 'Cache-Control', value: 'public, max-age=86400', override: false }],
          },
        }),
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });

    this.imagesPublicUrl = `https://${this.imagesDistribution?.distributionDomainName ?? this.imagesBucket.bucketRegionalDomainName}`;

    // ---- Secrets ---------------------------------------------------------------------------
    // No secret value is in any function's environment: a function gets the secret's ARN
    // (JWT_SECRET_ARN, ADMIN_PASSWORD_ARN, STRIPE_*_ARN) and GetSecretValue on that secret
    // only, and reads it at init (shared/clients/secrets-manager.ts). Which functions read
    // the JWT secret follows from their code (bindAccess, INIT_SECRET_READERS).
    const jwtSecret = new secretsmanager.Secret(this, 'JwtSecret', {
      description: 'HMAC key for access tokens: a string, or {"current":{"kid","secret"},"previous":{...}} during a rotation',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const adminPassword = new secretsmanager.Secret(this, 'AdminPassword', {
      description: `Initial password of the seeded admin ${props.adminEmail}`,
      generateSecretString: {
        passwordLength: 24,
        excludeCharacters: ' "\'`\\/@',
        requireEachIncludedType: true,
      },
    });

    const commonEnv = {
      ...shopSettingsFrom(props.shopSettings ?? {}),
      ...commonEnvironment({
        jwtIssuer: props.jwtIssuer ?? SERVICE_NAME,
        jwtAudience: props.jwtAudience ?? `${SERVICE_NAME}-api`,
        appBaseUrl: props.appBaseUrl,
        adminEmail: props.adminEmail,
        emailFrom: props.emailFrom,
        serviceName: SERVICE_NAME,
        logLevel: props.logLevel ?? 'INFO',
        corsAllowedOrigins,
      }),
    };
    const resources: AccessResources = {
      jwtSecret: { secret: jwtSecret, secretId: jwtSecret.secretArn },
      table: this.table,
      queues,
      emailFrom: props.emailFrom,
      images: { bucket: this.imagesBucket, publicUrl: this.imagesPublicUrl },
      stripe: this.stripeEnvironment(props.stripe),
    };
    this.email = new EmailSending(this, 'Email', { emailFrom: props.emailFrom, sesDomain: props.sesDomain });
    /** Functions that may PUT product images (their IAM5 finding is acknowledged below). */
    const imageUploaders: AppFunction[] = [];
    const bind = (fn: AppFunction, access: Access, options: BindOptions = {}) => {
      bindAccess(fn, access, { ...resources, websocket: this.realtime?.management }, options);
      if (access.uploadImages) imageUploaders.push(fn);
      if (access.sendEmail) this.email.grantSend(fn);
    };

    // ---- HTTP API --------------------------------------------------------------------------
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Order Management API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...corsAllowedOrigins],
        allowMethods: corsPolicy.allowMethods.map((method) => apigw.CorsHttpMethod[method]),
        allowHeaders: [...corsPolicy.allowHeaders],
        exposeHeaders: [...corsPolicy.exposeHeaders],
        maxAge: Duration.seconds(corsPolicy.maxAgeSeconds),
        allowCredentials: !corsAllowedOrigins.includes('*'),
      },
    });
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      accessLogSettings: jsonAccessLogs(this, 'HttpApiAccessLogs', {
        httpMethod: '$context.httpMethod',
        path: '$context.path',
        protocol: '$context.protocol',
        responseLength: '$context.responseLength',
        latency: '$context.responseLatency',
        integrationLatency: '$context.integrationLatency',
        integrationError: '$context.integrationErrorMessage',
        userAgent: '$context.identity.userAgent',
      }),
    });

    const routeKeys = new Set<string>();
    const routeStacks = new Map<string, NestedStack>();
    this.routeStacks = routeStacks;
    const routeScope = (area: string): NestedStack => {
      let scope = routeStacks.get(area);
      if (!scope) {
        scope = new NestedStack(this, `${pascal(area)}Routes`, { description: `Order Management API: ${area} routes` });
        routeStacks.set(area, scope);
      }
      return scope;
    };
    for (const route of routes) {
      const routeKey = `${route.method} ${route.path}`;
      if (routeKeys.has(routeKey)) throw new Error(`Duplicate route ${routeKey} (${route.id})`);
      routeKeys.add(routeKey);
      const scope = routeScope(route.area ?? 'api');
      const fnId = `Route${pascal(route.id)}`;
      const fn = new AppFunction(scope, fnId, {
        handlerFile: route.handler,
        commonEnv,
        description: `${routeKey} (${route.handler})`,
        ...(route.timeoutSeconds !== undefined && { timeoutSeconds: route.timeoutSeconds }),
        ...(route.memoryMiB !== undefined && { memoryMiB: route.memoryMiB }),
      });
      bind(fn, routeAccess(route), { authenticates: route.auth !== 'public' });
      functions.set(fnId, fn);
      const httpRoute = new apigw.HttpRoute(scope, `${fnId}ApiRoute`, {
        httpApi: this.httpApi,
        routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]),
        integration: new HttpLambdaIntegration(`${fnId}Integration`, fn),
      });
      Validations.of(httpRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          route.auth === 'public'
            ? 'Public endpoint by design (route table auth: public).'
            : `Auth level '${route.auth}' is enforced in the Lambda HTTP pipeline: it verifies the ` +
              'JWT (signature, issuer, audience, algorithm pinned, revocation) and the role from ' +
              'the route table, so the same check runs on AWS and on the local stack.',
      });
    }

    // Every request no route matches: 404 in the error envelope with x-request-id (API Gateway's
    // own answer would be {"message":"Not Found"}).
    const notFoundFn = new AppFunction(routeScope('service'), 'RouteDefault', { handlerFile: defaultRoute.handler, commonEnv, description: `$default (${defaultRoute.handler})` });
    bind(notFoundFn, routeAccess(defaultRoute));
    functions.set('RouteDefault', notFoundFn);
    const notFoundRoute = new apigw.HttpRoute(routeScope('service'), 'RouteDefaultApiRoute', {
      httpApi: this.httpApi,
      routeKey: apigw.HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('RouteDefaultIntegration', notFoundFn),
    });
    Validations.of(notFoundRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: 'Answers 404 to anyone: there is nothing behind it to protect.' });

    // ---- Queue consumers -------------------------------------------------------------------
    for (const consumer of consumerDefs) {
      const queueDef: QueueDefinition = queueDefinitions[consumer.queue];
      if (queueDef.visibilityTimeoutSeconds < 6 * consumer.timeoutSeconds) {
        throw new Error(
          `Queue ${queueDef.id}: visibility timeout ${queueDef.visibilityTimeoutSeconds}s must be ` +
            `at least 6x the timeout of consumer ${consumer.id} (${consumer.timeoutSeconds}s).`,
        );
      }
      const fnId = `Consumer${pascal(consumer.id)}`;
      const fn = new AppFunction(this, fnId, {
        handlerFile: consumer.handler,
        commonEnv,
        timeoutSeconds: consumer.timeoutSeconds,
        description: `Consumer of ${queueDef.name} (${consumer.handler})`,
      });
      bind(fn, consumer.access);
      fn.addEventSource(
        new SqsEventSource(queues[consumer.queue], {
          batchSize: consumer.batchSize,
          reportBatchItemFailures: true,
          ...(consumer.maxConcurrency !== undefined && { maxConcurrency: consumer.maxConcurrency }),
        }),
      );
      functions.set(fnId, fn);
    }

    // ---- WebSocket API (nested stack, infra/realtime.ts) ------------------------------------
    this.realtime = new RealtimeApi(this, 'Realtime', { commonEnv, bind, throttle });
    for (const [fnId, fn] of this.realtime.functions) functions.set(fnId, fn);

    // ---- Table stream consumers (analytics counters, WebSocket pushes) ----------------------
    // Records that still fail after the retries are described in this queue (depth alarmed):
    // their counters must then be replayed by hand (README runbook).
    const streamFailures = this.failureQueue('StreamConsumerFailures', "the stream event source mapping's on-failure destination");
    this.streamFailureQueue = streamFailures;
    for (const consumer of streamConsumers) {
      const fnId = `StreamConsumer${pascal(consumer.id)}`;
      // A pusher lives beside the WebSocket API it posts to.
      const fn = new AppFunction(consumer.access.manageConnections ? this.realtime : this, fnId, {
        handlerFile: consumer.handler,
        commonEnv,
        timeoutSeconds: consumer.timeoutSeconds,
        description: `Consumer of the table stream (${consumer.handler})`,
      });
      bind(fn, consumer.access);
      if (consumer.access.manageConnections) this.realtime.acknowledgeConnectionManager(fn);
      fn.addEventSource(
        new DynamoEventSource(this.table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: consumer.batchSize,
          maxBatchingWindow: Duration.seconds(consumer.maxBatchingWindowSeconds),
          reportBatchItemFailures: true,
          retryAttempts: consumer.retryAttempts,
          onFailure: new SqsDlq(streamFailures),
          filters: consumer.filterPatterns.map((pattern) => FilterCriteria.filter(pattern)),
        }),
      );
      functions.set(fnId, fn);
    }

    // ---- Schedules -------------------------------------------------------------------------
    const scheduleFailures = this.failureQueue('ScheduleFailures', "the dead-letter queue of the schedules' EventBridge targets");
    this.scheduleFailureQueue = scheduleFailures;
    for (const schedule of scheduleDefs) {
      const fnId = `Schedule${pascal(schedule.id)}`;
      const fn = new AppFunction(this, fnId, {
        handlerFile: schedule.handler,
        commonEnv,
        timeoutSeconds: schedule.timeoutSeconds,
        description: `${schedule.schedule} (${schedule.handler})`,
      });
      bind(fn, schedule.access);
      new events.Rule(this, `${fnId}Rule`, {
        description: `${schedule.id}: ${schedule.schedule}`,
        schedule: events.Schedule.expression(schedule.schedule),
        // Jobs are idempotent and run again on the next tick, so stale retries are pointless.
        targets: [new targets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.minutes(15), deadLetterQueue: scheduleFailures })],
      });
      functions.set(fnId, fn);
    }

    // ---- Admin seeding ---------------------------------------------------------------------
    const seedFn = new AppFunction(this, 'SeedAdminFunction', {
      handlerFile: SEED_ADMIN_HANDLER,
      commonEnv,
      timeoutSeconds: 30,
      description: 'Creates the first admin on stack create/update',
    });
    bind(seedFn, SEED_ADMIN_ACCESS);
    grantSecretRead(seedFn, 'ADMIN_PASSWORD_ARN', { secret: adminPassword, secretId: adminPassword.secretArn });
    functions.set('SeedAdminFunction', seedFn);
    const seedProvider = new cr.Provider(this, 'SeedAdminProvider', {
      onEventHandler: seedFn,
      logGroup: new logs.LogGroup(this, 'SeedAdminProviderLogs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    new CustomResource(this, 'SeedAdmin', {
      serviceToken: seedProvider.serviceToken,
      resourceType: 'Custom::SeedAdmin',
      // A change of admin address (or a new table) runs the seed again.
      properties: { AdminEmail: props.adminEmail, TableName: this.table.tableName },
    });

    this.acknowledgeNagFindings(seedProvider, [jwtSecret, adminPassword]);
    this.acknowledgeImageNagFindings(imageUploaders);

    // ---- Alarms, dashboard (nested stack, infra/observability.ts) --------------------------
    this.observability = new Observability(this, 'Observability', {
      httpApi: this.httpApi,
      functions,
      table: this.table,
      orderEventsQueue: queues.orderEvents,
      deadLetterQueues: {
        ...Object.fromEntries(Object.entries(deadLetterQueues).map(([queueId, dlq]) => [`${pascal(queueId)}Dlq`, dlq])),
        StreamConsumerFailures: streamFailures,
        ScheduleFailures: scheduleFailures,
      },
      scheduleRules: this.node.children.filter((child): child is events.Rule => child instanceof events.Rule),
      sesConfigurationSetName: this.email.configurationSet.configurationSetName,
      alarmEmail: props.alarmEmail,
      serviceName: SERVICE_NAME,
    });

    // ---- Outputs ---------------------------------------------------------------------------
    new CfnOutput(this, 'ApiUrl', { value: this.stage.url });
    new CfnOutput(this, 'WebSocketUrl', { value: this.realtime.stage.url });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    for (const [queueId, queue] of Object.entries(queues)) {
      new CfnOutput(this, `${pascal(queueId)}QueueUrl`, { value: queue.queueUrl });
    }
    new CfnOutput(this, 'DlqUrl', { value: deadLetterQueues.orderEvents.queueUrl });
    new CfnOutput(this, 'AdminPasswordSecretArn', { value: adminPassword.secretArn });
    new CfnOutput(this, 'ImagesUrl', { value: this.imagesPublicUrl });
  }

  /** Existing Secrets Manager secrets, read by the two Stripe functions at runtime; nothing is created. */
  private stripeEnvironment(settings: StripeSettings | undefined): AccessResources['stripe'] {
    if (!settings) return undefined;
    const secret = (id: string, nameOrArn: string | undefined): RuntimeSecret | undefined => {
      if (!nameOrArn) return undefined;
      const imported = nameOrArn.startsWith('arn:')
        ? secretsmanager.Secret.fromSecretCompleteArn(this, id, nameOrArn)
        : secretsmanager.Secret.fromSecretNameV2(this, id, nameOrArn);
      return { secret: imported, secretId: nameOrArn };
    };
    return {
      secretKey: secret('StripeSecretKey', settings.secretKeySecret),
      webhookSecret: secret('StripeWebhookSecret', settings.webhookSecretSecret),
      checkoutSuccessUrl: settings.checkoutSuccessUrl,
      checkoutCancelUrl: settings.checkoutCancelUrl,
    };
  }

  /**
   * How cdk-nag names the ARN of this stack's resource `logicalId` in a policy of `fn`: an
   * attribute here; in a route nested stack, the attribute before CDK resolves the reference
   * and the parameter it passes in after (`referenceto<unique id>Arn`: the construct path's
   * id, which differs from the logical id unless the stack is called `Default`).
   */
  private arnAsSeenBy(fn: AppFunction, resource: CfnElement): string[] {
    const logicalId = this.getLogicalId(resource);
    return Stack.of(fn) === this ? [`${logicalId}.Arn`] : [`${logicalId}.Arn`, `referenceto${Names.uniqueId(resource)}Arn`];
  }

  /** A queue that is itself where failures land (encrypted, TLS only, 14 days, depth alarmed). */
  private failureQueue(id: string, role: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter destination (${role}, alarmed); cdk-nag only recognises redrive policies and function DLQs.`,
    });
    return queue;
  }

  /**
   * cdk-nag findings we accept, each acknowledged on the narrowest construct with its reason
   * (cdk-nag v3: CDK's own `Validations.acknowledge`, one id per finding). Everything else
   * must pass `AwsSolutionsChecks` (see test/infra/nag.test.ts and `-c nag=true` synth).
   */
  private acknowledgeNagFindings(seedProvider: cr.Provider, secrets: secretsmanager.Secret[]): void {
    const basicExecutionRole =
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

    for (const secret of secrets) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Generated once at deploy. The JWT key is rotated by hand with an overlap window ' +
          '(JSON {current, previous}: tokens carry a kid, both keys verify; README "Secrets"); a ' +
          'rotation Lambda would have to write that JSON. The admin password is a bootstrap ' +
          'credential the admin changes after first sign-in.',
      });
    }

    for (const fn of this.functions.values()) {
      Validations.of(fn).acknowledge(
        {
          id: basicExecutionRole,
          reason:
            "AWSLambdaBasicExecutionRole only allows writing the function's CloudWatch logs; a " +
            'hand-written copy would be the same policy.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) uses Resource ' +
            '"*": those actions support no resource-level permissions.',
        },
        ...this.arnAsSeenBy(fn, this.table.node.defaultChild as dynamodb.CfnTable).map((arn) => ({
          id: `AwsSolutions-IAM5[Resource::<${arn}>/index/*]`,
          reason:
            'Functions whose table access declares no partition keys may Query gsi1 and gsi2: ' +
            'dynamodb:Query is the only action on <table>/index/* (no write, no Scan); functions ' +
            'with declared keys get named indexes under a LeadingKeys condition instead.',
        })),
        {
          id: 'AwsSolutions-L1',
          reason:
            'Node.js 22 is pinned project-wide (local stack, tests, esbuild target) per ' +
            'DESIGN.md, and nodejs22.x is a supported Lambda runtime; moving to 24 is a ' +
            'deliberate project-wide upgrade.',
        },
      );
    }

    Validations.of(seedProvider).acknowledge(
      {
        id: basicExecutionRole,
        reason: 'CDK custom resource provider framework function: CloudWatch Logs only.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(
          (this.functions.get('SeedAdminFunction') as AppFunction).node.defaultChild as lambda.CfnFunction,
        )}.Arn>:*]`,
        reason:
          'CDK provider framework may invoke any version of the seed function (<arn>:*); it is ' +
          'scoped to that one function.',
      },
    );
  }

  /** cdk-nag findings of the product-image bucket and CDN, each with its reason. */
  private acknowledgeImageNagFindings(imageUploaders: readonly AppFunction[]): void {
    Validations.of(this.imagesBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Objects are written only through presigned PUTs that the API issues to admins, and the ' +
        'API logs each one (admin, product, key); reads go through CloudFront. Server access ' +
        'logs would need a second bucket for no extra audit value; enable S3 data events in ' +
        'CloudTrail if object-level auditing is ever required.',
    });
    if (this.imagesDistribution) Validations.of(this.imagesDistribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Product images of a public shop are meant for every country; there is nothing to geo-restrict.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Read-only GET/HEAD of cached public images from a private bucket (OAC): no input is ' +
          'processed, so WAF rules have nothing to inspect; volumetric attacks are covered by ' +
          'CloudFront and AWS Shield Standard. Add a WAF web ACL (us-east-1) if abuse shows up.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Public, non-personal images: CloudFront metrics cover traffic and errors. Standard ' +
          'access logs would need an ACL-enabled log bucket; turn on CloudFront logging to ' +
          'CloudWatch Logs when request-level analysis is needed.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, for which CloudFront ' +
          'fixes the TLS policy; a minimum of TLSv1.2_2021 needs a custom domain with an ACM ' +
          'certificate (not configured yet). Viewers are redirected to HTTPS.',
      },
    );
    for (const fn of imageUploaders) {
      Validations.of(fn).acknowledge(...this.arnAsSeenBy(fn, this.imagesBucket.node.defaultChild as s3.CfnBucket).map((arn) => ({
        id: `AwsSolutions-IAM5[Resource::<${arn}>/${PRODUCT_IMAGE_KEY_PREFIX}*]`,
        reason:
          'Only s3:PutObject, only below products/: every upload gets a new random key ' +
          '(products/<productId>/<uuid>.<ext>), so no fixed object ARN exists; each presigned ' +
          'URL is itself limited to one key, one content type and one size.',
      })));
    }
  }
}

/**
 * S3 origin with Origin Access Control whose bucket-policy grant is `s3:GetObject` on
 * `products/*` for this distribution only. (`S3BucketOrigin.withOriginAccessControl` grants
 * GetObject on the whole bucket.)
 */
class ProductImagesOrigin extends origins.S3BucketOrigin {
  constructor(
    private readonly imagesBucket: s3.IBucket,
    private readonly accessControl: cloudfront.S3OriginAccessControl,
  ) {
    super(imagesBucket);
  }

  override bind(scope: Construct, options: cloudfront.OriginBindOptions): cloudfront.OriginBindConfig {
    const config = super.bind(scope, options);
    this.imagesBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [this.imagesBucket.arnForObjects(`${PRODUCT_IMAGE_KEY_PREFIX}*`)],
        conditions: {
          StringEquals: {
            'AWS:SourceArn': Stack.of(scope).formatArn({
              service: 'cloudfront',
              region: '',
              resource: 'distribution',
              resourceName: options.distributionId,
            }),
          },
        },
      }),
    );
    return {
      ...config,
      originProperty: { ...config.originProperty!, originAccessControlId: this.accessControl.originAccessControlId },
    };
  }
}
