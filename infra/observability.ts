/**
 * Alarms, the SNS topic they notify, and one CloudWatch dashboard, in a nested stack of the
 * app's stack: alarms are about 25 resources, and the app's stack is near the 400 resources
 * kept as headroom (test/infra/limits.test.ts). A nested stack deploys, updates and is
 * deleted with its parent (one `cdk deploy`, no cross-stack exports to get stuck on); the
 * values it reads from the parent (function names, queue names, the API id…) arrive as
 * parameters.
 *
 * Each alarm's threshold carries its reason next to it; the README's "Runbook" says what each
 * alarm means and what to do. Every alarm notifies the topic on ALARM and on OK, and each
 * treats missing data deliberately (for most, no data means no traffic: not breaching).
 */
import { ArnFormat, Duration, NestedStack, Stack, type NestedStackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { BUSINESS_METRICS, METRICS_NAMESPACE, type BusinessMetric } from '../shared/metrics.js';
import { SES_CONFIGURATION_SET_DIMENSION } from './email.js';
import { tableDefinition } from './table-definition.js';

export interface ObservabilityProps extends NestedStackProps {
  readonly httpApi: apigw.IHttpApi;
  /** Every function of the stack by construct id (`Route…`, `Consumer…`, `Schedule…`, …). */
  readonly functions: ReadonlyMap<string, lambda.IFunction>;
  readonly table: dynamodb.ITable;
  /** The order-events queue (age of the oldest message). */
  readonly orderEventsQueue: sqs.IQueue;
  /** Every dead-letter queue, by a readable name: any message in one is an incident. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** The schedules' EventBridge rules (FailedInvocations). */
  readonly scheduleRules: readonly events.IRule[];
  /** The SES configuration set every send uses (infra/email.ts): bounce and complaint rates. */
  readonly sesConfigurationSetName?: string | undefined;
  /** Subscribed to the alarm topic (it must confirm the subscription email). */
  readonly alarmEmail?: string | undefined;
  /** `service` dimension of the business metrics (POWERTOOLS_SERVICE_NAME). */
  readonly serviceName: string;
}

/** CloudWatch allows at most 10 metrics in one alarm's math expression. */
export const MAX_METRICS_PER_ALARM = 10;

/** `SUM([FILL(m0, 0), …])`: gaps (no invocation) count as 0, so the sum always has a value. */
function sumOf(metrics: readonly cloudwatch.IMetric[], label: string, period: Duration): cloudwatch.MathExpression {
  if (metrics.length > MAX_METRICS_PER_ALARM) throw new Error(`${label}: ${metrics.length} metrics, at most ${MAX_METRICS_PER_ALARM} per alarm`);
  const usingMetrics = Object.fromEntries(metrics.map((metric, i) => [`m${i}`, metric]));
  return new cloudwatch.MathExpression({
    expression: `SUM([${Object.keys(usingMetrics).map((id) => `FILL(${id}, 0)`).join(', ')}])`,
    usingMetrics,
    label,
    period,
  });
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export class Observability extends NestedStack {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm, by its construct id. */
  readonly alarms = new Map<string, cloudwatch.Alarm>();
  private readonly alarmPrefix: string;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id, props);
    this.alarmPrefix = Stack.of(scope).stackName;

    // ---- Topic -------------------------------------------------------------------------------
    // Not encrypted at rest: notifications carry alarm names, states and metric values, no
    // customer data, and CloudWatch cannot publish to a topic encrypted with the AWS managed
    // key (alias/aws/sns); a customer managed key would cost more than it protects. Publishing
    // requires TLS (AwsSolutions-SNS3) and only this account's CloudWatch alarms may publish.
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${this.alarmPrefix} alarms`,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, so CloudWatch alarms (of this account only)
    // must be allowed to publish explicitly.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const api = props.httpApi;
    const fiveMinutes = Duration.minutes(5);
    const functionEntries = [...props.functions.entries()];
    const scheduleFunctions = functionEntries.filter(([fnId]) => fnId.startsWith('Schedule'));
    const otherFunctions = functionEntries.filter(([fnId]) => !fnId.startsWith('Schedule'));

    // ---- HTTP API ----------------------------------------------------------------------------
    const requests = api.metricCount({ statistic: 'Sum', period: Duration.minutes(1) });
    const serverErrors = api.metricServerError({ period: Duration.minutes(1) });
    const serverErrorRate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      label: '5xx %',
      period: Duration.minutes(1),
    });
    this.alarm('ApiServerErrorRate', {
      metric: serverErrorRate,
      // More than 1 request in 20 failing, in 3 of 5 minutes: a lone 500 at night (1 of 3
      // requests is 33 % for that minute) does not page, a failing dependency does. Flash-sale
      // 503s count here too; ServiceBusy503 below tells them apart.
      threshold: 5,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      // No requests: no data, nothing failing.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: 'API 5xx answers above 5 % of requests in 3 of 5 minutes.',
    });
    const latencyP99 = api.metricLatency({ statistic: 'p99', period: fiveMinutes });
    this.alarm('ApiLatencyP99', {
      metric: latencyP99,
      // Requests take ~50–150 ms warm and ~1 s on a cold start with its secret read; 3 s for
      // 15 minutes means something is slow for everyone (DynamoDB, a hot product's conflict
      // retries, whose budget is 6 s), well before the functions' 10 s timeout.
      threshold: 3000,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: 'API p99 latency above 3 s for 15 minutes.',
    });

    // ---- Lambda ------------------------------------------------------------------------------
    // Per-function alarms would be two per function (over 100): the functions are summed in
    // groups of at most 10 (CloudWatch's limit per math alarm). The alarm's description lists
    // its functions; the dashboard shows each function.
    const errorGroups = chunks(otherFunctions, MAX_METRICS_PER_ALARM);
    errorGroups.forEach((group, i) => {
      this.alarm(`LambdaErrors${i + 1}`, {
        metric: sumOf(group.map(([, fn]) => fn.metricErrors({ period: fiveMinutes })), 'errors', fiveMinutes),
        // The HTTP pipeline answers handled errors itself and the consumers report partial
        // batch failures, so Errors counts crashes, timeouts and init failures only: one may
        // be a cold start that hit a slow dependency, three in 5 minutes are a bug or an outage.
        threshold: 3,
        evaluationPeriods: 1,
        // FILL makes every period a number: missing data never happens, 0 is fine.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Lambda errors (crashes, timeouts) of ${group.map(([fnId]) => fnId).join(', ')}: 3 or more in 5 minutes.`,
      });
    });
    chunks(functionEntries, MAX_METRICS_PER_ALARM).forEach((group, i) => {
      this.alarm(`LambdaThrottles${i + 1}`, {
        metric: sumOf(group.map(([, fn]) => fn.metricThrottles({ period: fiveMinutes })), 'throttles', fiveMinutes),
        // A burst of throttles is retried (SQS, EventBridge) or answered 429/500 and retried by
        // clients; throttling in two consecutive 5-minute periods means the account's
        // concurrency is exhausted.
        threshold: 1,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Lambda throttles of ${group.map(([fnId]) => fnId).join(', ')} in two consecutive 5-minute periods.`,
      });
    });

    // ---- Schedules ---------------------------------------------------------------------------
    const fifteenMinutes = Duration.minutes(15);
    const scheduleMetrics = [
      ...scheduleFunctions.map(([, fn]) => fn.metricErrors({ period: fifteenMinutes })),
      ...props.scheduleRules.map((rule) => scheduleFailedInvocations(rule, fifteenMinutes)),
    ];
    chunks(scheduleMetrics, MAX_METRICS_PER_ALARM).forEach((group, i, all) => {
      this.alarm(all.length > 1 ? `ScheduleFailures${i + 1}` : 'ScheduleFailures', {
        metric: sumOf(group, 'failed runs', fifteenMinutes),
        // A job that throws is retried twice by Lambda (async invocation), so one run failing
        // for good is 3 errors; so are three failed runs in a row of a 1-minute job. The next
        // tick retries either way (jobs are idempotent), so a single failed attempt is noise.
        threshold: 3,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: 'Scheduled jobs: failed runs (function errors) and invocations EventBridge could not make, 3 or more in 15 minutes.',
      });
    });

    // ---- Queues ------------------------------------------------------------------------------
    for (const [name, dlq] of Object.entries(props.deadLetterQueues)) {
      this.alarm(`${name}NotEmpty`, {
        metric: dlq.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: fiveMinutes }),
        // Every message here is work that failed after all its retries: one is an incident.
        threshold: 1,
        evaluationPeriods: 1,
        // SQS stops reporting an empty, idle queue: no data means empty.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `${name}: messages waiting (work that failed after all retries).`,
      });
    }
    const oldestEvent = props.orderEventsQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: fiveMinutes });
    this.alarm('OrderEventsOldestAge', {
      metric: oldestEvent,
      // Events are processed within seconds. A message failing over and over reaches 10
      // minutes after its 4th try (visibility 180 s, 5 tries before the DLQ); 10 minutes late
      // is a password-reset link that customers give up on.
      threshold: 600,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: 'Oldest order event waiting more than 10 minutes (processor failing, throttled or stuck).',
    });

    // ---- DynamoDB ----------------------------------------------------------------------------
    const table = props.table;
    const throttleMetric = (metricName: string, indexName?: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: table.tableName, ...(indexName && { GlobalSecondaryIndexName: indexName }) },
        statistic: 'Sum',
        period: fiveMinutes,
      });
    const throttleEvents = [undefined, ...tableDefinition.globalSecondaryIndexes.map((index) => index.indexName)].flatMap((indexName) => [
      throttleMetric('ReadThrottleEvents', indexName),
      throttleMetric('WriteThrottleEvents', indexName),
    ]);
    this.alarm('DynamoThrottles', {
      metric: sumOf(throttleEvents, 'throttle events', fiveMinutes),
      // On-demand tables throttle when traffic doubles past its previous peak in under 30
      // minutes or one key is hot; the SDK retries, so short bursts pass. 25 events in each of
      // two 5-minute periods is sustained throttling that customers see as slow or 5xx.
      threshold: 25,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: 'DynamoDB read/write throttle events (table and indexes): 25 or more in each of two 5-minute periods.',
    });
    const systemErrors = table.metricSystemErrorsForOperations({
      operations: DYNAMODB_OPERATIONS,
      period: fiveMinutes,
    });
    this.alarm('DynamoSystemErrors', {
      metric: systemErrors,
      // 500s from DynamoDB itself; the SDK retries them. A few in 5 minutes is an AWS-side
      // incident worth knowing about (check the AWS Health Dashboard).
      threshold: 5,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: 'DynamoDB system errors (HTTP 500 from DynamoDB): 5 or more in 5 minutes.',
    });

    // ---- Business metrics (shared/metrics.ts, EMF) -------------------------------------------
    /** A business metric; labelled on graphs only (a label makes an alarm a math alarm). */
    const business = (name: BusinessMetric, label?: string) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service: props.serviceName }, statistic: 'Sum', period: fiveMinutes, ...(label && { label }) });
    this.alarm('ServiceBusy503', {
      metric: business('ServiceBusy503'),
      // A flash sale on one product answers some 503s by design (README "Known gaps"); ten in
      // five minutes means buyers are being turned away.
      threshold: 10,
      evaluationPeriods: 1,
      // Only invocations that answered a 503 publish it: no data is none.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: '503 SERVICE_UNAVAILABLE answers (transaction conflicts not resolved in time): 10 or more in 5 minutes.',
    });

    // ---- SES ---------------------------------------------------------------------------------
    const oneHour = Duration.hours(1);
    let sesMetrics: Record<'sends' | 'deliveries' | 'bounces' | 'complaints', cloudwatch.Metric> | undefined;
    if (props.sesConfigurationSetName) {
      const ses = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/SES',
          metricName,
          dimensionsMap: { [SES_CONFIGURATION_SET_DIMENSION]: props.sesConfigurationSetName! },
          statistic: 'Sum',
          period: oneHour,
          label: metricName,
        });
      sesMetrics = { sends: ses('Send'), deliveries: ses('Delivery'), bounces: ses('Bounce'), complaints: ses('Complaint') };
      const rate = (event: 'bounces' | 'complaints', label: string) =>
        new cloudwatch.MathExpression({
          // Below 20 sends an hour one bounce is 5 %+ and says nothing about the list.
          expression: `IF(sends >= 20, 100 * FILL(${event}, 0) / sends, 0)`,
          usingMetrics: { sends: sesMetrics!.sends, [event]: sesMetrics![event] },
          label,
          period: oneHour,
        });
      this.alarm('SesBounceRate', {
        metric: rate('bounces', 'bounce %'),
        // SES puts an account under review at a 5 % bounce rate (pauses sending at 10 %).
        threshold: 5,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: 'SES hard bounces above 5 % of an hour\'s sends (SES reviews the account at 5 %).',
      });
      this.alarm('SesComplaintRate', {
        metric: rate('complaints', 'complaint %'),
        // SES reviews at 0.1 % complaints (pauses at 0.5 %). For transactional mail any
        // complaint is worth a look, and below 1,000 sends an hour one complaint exceeds 0.1 %.
        threshold: 0.1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: 'SES complaints above 0.1 % of an hour\'s sends (SES reviews the account at 0.1 %).',
      });
    }

    // ---- Dashboard ---------------------------------------------------------------------------
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: this.alarmPrefix,
      defaultInterval: Duration.hours(3),
    });
    const graph = (title: string, left: cloudwatch.IMetric[], options: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...options });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms.values()], width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      graph('API requests and errors', [requests.with({ label: 'requests' }), api.metricClientError({ period: Duration.minutes(1), label: '4xx' }), serverErrors.with({ label: '5xx' })]),
      graph('API 5xx %', [serverErrorRate]),
      graph('API latency', [
        api.metricLatency({ statistic: 'p50', period: fiveMinutes, label: 'p50' }),
        api.metricLatency({ statistic: 'p90', period: fiveMinutes, label: 'p90' }),
        latencyP99.with({ label: 'p99' }),
      ]),
    );
    const missing = BUSINESS_METRICS.filter((name) => !Object.values(BUSINESS_GRAPHS).flat().includes(name));
    if (missing.length > 0) throw new Error(`infra/observability.ts: put ${missing.join(', ')} on the dashboard (BUSINESS_GRAPHS)`);
    this.dashboard.addWidgets(
      ...Object.entries(BUSINESS_GRAPHS).map(([title, names]) =>
        graph(title, names.map((name) => business(name, name)), title === 'Schedules'
          ? { right: scheduleFunctions.map(([fnId, fn]) => fn.metricErrors({ period: fiveMinutes, label: `${fnId} errors` })) }
          : {}),
      ),
    );
    this.dashboard.addWidgets(
      graph('Lambda errors (every function)', otherFunctions.map(([fnId, fn]) => fn.metricErrors({ period: fiveMinutes, label: fnId })), { width: 12, legendPosition: cloudwatch.LegendPosition.RIGHT }),
      graph('Lambda throttles (every function)', functionEntries.map(([fnId, fn]) => fn.metricThrottles({ period: fiveMinutes, label: fnId })), { width: 12, legendPosition: cloudwatch.LegendPosition.RIGHT }),
    );
    this.dashboard.addWidgets(
      graph('order-events', [props.orderEventsQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, label: 'waiting' })], {
        right: [oldestEvent.with({ label: 'oldest (s)' })],
      }),
      graph('Dead-letter queues', Object.entries(props.deadLetterQueues).map(([name, dlq]) => dlq.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: fiveMinutes, label: name }))),
      graph('DynamoDB', [
        table.metricConsumedReadCapacityUnits({ period: fiveMinutes, label: 'read units' }),
        table.metricConsumedWriteCapacityUnits({ period: fiveMinutes, label: 'write units' }),
      ], { right: [sumOf(throttleEvents, 'throttle events', fiveMinutes), systemErrors] }),
    );
    if (sesMetrics) {
      this.dashboard.addWidgets(
        graph('SES (hourly)', Object.values(sesMetrics), { width: 24 }),
      );
    }
  }

  /** An alarm named `<stack>-<id>`, notifying the topic when it goes to ALARM and back to OK. */
  private alarm(id: string, props: Omit<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription' | 'comparisonOperator'> & { description: string; comparisonOperator?: cloudwatch.ComparisonOperator }): cloudwatch.Alarm {
    const { description, ...rest } = props;
    const alarm = new cloudwatch.Alarm(this, id, {
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      ...rest,
      alarmName: `${this.alarmPrefix}-${id}`,
      alarmDescription: `${description} Runbook: README, "Deploying to AWS" > "Runbook" > ${id}.`,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    alarm.addOkAction(new cwActions.SnsAction(this.topic));
    this.alarms.set(id, alarm);
    return alarm;
  }
}

/** The dashboard's business-metric graphs: every metric of shared/metrics.ts is on one (checked at synth). */
export const BUSINESS_GRAPHS: Readonly<Record<string, readonly BusinessMetric[]>> = {
  'Orders, payments, emails': ['OrdersPlaced', 'PaymentsRecorded', 'EmailsSent'],
  'Contention and refusals': ['OutOfStock', 'TransactionConflictRetried', 'ServiceBusy503', 'WebhooksRejected'],
  Schedules: ['HoldsReleased', 'OrdersRolledBack'],
};

/** DynamoDB operations the app calls (system errors are reported per operation). */
export const DYNAMODB_OPERATIONS: dynamodb.Operation[] = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.BATCH_GET_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
];

/** Invocations of a rule's targets that failed for good (after EventBridge's retries). */
function scheduleFailedInvocations(rule: events.IRule, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName: 'FailedInvocations',
    dimensionsMap: { RuleName: rule.ruleName },
    statistic: 'Sum',
    period,
  });
}
