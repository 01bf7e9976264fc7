/**
 * The conflict proxy as its own process (started by emulators.ts), so that its event loop is
 * never the one running the handlers and the load: how long a transaction holds its items
 * must not depend on how busy the API process is. Prints `conflict-proxy listening <url>`.
 *
 *   tsx infra/local/conflict-proxy-main.ts --target http://127.0.0.1:8000 [--port 0] [--transaction-latency-ms 0]
 */
import { parseArgs } from 'node:util';
import { startConflictProxy } from './conflict-proxy.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'transaction-latency-ms': { type: 'string', default: '0' },
  },
});
if (!values.target) {
  console.error('conflict-proxy: --target <DynamoDB endpoint> is required');
  process.exit(2);
}
const proxy = await startConflictProxy({
  target: values.target,
  host: values.host,
  port: Number(values.port),
  transactionLatencyMs: Number(values['transaction-latency-ms']),
});
console.log(`conflict-proxy listening ${proxy.url}`);
const stop = () => void proxy.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// The parent went away without stopping us: don't linger.
process.stdin.on('end', stop);
process.stdin.resume();
