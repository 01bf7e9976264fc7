/**
 * Issue 13: PUT and DELETE /cart/items/{id} read the cart once (one Query) before the
 * transaction and answer from it; DELETE /cart releases every line in one transaction. A hold
 * changed meanwhile (condition failed) makes each of them read the cart again.
 */
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clearCart, removeCartLineOfCart, setCartLineOfCart } from '../../shared/carts/cart-repository.js';

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => ddb.reset());

const cancelled = (reasons: CancellationReason[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
const holdItem = (productId: string, quantity: number, expiresAt = Date.now() + 60_000) => ({
  pk: 'CART#u1', sk: `ITEM#${productId}`, userId: 'u1', productId, quantity, expiresAt,
});
const transactions = () => ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);

describe('setCartLineOfCart', () => {
  it('reads the cart with one Query (no GetItem), takes only the difference, returns the holds after the write in key order', async () => {
    ddb.on(QueryCommand).resolves({ Items: [holdItem('p1', 1), holdItem('p3', 2)] });
    ddb.on(TransactWriteCommand).resolves({});
    const holds = await setCartLineOfCart('u1', 'p2', 3);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(1);
    expect(holds.map((h) => [h.productId, h.quantity])).toEqual([['p1', 1], ['p2', 3], ['p3', 2]]);
    const changed = await setCartLineOfCart('u1', 'p1', 4);
    expect(transactions()[1]![0]!.Update!.ExpressionAttributeValues).toMatchObject({ ':minus': -3 });
    expect(changed.find((h) => h.productId === 'p1')!.quantity).toBe(4);
  });

  it('a hold changed meanwhile: reads the cart again and writes against what it reads then', async () => {
    ddb.on(QueryCommand).resolvesOnce({ Items: [holdItem('p1', 1)] }).resolves({ Items: [holdItem('p1', 2)] });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }])).resolves({});
    await setCartLineOfCart('u1', 'p1', 3);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
    expect(transactions()[1]![0]!.Update!.ExpressionAttributeValues).toMatchObject({ ':minus': -1 });
  });
});

describe('removeCartLineOfCart', () => {
  it('releases the line as read and returns the other holds; a line not in the cart writes nothing', async () => {
    ddb.on(QueryCommand).resolves({ Items: [holdItem('p1', 2), holdItem('p2', 1)] });
    ddb.on(TransactWriteCommand).resolves({});
    const left = await removeCartLineOfCart('u1', 'p1');
    expect(left.map((h) => h.productId)).toEqual(['p2']);
    const [items] = transactions();
    expect(items![0]!.Delete!.Key).toEqual({ pk: 'CART#u1', sk: 'ITEM#p1' });
    expect(items![1]!.Update!.ExpressionAttributeValues).toEqual({ ':quantity': 2 });
    expect(items![2]!.Update!.ExpressionAttributeValues).toEqual({ ':minus': -1 });
    expect((await removeCartLineOfCart('u1', 'p9')).map((h) => h.productId)).toEqual(['p1', 'p2']);
    expect(transactions()).toHaveLength(1);
  });
});

describe('clearCart', () => {
  it('one transaction for 3 lines; a hold changed meanwhile: the cart is read again', async () => {
    ddb.on(QueryCommand).resolvesOnce({ Items: [holdItem('p1', 1), holdItem('p2', 1), holdItem('p3', 1)] }).resolves({ Items: [holdItem('p1', 1), holdItem('p2', 2)] });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled([{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }])).resolves({});
    await clearCart('u1');
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
    const [first, second] = transactions();
    expect(first).toHaveLength(7);
    expect(second).toHaveLength(5);
    expect(second![3]!.Update!.ExpressionAttributeValues).toEqual({ ':quantity': 2 });
    expect(second![4]!.Update!.ExpressionAttributeValues).toEqual({ ':minus': -2 });
  });
});
