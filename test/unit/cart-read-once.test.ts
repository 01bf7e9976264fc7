/**
 * Issue 13: PUT and DELETE /cart/items/{id} read the cart once (one Query) and its products once
 * (one BatchGetItem that also carries the session's lookup) before the transaction, and answer
 * from what they read: three calls. DELETE /cart releases every line in one transaction. A hold
 * changed meanwhile (condition failed) makes each of them read the cart again, but not the
 * products already read. A session that has ended writes nothing.
 */
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, type BatchGetCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PendingSession } from '../../shared/auth/pending-session.js';
import { clearCart, removeCartLineAndView, setCartLineAndView, viewCart } from '../../shared/carts/cart-repository.js';

const ddb = mockClient(DynamoDBDocumentClient);

const cancelled = (reasons: CancellationReason[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
const holdItem = (productId: string, quantity: number, expiresAt = Date.now() + 60_000) => ({
  pk: 'CART#u1', sk: `ITEM#${productId}`, userId: 'u1', productId, quantity, expiresAt,
});
const product = (id: string, price: number) => ({ pk: `PRODUCT#${id}`, sk: 'PRODUCT', id, name: `Product ${id}`, price, currency: 'eur', stock: 10 });
const transactions = () => ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);
const batchKeys = () => ddb.commandCalls(BatchGetCommand).map((call) => (call.args[0].input.RequestItems!['unit-table']!.Keys as { pk: string }[]).map((key) => key.pk));

const claims = { userId: 'u1', jti: 'j1', familyId: 'f1', sessionVersion: 2, role: 'customer' as const, expiresAt: 0 };
let userItem: Record<string, unknown>;

beforeEach(() => {
  ddb.reset();
  userItem = { pk: 'USER#u1', sk: 'PROFILE', role: 'customer', sessionVersion: 2 };
  ddb.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const keys = input.RequestItems!['unit-table']!.Keys as { pk: string; sk: string }[];
    const all = [product('p1', 100), product('p2', 200), product('p3', 300), userItem, { pk: 'SESSION#f1', sk: 'SESSION', revoked: false }];
    return { Responses: { 'unit-table': all.filter((item) => keys.some((key) => key.pk === item.pk && key.sk === item.sk)) } };
  });
});

describe('setCartLineAndView', () => {
  it('three calls: one Query, one consistent BatchGetItem of the products and the session, one transaction taking only the difference', async () => {
    ddb.on(QueryCommand).resolves({ Items: [holdItem('p1', 1), holdItem('p3', 2)] });
    ddb.on(TransactWriteCommand).resolves({});
    const session = new PendingSession(claims);
    const cart = await setCartLineAndView('u1', 'p2', 3, session);
    expect(ddb.calls()).toHaveLength(3);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(batchKeys()).toEqual([['PRODUCT#p1', 'PRODUCT#p3', 'PRODUCT#p2', 'USER#u1', 'REVOKED#j1', 'SESSION#f1']]);
    expect(ddb.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!['unit-table']!.ConsistentRead).toBe(true);
    expect(session.confirmed).toBe(true);
    // The answer in key order, from the products as read, with the new line.
    expect(cart.items.map((line) => [line.productId, line.quantity, line.lineTotal])).toEqual([['p1', 1, 100], ['p2', 3, 600], ['p3', 2, 600]]);
    expect(cart).toMatchObject({ total: 1300, currency: 'eur', removedItems: [] });
    expect(transactions()[0]![0]!.Update!.ExpressionAttributeValues).toMatchObject({ ':minus': -3 });
  });

  it('a hold changed meanwhile: reads the cart again (not the products) and writes against what it reads then', async () => {
    ddb.on(QueryCommand).resolvesOnce({ Items: [holdItem('p1', 1)] }).resolves({ Items: [holdItem('p1', 2)] });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }])).resolves({});
    const cart = await setCartLineAndView('u1', 'p1', 3, new PendingSession(claims));
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(transactions()[1]![0]!.Update!.ExpressionAttributeValues).toMatchObject({ ':minus': -1 });
    expect(cart.items.map((line) => line.quantity)).toEqual([3]);
  });

  it('a line added meanwhile by another request: its product alone is read on the retry, so the answer shows it', async () => {
    ddb.on(QueryCommand).resolvesOnce({ Items: [holdItem('p1', 1)] }).resolves({ Items: [holdItem('p1', 1), holdItem('p3', 1)] });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }])).resolves({});
    const cart = await setCartLineAndView('u1', 'p1', 2, new PendingSession(claims));
    expect(batchKeys()).toEqual([['PRODUCT#p1', 'USER#u1', 'REVOKED#j1', 'SESSION#f1'], ['PRODUCT#p3']]);
    expect(cart.items.map((line) => line.productId)).toEqual(['p1', 'p3']);
  });

  it('a session that has ended (session version bumped by a password change): 401 and no transaction', async () => {
    userItem = { ...userItem, sessionVersion: 3 };
    ddb.on(QueryCommand).resolves({ Items: [] });
    await expect(setCartLineAndView('u1', 'p1', 1, new PendingSession(claims))).rejects.toMatchObject({ status: 401 });
    expect(transactions()).toHaveLength(0);
  });
});

describe('removeCartLineAndView', () => {
  it('releases the line as read and answers with the other lines; a line not in the cart writes nothing', async () => {
    ddb.on(QueryCommand).resolves({ Items: [holdItem('p1', 2), holdItem('p2', 1)] });
    ddb.on(TransactWriteCommand).resolves({});
    const left = await removeCartLineAndView('u1', 'p1', new PendingSession(claims));
    expect(ddb.calls()).toHaveLength(3);
    expect(left.items.map((line) => line.productId)).toEqual(['p2']);
    const [items] = transactions();
    expect(items![0]!.Delete!.Key).toEqual({ pk: 'CART#u1', sk: 'ITEM#p1' });
    expect(items![1]!.Update!.ExpressionAttributeValues).toEqual({ ':quantity': 2 });
    expect(items![2]!.Update!.ExpressionAttributeValues).toEqual({ ':minus': -1 });
    expect((await removeCartLineAndView('u1', 'p9')).items.map((line) => line.productId)).toEqual(['p1', 'p2']);
    expect(transactions()).toHaveLength(1);
  });

  it('a disabled user: 401 and no transaction', async () => {
    userItem = { ...userItem, disabled: true };
    ddb.on(QueryCommand).resolves({ Items: [holdItem('p1', 2)] });
    await expect(removeCartLineAndView('u1', 'p1', new PendingSession(claims))).rejects.toMatchObject({ status: 401 });
    expect(transactions()).toHaveLength(0);
  });
});

describe('viewCart', () => {
  it('two calls: the Query and one BatchGetItem of the live holds’ products and the session; an empty cart still confirms the session', async () => {
    ddb.on(QueryCommand).resolves({ Items: [holdItem('p1', 1), holdItem('p2', 1, Date.now() - 1)] });
    const session = new PendingSession(claims);
    const cart = await viewCart('u1', Date.now(), session);
    expect(ddb.calls()).toHaveLength(2);
    expect(batchKeys()).toEqual([['PRODUCT#p1', 'USER#u1', 'REVOKED#j1', 'SESSION#f1']]);
    expect(cart.items.map((line) => line.productId)).toEqual(['p1']);
    ddb.resetHistory();
    ddb.on(QueryCommand).resolves({ Items: [] });
    const empty = new PendingSession(claims);
    await viewCart('u1', Date.now(), empty);
    expect(batchKeys()).toEqual([['USER#u1', 'REVOKED#j1', 'SESSION#f1']]);
    expect(empty.confirmed).toBe(true);
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

  it('with a session: its three ConditionChecks ride in the first transaction (two calls for 3 lines, three for 50); a failed check is 401', async () => {
    ddb.on(QueryCommand).resolves({ Items: [holdItem('p1', 1), holdItem('p2', 1), holdItem('p3', 1)] });
    ddb.on(TransactWriteCommand).resolves({});
    await clearCart('u1', new PendingSession(claims));
    expect(ddb.calls().map((call) => call.args[0].constructor.name)).toEqual(['QueryCommand', 'TransactWriteCommand']);
    expect(transactions()[0]!.slice(7).map((item) => item.ConditionCheck!.Key!.pk)).toEqual(['USER#u1', 'REVOKED#j1', 'SESSION#f1']);

    ddb.reset();
    ddb.on(QueryCommand).resolves({ Items: Array.from({ length: 50 }, (_, i) => holdItem(`p${String(i).padStart(2, '0')}`, 1)) });
    ddb.on(TransactWriteCommand).resolves({});
    await clearCart('u1', new PendingSession(claims));
    expect(ddb.calls().map((call) => call.args[0].constructor.name)).toEqual(['QueryCommand', 'TransactWriteCommand', 'TransactWriteCommand']);
    const [first, second] = transactions();
    expect(first).toHaveLength(100);
    // The session stood once the first committed: the second carries no checks.
    expect(second).toHaveLength(5);

    ddb.reset();
    ddb.on(QueryCommand).resolves({ Items: [holdItem('p1', 1)] });
    ddb.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }]));
    await expect(clearCart('u1', new PendingSession(claims))).rejects.toMatchObject({ status: 401 });
    expect(transactions()).toHaveLength(1);
  });
});
