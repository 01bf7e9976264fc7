/**
 * What the WebSocket side does about one change of the table (a stream record): which
 * messages go to whom, and which connections must close. Pure: the stream consumer
 * (functions/realtime/push-changes.ts) reads the connections and carries it out.
 *
 * - An order item: `order.updated` to its customer and admins (one audience, so a customer
 *   who is an admin gets it once per socket) whenever what the API shows of it changed
 *   (placed, status, payment status, amounts); on placement admins also get `order.created`.
 * - A shipment item created or moved: `order.updated` with the order (read fresh) and the
 *   shipment, to the customer and admins (the same one audience).
 * - A product whose stock falls below its low-stock threshold: `stock.low` to admins.
 * - A user whose session version, role or disabled flag changed, or who was deleted, or one of
 *   whose session families was revoked (logout, refresh-token reuse): all of their sockets close.
 */
import { toPublicOrder, toOrderRecord, type PublicOrder } from '../orders/order.js';
import { toProductRecord, toPublicProduct, type PublicProduct } from '../products/product.js';
import { SHIPMENT_PREFIX, toPublicShipment, toShipmentRecord } from '../shipments/shipment.js';

export type RealtimeMessage =
  | { readonly type: 'order.created'; readonly order: PublicOrder }
  | { readonly type: 'order.updated'; readonly order: PublicOrder; readonly shipment?: ReturnType<typeof toPublicShipment> }
  | { readonly type: 'stock.low'; readonly product: PublicProduct };

/**
 * Whose sockets: one user's, the admins', or the union of both (`andAdmins`: the order's
 * customer and admins, each connection once even when the customer is an admin herself).
 */
export type Audience = { readonly userId: string; readonly andAdmins?: true } | 'admins';

export type RealtimeAction =
  | { readonly kind: 'push'; readonly to: Audience; readonly message: RealtimeMessage }
  /** The order must be read first (a shipment changed; the order item did not); to its customer and admins, like `andAdmins`. */
  | { readonly kind: 'pushOrder'; readonly orderId: string; readonly userId: string; readonly shipment: ReturnType<typeof toPublicShipment> }
  | { readonly kind: 'close'; readonly userId: string; readonly reason: string };

type Item = Record<string, unknown>;

export interface TableChange {
  readonly keys: { readonly pk?: unknown; readonly sk?: unknown };
  readonly before?: Item | undefined;
  readonly after?: Item | undefined;
}

/** Sort keys the consumer needs; the CDK event filter lets only these through. */
export const REALTIME_SORT_KEYS = { equals: ['ORDER', 'PRODUCT', 'PROFILE', 'SESSION'], prefixes: [SHIPMENT_PREFIX] } as const;

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function orderActions(before: Item | undefined, after: Item | undefined): RealtimeAction[] {
  if (after?.type !== 'order') return [];
  const order = toPublicOrder(toOrderRecord(after));
  if (before && sameJson(toPublicOrder(toOrderRecord(before)), order)) return [];
  const updated: RealtimeMessage = { type: 'order.updated', order };
  return [
    ...(before ? [] : [{ kind: 'push', to: 'admins', message: { type: 'order.created', order } } as const]),
    { kind: 'push', to: { userId: order.userId, andAdmins: true }, message: updated },
  ];
}

function shipmentActions(before: Item | undefined, after: Item | undefined): RealtimeAction[] {
  if (!after || typeof after.orderId !== 'string') return [];
  const shipment = toPublicShipment(toShipmentRecord(after));
  if (before && sameJson(toPublicShipment(toShipmentRecord(before)), shipment)) return [];
  return [{ kind: 'pushOrder', orderId: after.orderId, userId: after.userId as string, shipment }];
}

function productActions(before: Item | undefined, after: Item | undefined): RealtimeAction[] {
  if (!before || !after || after.deletedAt) return [];
  const [was, now] = [toProductRecord(before), toProductRecord(after)];
  if (!(was.stock >= now.lowStockThreshold && now.stock < now.lowStockThreshold)) return [];
  return [{ kind: 'push', to: 'admins', message: { type: 'stock.low', product: toPublicProduct(now) } }];
}

function userActions(before: Item | undefined, after: Item | undefined): RealtimeAction[] {
  const userId = (after?.id ?? before?.id) as string | undefined;
  if (!before || !userId) return [];
  if (!after) return [{ kind: 'close', userId, reason: 'user deleted' }];
  const changed = (name: string) => !sameJson(before[name] ?? null, after[name] ?? null);
  const reasons = [
    changed('sessionVersion') && 'sessions ended (password change or reset)',
    changed('role') && 'role changed',
    after.disabled === true && before.disabled !== true && 'user disabled',
    after.deletedAt !== undefined && before.deletedAt === undefined && 'user deleted',
  ].filter((reason): reason is string => typeof reason === 'string');
  return reasons.length > 0 ? [{ kind: 'close', userId, reason: reasons.join(', ') }] : [];
}

/**
 * API.md: a logout closes that user's sockets, all of them (a revoked family is also how a
 * stolen refresh token is answered). A socket of another, still valid session may reconnect.
 */
function sessionActions(before: Item | undefined, after: Item | undefined): RealtimeAction[] {
  if (after?.revoked !== true || before?.revoked === true || typeof after.userId !== 'string') return [];
  return [{ kind: 'close', userId: after.userId, reason: 'session revoked (logout or refresh-token reuse)' }];
}

export function realtimeActions(change: TableChange): RealtimeAction[] {
  const { pk, sk } = change.keys;
  if (typeof pk !== 'string' || typeof sk !== 'string') return [];
  const { before, after } = change;
  if (pk.startsWith('ORDER#') && sk === 'ORDER') return orderActions(before, after);
  if (pk.startsWith('ORDER#') && sk.startsWith(SHIPMENT_PREFIX)) return shipmentActions(before, after);
  if (pk.startsWith('PRODUCT#') && sk === 'PRODUCT') return productActions(before, after);
  if (pk.startsWith('USER#') && sk === 'PROFILE') return userActions(before, after);
  if (pk.startsWith('SESSION#') && sk === 'SESSION') return sessionActions(before, after);
  return [];
}
