/**
 * `npm start`: the whole API on http://localhost:3000, with emulators, until Ctrl-C.
 *
 * DynamoDB is reached through the conflict-faithful proxy by default, so transactions conflict
 * as on AWS; `--no-conflict-proxy` (or `LOCAL_CONFLICT_PROXY=0`) talks to DynamoDB Local directly.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { persist: { type: 'boolean', default: false }, 'conflict-proxy': { type: 'boolean', default: true } },
  allowNegative: true,
});
const persist = values.persist || process.env.LOCAL_PERSIST === '1';
const conflictProxy = values['conflict-proxy'] && process.env.LOCAL_CONFLICT_PROXY !== '0';
const port = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

try {
  // Imported here: modules read their configuration as they load, so a bad variable lands in
  // the catch below (one message naming every bad variable) instead of a stack trace.
  const { localDefaults, repoRoot, startLocalStack } = await import('./local-stack.js');
  const startedAt = Date.now();
  const stack = await startLocalStack({
    apiPort: port('API_PORT') ?? 3000,
    websocketPort: port('WEBSOCKET_PORT') ?? 3001,
    dynamodbPort: port('DYNAMODB_PORT'),
    sqsPort: port('SQS_PORT'),
    sesPort: port('SES_PORT'),
    persistDir: persist ? path.join(repoRoot, '.local-data') : undefined,
    conflictProxy,
  });
  const usingDefault = (name: keyof typeof localDefaults) => (process.env[name] === localDefaults[name] ? ' (default)' : '');
  console.log(
    [
      '',
      `Order Management API is up in ${((Date.now() - startedAt) / 1000).toFixed(1)}s`,
      `  API:          ${stack.apiUrl}`,
      `  WebSocket:    ${stack.websocketUrl}/?token=<accessToken> (real-time order updates)`,
      `  OpenAPI:      ${stack.apiUrl}/openapi.json (reference page: ${stack.apiUrl}/docs)`,
      `  Mail viewer:  ${stack.mailViewerUrl}`,
      `  Admin:        ${process.env.ADMIN_EMAIL}${usingDefault('ADMIN_EMAIL')} / ${process.env.ADMIN_PASSWORD}${usingDefault('ADMIN_PASSWORD')}`,
      `  Data:         ${persist ? `kept in ${path.join(repoRoot, '.local-data')}` : 'in memory (use --persist to keep it)'}`,
      `  DynamoDB:     ${stack.conflictProxyUrl ? `conflict-faithful proxy, stats ${stack.conflictProxyUrl}/__proxy/stats (--no-conflict-proxy turns it off)` : 'DynamoDB Local directly (no conflict proxy)'}`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack...`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (error) {
  console.error(`\nThe local stack could not start:\n  ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
