import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { listOrders } from '../../shared/orders/order-repository.js';
import { adjustStock } from '../../shared/products/product-repository.js';
import { ServiceBusyError } from '../../shared/transactions.js';

const ddb = mockClient(DynamoDBDocumentClient);
const conflict = () => new DynamoDBServiceException({ name: 'TransactionConflictException', $fault: 'client', $metadata: {}, message: 'conflict' });

beforeEach(() => ddb.reset());

describe('stock adjustment racing a checkout transaction', () => {
  it('retries an update refused by a transaction conflict', async () => {
    ddb.on(UpdateCommand).rejectsOnce(conflict()).resolves({ Attributes: { stock: 7 } });
    ddb.on(PutCommand).resolves({});
    await expect(adjustStock({ productId: 'p', delta: 2, reason: 'r', by: 'u' })).resolves.toMatchObject({ stock: 7 });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(2);
  });

  it('answers 503 after 4 conflicts, without an audit item', async () => {
    ddb.on(UpdateCommand).rejects(conflict());
    await expect(adjustStock({ productId: 'p', delta: 2, reason: 'r', by: 'u' })).rejects.toBeInstanceOf(ServiceBusyError);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('order listing date range', () => {
  it('includes the whole day of a date-only `to`', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await listOrders({ userId: 'u', to: '2026-01-31', limit: 20 });
    const values = ddb.commandCalls(QueryCommand)[0]!.args[0].input.ExpressionAttributeValues!;
    expect(values[':to']).toBe('ORDER#2026-01-31T23:59:59.999Z~');
    expect(values[':from']).toBe('ORDER#0000');
  });
});
