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

/** Each connection once: an admin who is also the order's customer is in both lists. */
export function uniqueConnections(...lists: readonly (readonly ConnectionRecord[])[]): ConnectionRecord[] {
  const byId = new Map<string, ConnectionRecord>();
  for (const connection of lists.flat()) if (!byId.has(connection.connectionId)) byId.set(connection.connectionId, connection);
  return [...byId.values()];
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
  const lookup = (key: { userId: string } | 'admins') => {
    const id = key === 'admins' ? 'admins' : key.userId;
    let found = lookups.get(id);
    if (!found) {
      found = key === 'admins' ? adminConnections() : userConnections(key.userId);
      lookups.set(id, found);
      found.catch(() => lookups.delete(id));
    }
    return found;
  };
  const audience = async (to: Audience): Promise<ConnectionRecord[]> => {
    if (to === 'admins') return lookup('admins');
    if (!to.andAdmins) return lookup(to);
    return uniqueConnections(...(await Promise.all([lookup(to), lookup('admins')])));
  };

  const carryOutOne = async (action: RealtimeAction) => {
    try {
      if (action.kind === 'push') {
        await pushMessage(await audience(action.to), action.message, outcome);
      } else if (action.kind === 'pushOrder') {
        const order = await findOrder(action.orderId);
        if (!order) return;
        const message = { type: 'order.updated', order: toPublicOrder(order), shipment: action.shipment } as const;
        await pushMessage(await audience({ userId: order.userId, andAdmins: true }), message, outcome);
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
