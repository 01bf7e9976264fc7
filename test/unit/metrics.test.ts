/**
 * Business metrics (shared/metrics.ts): what a handler counted is printed once per invocation
 * as a CloudWatch EMF line. The unit env disables EMF output (vitest.config.ts); this file
 * turns it on before any module loads.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { countMetric, METRICS_NAMESPACE, publishMetrics, withMetrics } from '../../shared/metrics.js';
import { OutOfStockError } from '../../shared/products/stock-errors.js';
import { transactWrite } from '../../shared/transactions.js';
import { apiEvent, invoke } from '../support/api-gateway-event.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  service: string;
  [metric: string]: unknown;
}

const ddb = mockClient(DynamoDBDocumentClient);
let stdout: MockInstance<typeof process.stdout.write>;

beforeEach(() => {
  ddb.reset();
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => stdout.mockRestore());

/** The EMF lines printed since the test started. */
function emfLines(): EmfLine[] {
  return stdout.mock.calls
    .flatMap(([chunk]) => String(chunk).split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfLine);
}

/** The sum of a metric's values in one EMF line (several adds in an invocation become a list). */
const total = (line: EmfLine, name: string): number => {
  const value = line[name];
  return Array.isArray(value) ? value.reduce((a: number, b: number) => a + b, 0) : Number(value ?? 0);
};

const conflict = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: 'TransactionConflict' }],
  });

describe('shared/metrics', () => {
  it('prints one EMF line in the OrderManagement namespace with the service dimension', () => {
    countMetric('OrdersPlaced');
    countMetric('HoldsReleased', 3);
    publishMetrics();
    const lines = emfLines();
    expect(lines).toHaveLength(1);
    const [line] = lines as [EmfLine];
    const [directive] = line._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(directive?.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'OrdersPlaced', Unit: 'Count' },
        { Name: 'HoldsReleased', Unit: 'Count' },
      ]),
    );
    expect(line.service).toBe('order-management');
    expect(total(line, 'OrdersPlaced')).toBe(1);
    expect(total(line, 'HoldsReleased')).toBe(3);
  });

  it('prints nothing (not even a warning) when nothing was counted, and clears after publishing', () => {
    countMetric('HoldsReleased', 0);
    publishMetrics();
    expect(stdout).not.toHaveBeenCalled();
    countMetric('EmailsSent');
    publishMetrics();
    publishMetrics();
    expect(emfLines()).toHaveLength(1);
  });

  it('a 503 after exhausted transaction conflicts counts ServiceBusy503 and the retries', async () => {
    ddb.on(TransactWriteCommand).rejects(conflict());
    const handler = httpHandler(routes.health, async () => {
      await transactWrite([{ Put: { TableName: 't', Item: { pk: 'a', sk: 'b' } } }], { attempts: 3 });
      return { statusCode: 200, body: {} };
    });
    const response = await invoke(handler, apiEvent(routes.health));
    expect(response.statusCode).toBe(503);
    expect(response.body.error.code).toBe('SERVICE_UNAVAILABLE');
    const lines = emfLines();
    expect(lines).toHaveLength(1);
    expect(total(lines[0]!, 'ServiceBusy503')).toBe(1);
    expect(total(lines[0]!, 'TransactionConflictRetried')).toBe(2);
  });

  it('a 409 OUT_OF_STOCK answer counts OutOfStock; other answers count nothing', async () => {
    const outOfStock = httpHandler(routes.health, async () => {
      throw new OutOfStockError({ productId: 'p1', available: 0, requested: 1 });
    });
    const response = await invoke(outOfStock, apiEvent(routes.health));
    expect(response.statusCode).toBe(409);
    expect(emfLines().map((line) => total(line, 'OutOfStock'))).toEqual([1]);

    const fine = httpHandler(routes.health, async () => ({ statusCode: 200, body: {} }));
    await invoke(fine, apiEvent(routes.health));
    expect(emfLines()).toHaveLength(1);
  });

  it('withMetrics publishes when the handler throws too', async () => {
    const job = withMetrics(async () => {
      countMetric('OrdersRolledBack', 2);
      throw new Error('run failed');
    });
    await expect(job()).rejects.toThrow('run failed');
    expect(emfLines().map((line) => total(line, 'OrdersRolledBack'))).toEqual([2]);
  });

  it('prints nothing with POWERTOOLS_METRICS_DISABLED=true (local stack, other tests)', async () => {
    vi.resetModules();
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    try {
      const fresh = await import('../../shared/metrics.js');
      fresh.countMetric('EmailsSent');
      fresh.publishMetrics();
      expect(stdout).not.toHaveBeenCalled();
      expect(fresh.metrics.hasStoredMetrics()).toBe(false);
    } finally {
      process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    }
  });
});
