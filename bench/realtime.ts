/**
 * `npm run bench:realtime`: push latency of the WebSocket API on the local stack, from the
 * state change to the client, for 100 sockets. 100 customers each hold a socket (plus one
 * admin socket); each places an order of its own product (no stock conflicts: this measures
 * the push, not the write path), then the admin records its payment. Latency is the
 * message's arrival minus the order's `updatedAt` (set by the handler just before its write;
 * same clock), so it covers the write, the table stream, the pusher and the socket. Locally the
 * stream is polled every 200 ms, which dominates; on AWS the stream's own delivery (typically
 * well under a second) takes its place. Prints numbers, asserts nothing.
 */
import { findFreePort } from '../infra/local/free-port.js';
import { connectRealtime, type RealtimeClient } from '../test/support/realtime-client.js';
import { generousAbuseLimits } from '../test/support/test-abuse-limits.js';
import { percentile } from './support.js';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 100);
const address = { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'us' };


async function main() {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  Object.assign(process.env, generousAbuseLimits);
  const { startLocalStack } = await import('../infra/local/local-stack.js');
  const stack = await startLocalStack({ apiPort: await findFreePort(), conflictProxy: true, log: () => {} });
  const sockets: RealtimeClient[] = [];
  try {
    const api = async (method: string, path: string, body?: unknown, token?: string) => {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? (JSON.parse(text) as Record<string, any>) : {};
    };
    const admin = (await api('POST', '/auth/login', { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD })).accessToken as string;
    const products = await Promise.all(Array.from({ length: SOCKETS }, (_, i) => api('POST', '/products', { name: `Live bench ${i}`, price: 1000, stock: 100_000, category: 'bench' }, admin)));
    console.log(`Setting up ${SOCKETS} customers and sockets...`);
    const tokens: string[] = [];
    for (let i = 0; i < SOCKETS; i += 20) {
      tokens.push(...(await Promise.all(Array.from({ length: Math.min(20, SOCKETS - i) }, async (_, j) =>
        (await api('POST', '/auth/register', { email: `live-${i + j}-${Date.now()}@example.com`, password: 'correct horse', name: `Live ${i + j}` })).accessToken as string))));
    }
    sockets.push(...(await Promise.all(tokens.map((token) => connectRealtime(stack.websocketUrl, token)))));
    const adminSocket = await connectRealtime(stack.websocketUrl, admin);
    sockets.push(adminSocket);

    const latencies = { placed: [] as number[], paid: [] as number[], adminCreated: [] as number[] };
    const started = Date.now();
    const orders = await Promise.all(tokens.map((token, i) => api('POST', '/orders', { shippingAddress: address, items: [{ productId: products[i % products.length]!.id, quantity: 1 }] }, token)));
    await Promise.all(orders.map(async (order, i) => {
      const message = await sockets[i]!.next((data) => data.type === 'order.updated' && data.order?.id === order.id, 30_000);
      latencies.placed.push(message.at - Date.parse(message.data.order!.updatedAt));
      const created = await adminSocket.next((data) => data.type === 'order.created' && data.order?.id === order.id, 30_000);
      latencies.adminCreated.push(created.at - Date.parse(order.createdAt as string));
    }));
    await Promise.all(orders.map((order) => api('POST', `/orders/${order.id}/payments`, { amount: order.total, method: 'cash' }, admin)));
    await Promise.all(orders.map(async (order, i) => {
      const message = await sockets[i]!.next((data) => data.type === 'order.updated' && data.order?.id === order.id && data.order?.status === 'paid', 30_000);
      latencies.paid.push(message.at - Date.parse(message.data.order!.updatedAt));
    }));
    // One change at a time: what one customer sees when the shop is not bursting.
    const single = { fromChange: [] as number[], fromAnswer: [] as number[], write: [] as number[] };
    for (let i = 0; i < 20; i += 1) {
      const sentAt = Date.now();
      const order = await api('POST', '/orders', { shippingAddress: address, items: [{ productId: products[i]!.id, quantity: 1 }] }, tokens[i]);
      const answeredAt = Date.now();
      const message = await sockets[i]!.next((data) => data.type === 'order.updated' && data.order?.id === order.id, 30_000);
      single.write.push(answeredAt - sentAt);
      single.fromAnswer.push(message.at - answeredAt);
      single.fromChange.push(message.at - Date.parse(order.updatedAt as string));
    }
    const wrong = sockets.slice(0, SOCKETS).filter((socket) => socket.messages.some((m) => m.data.order && m.data.order.userId !== socket.messages[0]!.data.order!.userId)).length;

    console.log(`\nPush latency, state change → client (${SOCKETS} customer sockets + 1 admin socket, ${((Date.now() - started) / 1000).toFixed(1)} s):`);
    console.log('| message | n | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|');
    for (const [name, values] of Object.entries({ 'order placed → customer (order.updated)': latencies.placed, 'order placed → admin (order.created)': latencies.adminCreated, 'payment recorded → customer (paid)': latencies.paid })) {
      console.log(`| ${name} | ${values.length} | ${percentile(values, 50)} | ${percentile(values, 99)} | ${Math.max(...values)} |`);
    }
    console.log(`\nOne order at a time (20 orders, sequential):`);
    console.log('| measure | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|');
    for (const [name, values] of Object.entries({ 'POST /orders answered (the write)': single.write, 'state change → client': single.fromChange, '201 answer → client': single.fromAnswer })) {
      console.log(`| ${name} | ${percentile(values, 50)} | ${percentile(values, 99)} | ${Math.max(...values)} |`);
    }
    console.log(`Sockets that received another customer's order: ${wrong}`);
  } finally {
    for (const socket of sockets) socket.close();
    await stack.stop();
  }
}

await main();
