/**
 * Low-stock alerts to ADMIN_EMAIL: one summary email per run listing every product that fell to
 * or below its `lowStockThreshold` since it was last alerted (each crossing alerted once):
 *   - the catalogue is read once per run (`readCatalogue`: the created index items, then the
 *     products' stock in BatchGets of 100; products carry no index keys, so that orders never
 *     write an index partition), and `lowStockAction` picks what needs something.
 *   - claim: conditional UpdateItem `SET lowStockAlertedAt` per product (condition: still
 *     at/below the threshold, not alerted, not deleted). Two runs at once claim each product
 *     once between them, so no crossing is in two summaries.
 *   - the products this run claimed go out as one `product.low_stock_summary` event (chunks of
 *     LOW_STOCK_SUMMARY_MAX products; id `low-stock:<alertedAt>:<first productId>`).
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
import { productKey } from '../products/product-keys.js';
import { readCatalogue } from '../products/product-repository.js';
import { JOB_CONCURRENCY, mapLimit } from './batch.js';

/** A safety bound on one run (the whole catalogue is meant to fit): 100,000 products. */
export const MAX_PRODUCTS_PER_RUN = 100_000;

/** Products per summary event (and email): well inside SQS's 256 KiB per message. */
export const LOW_STOCK_SUMMARY_MAX = 200;

export const lowStockSummaryEventId = (alertedAt: string, firstProductId: string) => `low-stock:${alertedAt}:${firstProductId}`;

export interface LowStockProduct {
  readonly productId: string;
  readonly name: string;
  readonly stock: number;
  readonly threshold: number;
}

export interface LowStockResult {
  /** Products that need an alert or a re-arm. */
  examined: number;
  /** DynamoDB calls reading the catalogue (a Query per 1,000 products, a BatchGet per 100). */
  queries: number;
  /** Products claimed and announced by this run. */
  alerted: number;
  /** Summary events published (one per run, more only beyond LOW_STOCK_SUMMARY_MAX products). */
  summaries: number;
  rearmed: number;
  /** Lost the condition: a concurrent run did it, or stock moved meanwhile. */
  skipped: number;
  /** Claimed but the summary could not be published: alerts lost (logged). */
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

/** What a product needs: an alert (at or below its threshold, not alerted, not deleted), a re-arm (back above, alerted), or nothing. */
export function lowStockAction(product: Record<string, unknown>): 'alert' | 'rearm' | undefined {
  const low = (product.stock as number) <= (product.lowStockThreshold as number);
  if (low && product.lowStockAlertedAt === undefined && product.deletedAt === undefined) return 'alert';
  if (!low && product.lowStockAlertedAt !== undefined) return 'rearm';
  return undefined;
}

export async function lowStockAlerts(options: { now?: number } = {}): Promise<LowStockResult> {
  const alertedAt = new Date(options.now ?? Date.now()).toISOString();
  const found = await readCatalogue({ maxProducts: MAX_PRODUCTS_PER_RUN, attributes: ['id', 'stock', 'lowStockThreshold', 'lowStockAlertedAt', 'deletedAt'] });
  if (found.more) logger.warn('low-stock run stopped at its bound; later products were not checked', { bound: MAX_PRODUCTS_PER_RUN });
  const due = found.products.filter((item) => lowStockAction(item) !== undefined);
  const result: LowStockResult = { examined: due.length, queries: found.reads, alerted: 0, summaries: 0, rearmed: 0, skipped: 0, lost: 0, failed: 0 };
  const claimed: LowStockProduct[] = [];

  await mapLimit(due, JOB_CONCURRENCY, async (item) => {
    const productId = item.id as string;
    const low = lowStockAction(item) === 'alert';
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
        ReturnValues: 'ALL_NEW',
      });
      if (!product) {
        result.skipped += 1;
        return;
      }
      // The product as the claim saw it: the alert reports the stock at that moment.
      claimed.push({ productId, name: product.name as string, stock: product.stock as number, threshold: product.lowStockThreshold as number });
    } catch (error) {
      result.failed += 1;
      logger.error('low-stock check failed', { productId, error: error as Error });
    }
  });

  claimed.sort((a, b) => a.stock - b.stock || a.name.localeCompare(b.name));
  for (let start = 0; start < claimed.length; start += LOW_STOCK_SUMMARY_MAX) {
    const products = claimed.slice(start, start + LOW_STOCK_SUMMARY_MAX);
    try {
      await publishEvent('product.low_stock_summary', { alertedAt, products }, { id: lowStockSummaryEventId(alertedAt, products[0]!.productId) });
      result.alerted += products.length;
      result.summaries += 1;
    } catch (error) {
      result.lost += products.length;
      logger.error('low stock claimed but its summary was not published: alerts lost', { productIds: products.map((p) => p.productId), error: error as Error });
    }
  }
  return result;
}
