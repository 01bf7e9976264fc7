import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AppError } from './errors.js';

/**
 * Business metrics as CloudWatch Embedded Metric Format (EMF): counted in memory during an
 * invocation and printed as one JSON log line when the invocation ends (`publishMetrics`, or a
 * handler wrapped in `withMetrics`); CloudWatch Logs turns that line into metrics. No API
 * call, no extra permission. Locally and in the tests POWERTOOLS_METRICS_DISABLED=true keeps
 * them quiet (the counts are still kept and cleared).
 */
export const METRICS_NAMESPACE = 'OrderManagement';
export const METRICS_SERVICE = process.env.POWERTOOLS_SERVICE_NAME ?? 'order-management';

/** One instance per container (module scope); every metric gets the dimension `service`. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

/** The metrics this app publishes (infra/observability.ts graphs and alarms on them). */
export const BUSINESS_METRICS = [
  'OrdersPlaced',
  /** 409 OUT_OF_STOCK answers (cart holds and orders). */
  'OutOfStock',
  /** A transaction (or a single write) retried after a TransactionConflict. */
  'TransactionConflictRetried',
  /** Conflict retries exhausted: answered 503 SERVICE_UNAVAILABLE. */
  'ServiceBusy503',
  'EmailsSent',
  /** Payments recorded (manual and Stripe), replays and duplicates not counted. */
  'PaymentsRecorded',
  /** Stripe webhook calls refused: signature missing, invalid or too old, or not an event. */
  'WebhooksRejected',
  /** Expired cart holds released by the schedule. */
  'HoldsReleased',
  /** Pending or failed orders rolled back by the schedule (stock returned). */
  'OrdersRolledBack',
] as const;
export type BusinessMetric = (typeof BUSINESS_METRICS)[number];

/** Adds `n` (default 1) to a count of this invocation; nothing for n <= 0. */
export function countMetric(name: BusinessMetric, n = 1): void {
  if (n > 0) metrics.addMetric(name, MetricUnit.Count, n);
}

/** Error answers counted by their code (the HTTP pipeline calls this for every error it answers). */
const ANSWER_METRICS: Readonly<Record<string, BusinessMetric>> = {
  OUT_OF_STOCK: 'OutOfStock',
  SERVICE_UNAVAILABLE: 'ServiceBusy503',
};

export function countErrorAnswer(error: unknown): void {
  const metric = error instanceof AppError ? ANSWER_METRICS[error.code] : undefined;
  if (metric) countMetric(metric);
}

/** Prints what this invocation counted (one EMF line) and clears it; nothing when nothing was counted. */
export function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** A Lambda handler that publishes its metrics when it returns or throws. */
export function withMetrics<A extends unknown[], R>(handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await handler(...args);
    } finally {
      publishMetrics();
    }
  };
}
