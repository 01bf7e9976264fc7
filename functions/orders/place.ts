import { orderRoutes } from '../../infra/routes/orders.js';
import { BadRequestError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { headerValue } from '../../shared/http/parse.js';
import { created } from '../../shared/http/responses.js';
import { placeOrderFor } from '../../shared/orders/place-order.js';
import { toPublicOrder } from '../../shared/orders/order.js';

export const handler = httpHandler(orderRoutes.placeOrder, async ({ session, body, event }) => {
  const key = headerValue(event, 'idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new BadRequestError('Idempotency-Key must be 1 to 255 printable ASCII characters', { header: 'idempotency-key' });
  }
  const { order, replayed } = await placeOrderFor(session, body, key);
  // A replay answers as the first request did.
  return replayed ? { ...created(toPublicOrder(order)), headers: { 'idempotent-replayed': 'true' } } : created(toPublicOrder(order));
});
