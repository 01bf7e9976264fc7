/**
 * Low-stock alerts to ADMIN_EMAIL, once per product each time it falls to or below its
 * `lowStockThreshold`:
 *   - the catalogue is read with a Query on gsi1 `PRODUCTS` / `begins_with(gsi1sk, 'C#')`
 *     (the product items themselves; the `P#`/`N#` index items are left out by the key), paged.
 *     A filter returns only products that need something; it does not make the read cheaper:
 *     every product is read once per run.
 *   - alert: conditional UpdateItem `SET lowStockAlertedAt` (condition: still at/below the
 *     threshold, not alerted, not deleted); only the winner publishes `product.low_stock`
 *     with the deterministic id `low-stock:<productId>:<alertedAt>`.
 *   - re-arm: a product back above its threshold loses `lowStockAlertedAt` (conditional
 *     REMOVE), so the next fall alerts again.
 * Stock moves never touch `lowStockAlertedAt` (they ADD `stock` only; admin edits SET named
 * attributes), so the marker survives everything but the re-arm.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { isConditionFailure } from '../dynamo-errors.js';
import { publishEvent } from '../events/publish.js';
import { logger } from '../logger.js';
import { ALL_PRODUCTS, productKey } from '../products/product-keys.js';
import { JOB_CONCURRENCY, mapLimit, queryBounded } from './batch.js';

/** A safety bound on one run (the whole catalogue is meant to fit): 100,000 products. */
export const MAX_PRODUCTS_PER_RUN = 100_000;

export const lowStockEventId = (productId: string, alertedAt: string) => `low-stock:${productId}:${alertedAt}`;

export interface LowStockResult {
  /** Products returned by the filter (need an alert or a re-arm). */
  examined: number;
  /** Query calls (each reads up to 1,000 products before the filter). */
  queries: number;
  alerted: number;
  rearmed: number;
  /** Lost the condition: a concurrent run did it, or stock moved meanwhile. */
  skipped: number;
  /** Claimed but the event could not be published: alert lost (logged). */
  lost: number;
  failed: number;
}

async function conditionalUpdate(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<Record<string, unknown> | undefined> {
  try {
    const { Attributes } = await db.send(new UpdateCommand(input));
    return Attributes ?? {};
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

export async function lowStockAlerts(options: { now?: number } = {}): Promise<LowStockResult> {
  const alertedAt = new Date(options.now ?? Date.now()).toISOString();
  const found = await queryBounded(
    {
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :products AND begins_with(gsi1sk, :created)',
      FilterExpression:
        '(stock <= lowStockThreshold AND attribute_not_exists(lowStockAlertedAt) AND attribute_not_exists(deletedAt))' +
        ' OR (stock > lowStockThreshold AND attribute_exists(lowStockAlertedAt))',
      ProjectionExpression: 'id, stock, lowStockThreshold, lowStockAlertedAt',
      ExpressionAttributeValues: { ':products': ALL_PRODUCTS, ':created': 'C#' },
    },
    MAX_PRODUCTS_PER_RUN,
    1000,
  );
  if (found.more) logger.warn('low-stock run stopped at its bound; later products were not checked', { bound: MAX_PRODUCTS_PER_RUN });
  const result: LowStockResult = { examined: found.items.length, queries: found.reads, alerted: 0, rearmed: 0, skipped: 0, lost: 0, failed: 0 };

  await mapLimit(found.items, JOB_CONCURRENCY, async (item) => {
    const productId = item.id as string;
    const low = (item.stock as number) <= (item.lowStockThreshold as number);
    try {
      if (!low) {
        const rearmed = await conditionalUpdate({
          TableName: tableName,
          Key: productKey(productId),
          UpdateExpression: 'REMOVE lowStockAlertedAt',
          ConditionExpression: 'stock > lowStockThreshold AND attribute_exists(lowStockAlertedAt)',
        });
        if (rearmed) result.rearmed += 1;
        else result.skipped += 1;
        return;
      }
      const product = await conditionalUpdate({
        TableName: tableName,
        Key: productKey(productId),
        UpdateExpression: 'SET lowStockAlertedAt = :alertedAt',
        ConditionExpression: 'stock <= lowStockThreshold AND attribute_not_exists(lowStockAlertedAt) AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':alertedAt': alertedAt },
        // The product as the claim saw it: the alert reports the stock at that moment.
        ReturnValues: 'ALL_NEW',
      });
      if (!product) {
        result.skipped += 1;
        return;
      }
      try {
        await publishEvent(
          'product.low_stock',
          { productId, name: product.name as string, stock: product.stock as number, threshold: product.lowStockThreshold as number, alertedAt },
          { id: lowStockEventId(productId, alertedAt) },
        );
        result.alerted += 1;
      } catch (error) {
        result.lost += 1;
        logger.error('low stock claimed but its event was not published: alert lost', { productId, error: error as Error });
      }
    } catch (error) {
      result.failed += 1;
      logger.error('low-stock check failed', { productId, error: error as Error });
    }
  });
  return result;
}
