/**
 * Cart holds with the DynamoDB client mocked: the transactions each change writes, how their
 * failures map to errors, and (with a mock that behaves like DynamoDB on concurrent
 * transactions touching one item) that clearing a cart never races itself on the cart header.
 */
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearCart, removeCartLine, setCartLine, viewCart } from '../../shared/carts/cart-repository.js';

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => ddb.reset());
afterEach(() => vi.restoreAllMocks());

const cancelled = (reasons: CancellationReason[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
const holdItem = (productId: string, quantity: number, expiresAt = Date.now() + 60_000) => ({
  pk: 'CART#u1', sk: `ITEM#${productId}`, userId: 'u1', productId, quantity, expiresAt,
});
const transactions = () => ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { status?: number; code?: string; details?: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}

describe('setCartLine', () => {
  it('a new line: takes the quantity conditionally, writes the hold only if absent, counts the line under the cap', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    const before = Date.now();
    await setCartLine('u1', 'p1', 3);
    const [items] = transactions();
    expect(items).toHaveLength(3);
    expect(items![0]!.Update).toMatchObject({
      Key: { pk: 'PRODUCT#p1', sk: 'PRODUCT' },
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND stock >= :quantity',
      ExpressionAttributeValues: { ':minus': -3, ':quantity': 3 },
    });
    const put = items![1]!.Put!;
    expect(put.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put.Item).toMatchObject({ pk: 'CART#u1', sk: 'ITEM#p1', quantity: 3, gsi2pk: expect.stringMatching(/^HOLDEXP#[0-3]$/) });
    expect(put.Item!.expiresAt).toBeGreaterThanOrEqual(before + 15 * 60_000);
    expect(put.Item!.ttl).toBeGreaterThan(put.Item!.expiresAt / 1000);
    expect(items![2]!.Update).toMatchObject({
      Key: { pk: 'CART#u1', sk: 'HEADER' },
      ConditionExpression: 'attribute_not_exists(#lines) OR #lines < :limit',
      ExpressionAttributeValues: { ':one': 1, ':limit': 50 },
    });
  });

  it('lowering a line returns only the difference, conditioned on the hold as read; no new line is counted', async () => {
    const hold = holdItem('p1', 5);
    ddb.on(GetCommand).resolves({ Item: hold });
    ddb.on(TransactWriteCommand).resolves({});
    await setCartLine('u1', 'p1', 2);
    const [items] = transactions();
    expect(items).toHaveLength(2);
    expect(items![0]!.Update).toMatchObject({ UpdateExpression: 'ADD stock :quantity', ExpressionAttributeValues: { ':quantity': 3 } });
    expect(items![1]!.Put).toMatchObject({
      ConditionExpression: 'quantity = :oldQuantity AND expiresAt = :oldExpiresAt',
      ExpressionAttributeValues: { ':oldQuantity': 5, ':oldExpiresAt': hold.expiresAt },
    });
  });

  it('the same quantity only renews the hold (even an expired one that still owns its stock)', async () => {
    ddb.on(GetCommand).resolves({ Item: holdItem('p1', 2, Date.now() - 1000) });
    ddb.on(TransactWriteCommand).resolves({});
    await setCartLine('u1', 'p1', 2);
    const [items] = transactions();
    expect(items).toHaveLength(1);
    expect(items![0]!.Put!.Item!.expiresAt).toBeGreaterThan(Date.now());
  });

  it('409 OUT_OF_STOCK with the available quantity; 404 for a deleted or missing product; 409 CONFLICT at 50 lines', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(
      cancelled([{ Code: 'ConditionalCheckFailed', Item: { name: { S: 'Blue mug' }, stock: { N: '2' } } }, { Code: 'None' }, { Code: 'None' }]),
    );
    expect(await rejection(setCartLine('u1', 'p1', 3))).toMatchObject({ status: 409, code: 'OUT_OF_STOCK', details: { productId: 'p1', available: 2, requested: 3 } });

    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'ConditionalCheckFailed', Item: { stock: { N: '9' }, deletedAt: { S: 'x' } } }, { Code: 'None' }, { Code: 'None' }]));
    expect(await rejection(setCartLine('u1', 'p1', 3))).toMatchObject({ status: 404 });
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }]));
    expect(await rejection(setCartLine('u1', 'p1', 3))).toMatchObject({ status: 404 });

    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }]));
    expect(await rejection(setCartLine('u1', 'p1', 3))).toMatchObject({ status: 409, code: 'CONFLICT' });
  });

  it('a hold changed under it (condition on the hold): re-reads and decides again; gives up with 409 after 4 tries', async () => {
    ddb.on(GetCommand).resolvesOnce({}).resolves({ Item: holdItem('p1', 1) });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }])).resolves({});
    await setCartLine('u1', 'p1', 3);
    const [, second] = transactions();
    expect(second!.map((item) => Object.keys(item)[0])).toEqual(['Update', 'Put']);
    expect(second![0]!.Update!.ExpressionAttributeValues).toMatchObject({ ':minus': -2 });

    ddb.reset();
    ddb.on(GetCommand).resolves({ Item: holdItem('p1', 1) });
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }]));
    expect(await rejection(setCartLine('u1', 'p1', 3))).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(transactions()).toHaveLength(4);
  });
});

describe('removeCartLine', () => {
  it('deletes the hold as read, returns its stock and uncounts the line', async () => {
    const hold = holdItem('p1', 4);
    ddb.on(GetCommand).resolves({ Item: hold });
    ddb.on(TransactWriteCommand).resolves({});
    expect(await removeCartLine('u1', 'p1')).toBe(true);
    const [items] = transactions();
    expect(items!.map((item) => Object.keys(item)[0])).toEqual(['Delete', 'Update', 'Update']);
    expect(items![0]!.Delete).toMatchObject({ ExpressionAttributeValues: { ':oldQuantity': 4, ':oldExpiresAt': hold.expiresAt } });
    expect(items![1]!.Update).toMatchObject({ Key: { pk: 'PRODUCT#p1', sk: 'PRODUCT' }, ExpressionAttributeValues: { ':quantity': 4 } });
    expect(items![2]!.Update).toMatchObject({ Key: { pk: 'CART#u1', sk: 'HEADER' }, ExpressionAttributeValues: { ':minusOne': -1 } });
  });

  it('nothing to release: false, no write; with expiredBefore, a live hold is left alone', async () => {
    ddb.on(GetCommand).resolves({});
    expect(await removeCartLine('u1', 'p1')).toBe(false);
    ddb.on(GetCommand).resolves({ Item: holdItem('p1', 1, 2_000) });
    expect(await removeCartLine('u1', 'p1', { expiredBefore: 1_999 })).toBe(false);
    expect(transactions()).toHaveLength(0);
    // expiresAt itself counts as expired, as in viewCart and checkout (live means expiresAt > now).
    ddb.on(TransactWriteCommand).resolves({});
    expect(await removeCartLine('u1', 'p1', { expiredBefore: 2_000 })).toBe(true);
  });

  it('a hold renewed between the read and the release: re-read, found live, left alone', async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: holdItem('p1', 1, 2_000) }).resolves({ Item: holdItem('p1', 1, 9_000) });
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }]));
    expect(await removeCartLine('u1', 'p1', { expiredBefore: 5_000 })).toBe(false);
    expect(transactions()).toHaveLength(1);
  });
});

describe('clearCart', () => {
  it('releases 50 lines without ever running two transactions on the cart header at once (DynamoDB would conflict)', async () => {
    const holds = Array.from({ length: 50 }, (_, i) => holdItem(`p${i}`, 1));
    ddb.on(QueryCommand).resolves({ Items: holds });
    ddb.on(GetCommand).callsFake((input: { Key: { sk: string } }) => ({ Item: holds.find((h) => h.sk === input.Key.sk) }));
    // Like DynamoDB: a transaction touching an item another transaction is writing is cancelled.
    const inFlight = new Set<string>();
    let conflicts = 0;
    ddb.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommandInput) => {
      const keys = input.TransactItems!.map((item) => {
        const key = (item.Update ?? item.Delete ?? item.Put)!;
        const { pk, sk } = ('Key' in key ? key.Key : key.Item) as { pk: string; sk: string };
        return `${pk}|${sk}`;
      });
      if (keys.some((key) => inFlight.has(key))) {
        conflicts += 1;
        throw cancelled(keys.map((key) => ({ Code: inFlight.has(key) ? 'TransactionConflict' : 'None' })));
      }
      keys.forEach((key) => inFlight.add(key));
      await new Promise((resolve) => setTimeout(resolve, 2));
      keys.forEach((key) => inFlight.delete(key));
      return {};
    });
    vi.spyOn(Math, 'random').mockReturnValue(0); // retry at once: parallel releases would all collide
    await clearCart('u1');
    expect(conflicts).toBe(0);
    // Issue 13: one transaction per 49 lines (2 items a line + the header, DynamoDB's limit is 100).
    expect(transactions()).toHaveLength(2);
    expect(transactions().every((items) => items.length <= 100)).toBe(true);
    const all = transactions().flat();
    expect(all.flatMap((item) => (item.Delete ? [item.Delete.Key!.sk] : [])).sort()).toEqual(holds.map((h) => h.sk).sort());
    expect(all.filter((item) => item.Update?.Key?.sk !== 'HEADER' && item.Update?.UpdateExpression === 'ADD stock :quantity')).toHaveLength(50);
    expect(all.filter((item) => item.Update?.Key?.sk === 'HEADER').reduce((n, item) => n + (item.Update!.ExpressionAttributeValues![':minus'] as number), 0)).toBe(-50);
  });
});

describe('viewCart', () => {
  it('lists live holds at current prices and leaves out expired ones that still exist', async () => {
    const now = 1_000_000;
    ddb.on(QueryCommand).resolves({ Items: [holdItem('p1', 2, now + 1), holdItem('p2', 1, now), holdItem('p3', 3, now + 5)] });
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        'unit-table': [
          { pk: 'PRODUCT#p1', sk: 'PRODUCT', id: 'p1', name: 'Red mug', price: 1500, currency: 'eur' },
          { pk: 'PRODUCT#p3', sk: 'PRODUCT', id: 'p3', name: 'Green mug', price: 700, currency: 'eur' },
        ],
      },
    });
    const cart = await viewCart('u1', now);
    expect(cart).toEqual({
      items: [
        { productId: 'p1', name: 'Red mug', quantity: 2, unitPrice: 1500, lineTotal: 3000, expiresAt: new Date(now + 1).toISOString() },
        { productId: 'p3', name: 'Green mug', quantity: 3, unitPrice: 700, lineTotal: 2100, expiresAt: new Date(now + 5).toISOString() },
      ],
      total: 5100,
      currency: 'eur',
      removedItems: [],
    });
    const keys = ddb.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!['unit-table']!.Keys;
    expect(keys).toEqual([{ pk: 'PRODUCT#p1', sk: 'PRODUCT' }, { pk: 'PRODUCT#p3', sk: 'PRODUCT' }]);
  });
});
