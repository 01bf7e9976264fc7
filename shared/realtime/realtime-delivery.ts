import { findOrder } from '../orders/order-repository.js';
import { toPublicOrder } from '../orders/order.js';
import { logger } from '../logger.js';
import type { ConnectionRecord } from './connection-keys.js';
import { adminConnections, userConnections } from './connection-repository.js';
import { closeConnections, emptyOutcome, pushMessage, type PushOutcome } from './push.js';
import type { Audience, RealtimeAction } from './realtime-changes.js';

/** Actions about one order (or product, or user) stay in order; different ones run side by side. */
const PARALLEL_GROUPS = 16;

export function sequenceKey(action: RealtimeAction): string {
  if (action.kind === 'close') return `user:${action.userId}`;
  if (action.kind === 'pushOrder') return `order:${action.orderId}`;
  const { message } = action;
  return message.type === 'stock.low' ? `product:${message.product.id}` : `order:${message.order.id}`;
}

/**
 * Carries out a batch's actions: those of one order (product, user) in the order the changes
 * happened, so a socket sees pending before paid; different orders concurrently. Connection
 * lookups are read once per batch (a close drops that user's). An action that fails is logged
 * and skipped: real-time is best effort and must never hold the stream back.
 */
export async function carryOut(actions: readonly RealtimeAction[]): Promise<PushOutcome & { closed: number; skipped: number }> {
  const outcome = { ...emptyOutcome(), closed: 0, skipped: 0 };
  const lookups = new Map<string, Promise<ConnectionRecord[]>>();
  const audience = (to: Audience) => {
    const key = to === 'admins' ? 'admins' : to.userId;
    let lookup = lookups.get(key);
    if (!lookup) {
      lookup = to === 'admins' ? adminConnections() : userConnections(to.userId);
      lookups.set(key, lookup);
      lookup.catch(() => lookups.delete(key));
    }
    return lookup;
  };

  const carryOutOne = async (action: RealtimeAction) => {
    try {
      if (action.kind === 'push') {
        await pushMessage(await audience(action.to), action.message, outcome);
      } else if (action.kind === 'pushOrder') {
        const order = await findOrder(action.orderId);
        if (!order) return;
        const message = { type: 'order.updated', order: toPublicOrder(order), shipment: action.shipment } as const;
        await Promise.all([pushMessage(await audience({ userId: order.userId }), message, outcome), pushMessage(await audience('admins'), message, outcome)]);
      } else {
        lookups.delete(action.userId);
        const connections = await userConnections(action.userId);
        outcome.closed += await closeConnections(connections);
        if (connections.length > 0) logger.info('closed WebSocket connections', { userId: action.userId, count: connections.length, reason: action.reason });
      }
    } catch (error) {
      outcome.skipped += 1;
      logger.warn('real-time action skipped', { kind: action.kind, error });
    }
  };

  const groups = new Map<string, RealtimeAction[]>();
  for (const action of actions) {
    const key = sequenceKey(action);
    groups.set(key, [...(groups.get(key) ?? []), action]);
  }
  const queue = [...groups.values()];
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL_GROUPS, queue.length) }, async () => {
      for (let group = queue.shift(); group; group = queue.shift()) for (const action of group) await carryOutOne(action);
    }),
  );
  return outcome;
}
