import { AppError } from '../errors.js';

/** 409 OUT_OF_STOCK naming the product and how many are available right now. */
export class OutOfStockError extends AppError {
  readonly status = 409;
  readonly code = 'OUT_OF_STOCK';
  constructor(input: { productId: string; name?: string | undefined; available: number; requested: number }) {
    super(
      input.name ? `Only ${input.available} left of '${input.name}'` : `Only ${input.available} left of product ${input.productId}`,
      { productId: input.productId, available: input.available, requested: input.requested },
    );
  }
}

/** 409 PRODUCT_UNAVAILABLE: a cart line's product was deleted since it was held (issue 12 item 8). */
export class ProductUnavailableError extends AppError {
  readonly status = 409;
  readonly code = 'PRODUCT_UNAVAILABLE';
  constructor(input: { productId: string; name: string }) {
    super(`'${input.name}' is no longer sold: remove it from your cart (GET /cart releases it) and order again`, { productId: input.productId, name: input.name });
  }
}
