/**
 * The one place Lambda defaults live (runtime, architecture, bundling, tracing, logs) and the
 * one place an `Access` declaration from the route/consumer/schedule lists becomes IAM grants
 * and environment variables. The stack never grants anything by hand.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PRODUCT_IMAGE_KEY_PREFIX } from '../shared/schemas/product-images.js';
import { FunctionBundles } from './function-bundles.js';
import { queueDefinitions, type QueueId } from './queue-definitions.js';
import { tableAccessOf, type Access } from './route-types.js';

/** Repository root: handler paths in the route/consumer/schedule lists are relative to it. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export const DEFAULT_MEMORY_MIB = 512;
export const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * ESM bundles still contain CommonJS dependencies that call `require` (Node built-ins);
 * esbuild's shim needs a real `require` in scope, so the banner defines one.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __appCreateRequire } from 'node:module'; const require = __appCreateRequire(import.meta.url);";

/**
 * esbuild settings of every function, in CDK's shape (what NodejsFunction would take). They
 * become esbuild API options in one place: `esbuildOptionsForAll` for the one shared build of
 * all functions at synth (infra/function-bundles.ts), `esbuildOptionsFor` for one function
 * (bench/bundle-size.ts), so the benchmark bundles exactly what gets deployed.
 */
export const APP_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
  // Bundle (and tree-shake) the AWS SDK v3 instead of using the runtime's copy.
  externalModules: [],
};

/** The subset of esbuild's `BuildOptions` that CDK's local bundling sets (no esbuild import here). */
export interface EsbuildOptions {
  entryPoints: string[] | Record<string, string>;
  /** One entry point: its output file. */
  outfile?: string;
  /** Several entry points (`esbuildOptionsForAll`): their output directory. */
  outdir?: string;
  outExtension?: Record<string, string>;
  bundle: true;
  /** Always false: every function's bundle must be self-contained. */
  splitting: false;
  platform: 'node';
  target: string;
  format?: 'esm' | 'cjs';
  minify: boolean;
  sourcemap: boolean | 'inline' | 'external' | 'both';
  sourcesContent: boolean;
  external: string[];
  mainFields?: string[];
  banner?: { js: string };
}

/** `index.mjs` for ESM, `index.js` for CJS: the file name CDK gives a bundle. */
const BUNDLE_EXTENSION = APP_BUNDLING.format === OutputFormat.ESM ? '.mjs' : '.js';

/**
 * `APP_BUNDLING` as esbuild API options, mirroring the CLI arguments CDK's local bundling
 * passes (`esbuild --bundle <entry> --target --platform=node --format --outfile --minify
 * --sourcemap --sources-content --external --banner:js --main-fields`), without the entry
 * points and output location.
 */
function esbuildBaseOptions(): Omit<EsbuildOptions, 'entryPoints' | 'outfile' | 'outdir' | 'outExtension'> {
  const b = APP_BUNDLING;
  const mapped = new Set(['format', 'target', 'mainFields', 'banner', 'minify', 'sourceMap', 'sourceMapMode', 'sourcesContent', 'externalModules']);
  const unmapped = Object.keys(b).filter((key) => !mapped.has(key));
  if (unmapped.length > 0) throw new Error(`esbuildOptionsFor: map APP_BUNDLING.${unmapped.join(', ')} too`);
  const mode = b.sourceMapMode ?? SourceMapMode.DEFAULT;
  const sourceMapOn = Boolean(b.sourceMapMode ?? b.sourceMap);
  return {
    bundle: true,
    splitting: false,
    platform: 'node',
    target: b.target ?? 'node22',
    ...(b.format !== undefined && { format: b.format === OutputFormat.ESM ? 'esm' : 'cjs' }),
    minify: b.minify ?? false,
    // CLI `--sourcemap` (DEFAULT) is esbuild's linked mode, i.e. `sourcemap: true`.
    sourcemap: !sourceMapOn ? false : mode === SourceMapMode.DEFAULT ? true : mode,
    sourcesContent: b.sourcesContent ?? true,
    external: [...(b.externalModules ?? [])],
    ...(b.mainFields && { mainFields: [...b.mainFields] }),
    ...(b.banner && { banner: { js: b.banner } }),
  };
}

/** One function: `<outdir>/index.mjs` (what bench/bundle-size.ts builds). */
export function esbuildOptionsFor(entry: string, outdir: string): EsbuildOptions {
  return { ...esbuildBaseOptions(), entryPoints: [entry], outfile: path.join(outdir, `index${BUNDLE_EXTENSION}`) };
}

/**
 * Many functions in one esbuild run (infra/function-bundles.ts): `entries` maps an output
 * directory name to an entry file; each gets `<outdir>/<name>/index.mjs`, self-contained
 * (no splitting), with the same content a one-entry build gives.
 */
export function esbuildOptionsForAll(entries: Record<string, string>, outdir: string): EsbuildOptions {
  return {
    ...esbuildBaseOptions(),
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, entry]) => [`${name}/index`, entry])),
    outdir,
    outExtension: { '.js': BUNDLE_EXTENSION },
  };
}

/** Settings every function receives as environment variables. */
export interface CommonSettings {
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly appBaseUrl: string;
  readonly adminEmail: string;
  readonly emailFrom: string;
  readonly serviceName: string;
  readonly logLevel: string;
  readonly corsAllowedOrigins: readonly string[];
}

/** The common environment, defined once. */
export function commonEnvironment(settings: CommonSettings): Record<string, string> {
  return {
    JWT_ISSUER: settings.jwtIssuer,
    JWT_AUDIENCE: settings.jwtAudience,
    APP_BASE_URL: settings.appBaseUrl,
    ADMIN_EMAIL: settings.adminEmail,
    EMAIL_FROM: settings.emailFrom,
    POWERTOOLS_SERVICE_NAME: settings.serviceName,
    POWERTOOLS_LOG_LEVEL: settings.logLevel,
    CORS_ALLOWED_ORIGINS: settings.corsAllowedOrigins.join(','),
  };
}

export interface AppFunctionProps {
  /** Handler file relative to the repository root (exports `handler`). */
  readonly handlerFile: string;
  /** Output of `commonEnvironment`. */
  readonly commonEnv: Record<string, string>;
  /** Extra, function-specific variables (bindAccess adds its own). */
  readonly environment?: Record<string, string>;
  readonly memoryMiB?: number;
  readonly timeoutSeconds?: number;
  readonly description?: string;
  readonly logRetention?: logs.RetentionDays;
}

/**
 * NodejsFunction with the project's defaults: Node 22, arm64, ESM, SDK bundled, X-Ray, logs.
 * Its code is one asset per function (`index.mjs` + map, hashed by content) served from the
 * app's single shared esbuild run (`FunctionBundles`) instead of an esbuild run per function.
 */
export class AppFunction extends NodejsFunction {
  /** The function's own log group (retention set, removed with the stack). */
  readonly appLogGroup: logs.LogGroup;
  /** The handler file, relative to the repository root. */
  readonly handlerFile: string;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      // Asset staged by bundling (CDK skips it for stacks outside `aws:cdk:bundling-stacks`);
      // the source directory is not read, the hash is the output's.
      code: lambda.Code.fromAsset(repoRoot, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: FunctionBundles.of(scope).bundlingFor(props.handlerFile),
      }),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMiB ?? DEFAULT_MEMORY_MIB,
      timeout: Duration.seconds(props.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: props.description ?? props.handlerFile,
      environment: {
        ...props.commonEnv,
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.appLogGroup = logGroup;
    this.handlerFile = props.handlerFile;
  }
}

/** A Secrets Manager secret that functions read at runtime (shared/clients/secrets-manager.ts). */
export interface RuntimeSecret {
  readonly secret: ISecret;
  /** What the function passes as SecretId: the secret's ARN, or the name it was imported by. */
  readonly secretId: string;
}

/**
 * Secrets a module reads when it loads (top-level await), keyed by the module: a function
 * that loads the module gets the env var (the secret's ARN) and GetSecretValue on that one
 * secret; a function that never loads it gets neither. Stripe secrets follow
 * `access.stripe`, the admin password only the seed function (infra/stack.ts).
 */
export const INIT_SECRET_READERS = {
  'shared/auth/keys.ts': { secret: 'jwt', envVar: 'JWT_SECRET_ARN' },
} as const satisfies Record<string, { secret: 'jwt'; envVar: string }>;

/**
 * The authentication module: every route that authenticates loads it (statically, through
 * shared/http/authenticated-handler.ts), no public route does. `authenticates` adds what it
 * loads to a function's modules even if a handler reached it some other way; any dynamic
 * (`await import()`) path to a secret reader fails the synth (bindAccess).
 */
export const AUTHENTICATE_MODULE = 'shared/auth/authenticate.ts';

export interface BindOptions {
  /** The function is a route that authenticates (auth is not `public`). */
  readonly authenticates?: boolean;
}

/**
 * `<envVar>` = the secret's id, and `secretsmanager:GetSecretValue` on exactly that secret
 * (a secret imported by name has no full ARN: `<partial ARN>-??????` matches its suffix).
 */
export function grantSecretRead(fn: lambda.Function, envVar: string, runtimeSecret: RuntimeSecret): void {
  const { secret, secretId } = runtimeSecret;
  fn.addEnvironment(envVar, secretId);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
    }),
  );
}

/** What `bindAccess` may hand out. */
export interface AccessResources {
  /** The JWT signing secret (shared/auth/keys.ts reads it at init). */
  readonly jwtSecret: RuntimeSecret;
  readonly table: ITable;
  readonly queues: Readonly<Record<QueueId, IQueue>>;
  /** Sender address (`shop@example.com` or `Shop <shop@example.com>`). */
  readonly emailFrom: string;
  /** Product images: the private bucket and the public base URL (CloudFront) serving it. */
  readonly images: { readonly bucket: IBucket; readonly publicUrl: string };
  /** Stripe settings (each optional); the two secrets are read at runtime. */
  readonly stripe?: {
    readonly secretKey?: RuntimeSecret | undefined;
    readonly webhookSecret?: RuntimeSecret | undefined;
    readonly checkoutSuccessUrl?: string | undefined;
    readonly checkoutCancelUrl?: string | undefined;
  } | undefined;
  /** The WebSocket API's management endpoint (infra/realtime.ts), for `manageConnections`. */
  readonly websocket?: WebSocketManagement | undefined;
}

export interface WebSocketManagement {
  /** `https://<api>.execute-api.<region>.amazonaws.com/<stage>` */
  readonly managementUrl: string;
  /** ARNs of `POST` and `DELETE /@connections/*` on the stage: all a pusher may call. */
  readonly connectionArns: readonly string[];
}

/**
 * Item-level reads on the table. No Scan: every access pattern is GetItem, Query or a
 * transaction (ConditionCheckItem: the ConditionCheck items of TransactWriteItems).
 */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;

/**
 * Reads plus item writes; TransactWriteItems is authorised per item through these. No
 * BatchWriteItem: the app's code never sends one (test/infra/least-privilege.test.ts checks).
 */
export const TABLE_WRITE_ACTIONS = [
  ...TABLE_READ_ACTIONS,
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/** The only action that works on an index (GetItem, writes and transactions address the table). */
export const INDEX_ACTIONS = ['dynamodb:Query'] as const;

/** `ForAllValues:StringLike` on `dynamodb:LeadingKeys`: every partition key the request touches must match one pattern. */
export const leadingKeysCondition = (patterns: readonly string[]) => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] },
});

/**
 * The table grants of one `Access.table`: the table's actions on the table ARN only, and
 * `dynamodb:Query` alone on indexes (never a write action on `<table>/index/…`). A plain mode
 * gets Query on every index (`index/*`) and no key condition; a `TableAccess` gets its keys as a
 * LeadingKeys condition and Query only on the indexes it declares, each with its own keys.
 */
export function grantTableAccess(fn: lambda.Function, table: ITable, declared: NonNullable<Access['table']>): void {
  const { mode, keys, indexKeys } = tableAccessOf(declared);
  if (keys && keys.length === 0) throw new Error(`${fn.node.path}: a TableAccess needs at least one key pattern`);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [...(mode === 'write' ? TABLE_WRITE_ACTIONS : TABLE_READ_ACTIONS)],
      resources: [table.tableArn],
      ...(keys && { conditions: leadingKeysCondition(keys) }),
    }),
  );
  if (!keys) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...INDEX_ACTIONS], resources: [`${table.tableArn}/index/*`] }));
    return;
  }
  for (const [indexName, patterns] of Object.entries(indexKeys ?? {})) {
    if (!patterns || patterns.length === 0) throw new Error(`${fn.node.path}: index ${indexName} needs at least one key pattern`);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...INDEX_ACTIONS],
        resources: [`${table.tableArn}/index/${indexName}`],
        conditions: leadingKeysCondition(patterns),
      }),
    );
  }
}

/** `Shop <shop@example.com>` → `shop@example.com`. */
export function senderAddress(emailFrom: string): string {
  const match = /<([^>]+)>/.exec(emailFrom);
  return (match?.[1] ?? emailFrom).trim();
}

/**
 * SES identity ARNs that authorise sending as `emailFrom`: the address identity and its
 * domain identity (SES checks whichever one is verified).
 */
export function sesIdentityArns(stack: Stack, emailFrom: string): string[] {
  const address = senderAddress(emailFrom);
  const domain = address.split('@')[1];
  const identities = domain ? [address, domain] : [address];
  return identities.map((identity) =>
    stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
  );
}

/**
 * Turns an `Access` declaration into exactly the grants and env vars it needs, plus the
 * secrets the function's code reads at init (`INIT_SECRET_READERS`). This is the only place
 * functions get permissions to app resources (and the seed function its admin password).
 */
export function bindAccess(fn: AppFunction, access: Access, resources: AccessResources, options: BindOptions = {}): void {
  const graph = FunctionBundles.of(fn);
  const loaded = new Set(graph.modulesLoadedBy(fn.handlerFile));
  if (options.authenticates) for (const module of graph.modulesLoadedBy(AUTHENTICATE_MODULE)) loaded.add(module);
  const mayLoad = graph.modulesLoadedBy(fn.handlerFile, { dynamic: true });
  const initSecrets = { jwt: resources.jwtSecret };
  for (const [module, reader] of Object.entries(INIT_SECRET_READERS)) {
    if (loaded.has(module)) grantSecretRead(fn, reader.envVar, initSecrets[reader.secret]);
    else if (mayLoad.has(module) && !graph.modulesLoadedBy(AUTHENTICATE_MODULE).has(module)) {
      throw new Error(`${fn.handlerFile} may load ${module} through an \`await import()\` bindAccess does not know: grant its secret explicitly`);
    }
  }
  if (access.table) {
    grantTableAccess(fn, resources.table, access.table);
    fn.addEnvironment('TABLE_NAME', resources.table.tableName);
  }
  for (const queueId of new Set(access.sendTo ?? [])) {
    const queue = resources.queues[queueId];
    queue.grantSendMessages(fn);
    fn.addEnvironment(queueDefinitions[queueId].envVar, queue.queueUrl);
  }
  if (access.sendEmail) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: sesIdentityArns(Stack.of(fn), resources.emailFrom),
        conditions: { StringEquals: { 'ses:FromAddress': senderAddress(resources.emailFrom) } },
      }),
    );
    fn.addEnvironment('EMAIL_FROM', resources.emailFrom);
  }
  if (access.uploadImages) {
    // Not bucket.grantPut(): that adds PutObjectTagging/Retention/LegalHold and Abort*. The
    // function only presigns PUTs below the prefix, and a presigned URL can do no more than
    // its signer's role.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [resources.images.bucket.arnForObjects(`${PRODUCT_IMAGE_KEY_PREFIX}*`)],
      }),
    );
    fn.addEnvironment('IMAGES_BUCKET', resources.images.bucket.bucketName);
    fn.addEnvironment('IMAGES_PUBLIC_URL', resources.images.publicUrl);
  }
  if (access.manageConnections) {
    if (!resources.websocket) throw new Error(`${fn.handlerFile} manages WebSocket connections, but this stack has no WebSocket API`);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['execute-api:ManageConnections'], resources: [...resources.websocket.connectionArns] }));
    fn.addEnvironment('WEBSOCKET_MANAGEMENT_URL', resources.websocket.managementUrl);
  }
  const stripe = resources.stripe;
  if (access.stripe && stripe) {
    const usesKey = access.stripe !== 'webhook';
    const secret = usesKey ? stripe.secretKey : stripe.webhookSecret;
    if (secret) grantSecretRead(fn, usesKey ? 'STRIPE_SECRET_KEY_ARN' : 'STRIPE_WEBHOOK_SECRET_ARN', secret);
    const variables: Record<string, string | undefined> =
      access.stripe === 'api' ? { CHECKOUT_SUCCESS_URL: stripe.checkoutSuccessUrl, CHECKOUT_CANCEL_URL: stripe.checkoutCancelUrl } : {};
    for (const [name, value] of Object.entries(variables)) if (value) fn.addEnvironment(name, value);
  }
}
