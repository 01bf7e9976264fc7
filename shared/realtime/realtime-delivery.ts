import { findOrder } from '../orders/order-repository.js';
import { toPublicOrder } from '../orders/order.js';
import { logger } from '../logger.js';
import type { ConnectionRecord } from './connection-keys.js';
import { adminConnections, userConnections } from './connection-repository.js';
import { closeConnections, emptyOutcome, pushMessage, type PushOutcome } from './push.js';
import type { Audience, RealtimeAction } from './realtime-changes.js';

/**
 * Carries out a batch's actions in order (each socket sees an order's changes in the order
 * they happened). The admins' connections are read once per batch. An action that fails is
 * logged and skipped: real-time is best effort and must never hold the stream back.
 */
export async function carryOut(actions: readonly RealtimeAction[]): Promise<PushOutcome & { closed: number; skipped: number }> {
  const outcome = { ...emptyOutcome(), closed: 0, skipped: 0 };
  let admins: Promise<ConnectionRecord[]> | undefined;
  const audience = (to: Audience) => (to === 'admins' ? (admins ??= adminConnections()) : userConnections(to.userId));
  for (const action of actions) {
    try {
      if (action.kind === 'push') {
        await pushMessage(await audience(action.to), action.message, outcome);
      } else if (action.kind === 'pushOrder') {
        const order = await findOrder(action.orderId);
        if (!order) continue;
        const message = { type: 'order.updated', order: toPublicOrder(order), shipment: action.shipment } as const;
        await pushMessage(await audience({ userId: order.userId }), message, outcome);
        await pushMessage(await audience('admins'), message, outcome);
      } else {
        const connections = (await userConnections(action.userId)).filter((c) => action.familyId === undefined || c.familyId === action.familyId);
        outcome.closed += await closeConnections(connections);
        if (connections.length > 0) logger.info('closed WebSocket connections', { userId: action.userId, count: connections.length, reason: action.reason });
      }
    } catch (error) {
      outcome.skipped += 1;
      logger.warn('real-time action skipped', { kind: action.kind, error });
    }
  }
  return outcome;
}
