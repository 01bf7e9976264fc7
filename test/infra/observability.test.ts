/**
 * Alarms, topic and dashboard (infra/observability.ts, a nested stack), and the failure paths
 * they watch: every alarm notifies the topic and treats missing data deliberately; each
 * function, DLQ and schedule is covered; schedules' EventBridge targets retry and end in an
 * alarmed DLQ; the processor's concurrency is capped; DLQs keep messages longer than their
 * source queues.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/app-function.js';
import { consumers } from '../../infra/consumers.js';
import { MAX_METRICS_PER_ALARM } from '../../infra/observability.js';
import { queueDefinitions } from '../../infra/queue-definitions.js';
import { schedules } from '../../infra/schedules.js';
import type { OrderManagementStack } from '../../infra/stack.js';
import { tableDefinition } from '../../infra/table-definition.js';
import { BUSINESS_METRICS } from '../../shared/metrics.js';
import { defaultStack, logicalId, synthStack } from '../support/synth-stack.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let stack: OrderManagementStack;
let parent: Template;
let nested: Template;
let alarms: Record<string, Json>;

/** Parameter name in the nested template -> what the parent passes (`{Ref: X}` or `{Fn::GetAtt: [X, attr]}`). */
let passed: Record<string, Json>;

beforeAll(() => {
  ({ stack, template: parent } = defaultStack());
  nested = Template.fromStack(stack.observability);
  alarms = Object.fromEntries(
    Object.values(nested.findResources('AWS::CloudWatch::Alarm')).map((alarm) => [String(alarm.Properties.AlarmName).replace(/^Default-/, ''), alarm.Properties]),
  );
  const [nestedResource] = Object.values(parent.findResources('AWS::CloudFormation::Stack'));
  passed = nestedResource!.Properties.Parameters;
});

/** The parent logical id a nested `{Ref: parameter}` stands for. */
function parentIdOf(value: Json | undefined): string | undefined {
  const parameter = value?.Ref as string | undefined;
  const source = parameter ? passed[parameter] : undefined;
  return source?.Ref ?? source?.['Fn::GetAtt']?.[0];
}

/** Every metric (MetricStat) an alarm reads, as `namespace/name` with its dimensions. */
function metricsOf(alarm: Json): { name: string; dimensions: Record<string, Json>; stat?: string }[] {
  const stats = alarm.Metrics ? alarm.Metrics.filter((m: Json) => m.MetricStat).map((m: Json) => ({ ...m.MetricStat.Metric, Stat: m.MetricStat.Stat })) : [{ ...alarm, Stat: alarm.Statistic ?? alarm.ExtendedStatistic }];
  return stats.map((m: Json) => ({
    name: `${m.Namespace}/${m.MetricName}`,
    dimensions: Object.fromEntries((m.Dimensions ?? []).map((d: Json) => [d.Name, d.Value])),
    stat: m.Stat,
  }));
}

const expression = (alarm: Json): string | undefined => alarm.Metrics?.find((m: Json) => m.ReturnData !== false)?.Expression;

describe('alarm topic', () => {
  it('requires TLS to publish and lets only this account\'s CloudWatch alarms publish', () => {
    nested.resourceCountIs('AWS::SNS::Topic', 1);
    nested.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': Match.anyValue() } }),
          }),
        ]),
      },
    });
  });

  it('has no subscriber without alarmEmail', () => {
    nested.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('alarms', () => {
  it('every alarm notifies the topic on ALARM and OK, has a threshold, a runbook pointer and a deliberate missing-data rule', () => {
    const topic = { Ref: Object.keys(nested.findResources('AWS::SNS::Topic'))[0] };
    expect(Object.keys(alarms).length).toBeGreaterThanOrEqual(15);
    for (const [name, alarm] of Object.entries(alarms)) {
      expect(alarm.AlarmActions, name).toEqual([topic]);
      expect(alarm.OKActions, name).toEqual([topic]);
      expect(alarm.TreatMissingData, name).toBe('notBreaching');
      expect(typeof alarm.Threshold, name).toBe('number');
      expect(alarm.AlarmDescription, name).toContain(`Runbook: README, "Deploying to AWS" > "Runbook" > ${name}.`);
      expect(alarm.Metrics?.filter((m: Json) => m.MetricStat).length ?? 1, name).toBeLessThanOrEqual(MAX_METRICS_PER_ALARM);
    }
  });

  it('API: 5xx rate (5xx / Count) and p99 latency of the HTTP API', () => {
    const api = logicalId(stack.httpApi);
    const rate = alarms.ApiServerErrorRate!;
    expect(expression(rate)).toBe('IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)');
    expect(metricsOf(rate).map((m) => [m.name, parentIdOf(m.dimensions.ApiId)])).toEqual([
      ['AWS/ApiGateway/Count', api],
      ['AWS/ApiGateway/5xx', api],
    ]);
    expect(rate).toMatchObject({ Threshold: 5, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
    const latency = alarms.ApiLatencyP99!;
    expect(latency).toMatchObject({ MetricName: 'Latency', Namespace: 'AWS/ApiGateway', ExtendedStatistic: 'p99', Threshold: 3000 });
    expect(parentIdOf(latency.Dimensions[0].Value)).toBe(api);
  });

  it('Lambda: every function\'s errors (schedules in their own alarm) and every function\'s throttles, in groups of at most 10', () => {
    const counted = (prefix: string, metric: string) =>
      Object.entries(alarms)
        .filter(([name]) => name.startsWith(prefix))
        .flatMap(([, alarm]) => {
          expect(expression(alarm)).toMatch(/^SUM\(\[FILL\(m0, 0\)/);
          return metricsOf(alarm).map((m) => {
            expect(m.name).toBe(`AWS/Lambda/${metric}`);
            return parentIdOf(m.dimensions.FunctionName);
          });
        })
        .sort();
    const ids = (filter: (fnId: string) => boolean) =>
      [...stack.functions.entries()].filter(([fnId]) => filter(fnId)).map(([, fn]) => logicalId(fn)).sort();
    expect(counted('LambdaErrors', 'Errors')).toEqual(ids((fnId) => !fnId.startsWith('Schedule')));
    expect(counted('LambdaThrottles', 'Throttles')).toEqual(ids(() => true));
    expect(alarms.LambdaErrors1).toMatchObject({ Threshold: 3, EvaluationPeriods: 1 });
    expect(alarms.LambdaThrottles1).toMatchObject({ Threshold: 1, EvaluationPeriods: 2, DatapointsToAlarm: 2 });
  });

  it('schedules: their functions\' errors and their rules\' failed invocations', () => {
    const alarm = alarms.ScheduleFailures!;
    const metrics = metricsOf(alarm);
    const fnIds = schedules.map((s) => logicalId(stack.functions.get(`Schedule${s.id.charAt(0).toUpperCase()}${s.id.slice(1)}`)!));
    expect(metrics.filter((m) => m.name === 'AWS/Lambda/Errors').map((m) => parentIdOf(m.dimensions.FunctionName)).sort()).toEqual(fnIds.sort());
    const rules = Object.keys(parent.findResources('AWS::Events::Rule')).sort();
    expect(metrics.filter((m) => m.name === 'AWS/Events/FailedInvocations').map((m) => parentIdOf(m.dimensions.RuleName)).sort()).toEqual(rules);
    expect(rules).toHaveLength(schedules.length);
  });

  it('every dead-letter queue alarms on its first message; the oldest order event alarms at 10 minutes', () => {
    const dlqs = [
      ...Object.values(stack.deadLetterQueues).map((q) => logicalId(q)),
      logicalId(stack.streamFailureQueue),
      logicalId(stack.scheduleFailureQueue),
    ].sort();
    const watched = Object.entries(alarms)
      .filter(([name]) => name.endsWith('NotEmpty'))
      .map(([name, alarm]) => {
        expect(alarm, name).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
        return parentIdOf(alarm.Dimensions[0].Value);
      })
      .sort();
    expect(watched).toEqual(dlqs);
    const age = alarms.OrderEventsOldestAge!;
    expect(age).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Statistic: 'Maximum', Threshold: 600 });
    expect(parentIdOf(age.Dimensions[0].Value)).toBe(logicalId(stack.queues.orderEvents));
  });

  it('DynamoDB: read/write throttle events of the table and each index; system errors per operation', () => {
    const table = logicalId(stack.table);
    const throttles = metricsOf(alarms.DynamoThrottles!);
    const seen = throttles.map((m) => `${m.name} ${m.dimensions.GlobalSecondaryIndexName ?? '(table)'}`).sort();
    const expected = [undefined, ...tableDefinition.globalSecondaryIndexes.map((i) => i.indexName)]
      .flatMap((index) => ['ReadThrottleEvents', 'WriteThrottleEvents'].map((m) => `AWS/DynamoDB/${m} ${index ?? '(table)'}`))
      .sort();
    expect(seen).toEqual(expected);
    for (const m of throttles) expect(parentIdOf(m.dimensions.TableName)).toBe(table);
    const systemErrors = metricsOf(alarms.DynamoSystemErrors!);
    expect(systemErrors.map((m) => m.dimensions.Operation).sort()).toEqual(
      ['BatchGetItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'UpdateItem'],
    );
    for (const m of systemErrors) expect(m.name).toBe('AWS/DynamoDB/SystemErrors');
  });

  it('business: ServiceBusy503 from the app\'s EMF metrics', () => {
    expect(alarms.ServiceBusy503).toMatchObject({
      Namespace: 'OrderManagement',
      MetricName: 'ServiceBusy503',
      Dimensions: [{ Name: 'service', Value: 'order-management' }],
      Statistic: 'Sum',
      Threshold: 10,
    });
  });

  it('SES: bounce and complaint rates of the configuration set, from 20 sends an hour', () => {
    const configurationSet = logicalId(stack.email.configurationSet);
    for (const [name, event, threshold] of [['SesBounceRate', 'Bounce', 5], ['SesComplaintRate', 'Complaint', 0.1]] as const) {
      const alarm = alarms[name]!;
      expect(alarm.Threshold, name).toBe(threshold);
      expect(expression(alarm), name).toMatch(/^IF\(sends >= 20, 100 \* FILL\(\w+, 0\) \/ sends, 0\)$/);
      const metrics = metricsOf(alarm);
      expect(metrics.map((m) => m.name).sort()).toEqual([`AWS/SES/${event}`, 'AWS/SES/Send'].sort());
      for (const m of metrics) expect(parentIdOf(m.dimensions['ses:configuration-set'])).toBe(configurationSet);
    }
  });
});

describe('dashboard', () => {
  it('one dashboard with the alarms and every business metric', () => {
    nested.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(nested.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    expect(body).toContain('"type\\":\\"alarm\\"');
    for (const name of BUSINESS_METRICS) expect(body, name).toContain(`\\"OrderManagement\\",\\"${name}\\"`);
    for (const metric of ['5xx', 'Latency', 'ApproximateAgeOfOldestMessage', 'ConsumedWriteCapacityUnits', 'Bounce']) expect(body, metric).toContain(`\\"${metric}\\"`);
  });
});

describe('failure handling', () => {
  it('schedule targets retry (2 attempts, 15 minutes) and then go to an encrypted, TLS-only DLQ', () => {
    const dlq = logicalId(stack.scheduleFailureQueue);
    const rules = Object.values(parent.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(schedules.length);
    for (const rule of rules) {
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        }),
      ]);
    }
    expect(parent.toJSON().Resources[dlq].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: Duration.days(14).toSeconds() });
    parent.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' }),
        ]),
      },
    });
  });

  it('the order-events processor runs at most maxConcurrency batches at once', () => {
    const processor = consumers.find((c) => c.id === 'orderEventsProcessor')!;
    expect(processor.maxConcurrency).toBe(2);
    parent.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.functions.get('ConsumerOrderEventsProcessor')!) },
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('every DLQ keeps messages longer than its source queue (a moved message keeps its enqueue time)', () => {
    const resources = parent.toJSON().Resources as Record<string, Json>;
    for (const queue of Object.values(queueDefinitions)) {
      expect(queue.deadLetterRetentionDays, queue.id).toBeGreaterThan(queue.retentionDays);
      expect(queue.deadLetterRetentionDays, queue.id).toBeLessThanOrEqual(14);
    }
    const redriven = Object.values(resources).filter((r) => r.Type === 'AWS::SQS::Queue' && r.Properties.RedrivePolicy);
    expect(redriven.length).toBe(Object.keys(queueDefinitions).length);
    for (const source of redriven) {
      const dlq = resources[source.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]]!;
      expect(dlq.Properties.MessageRetentionPeriod).toBeGreaterThan(source.Properties.MessageRetentionPeriod);
    }
    expect(resources[logicalId(stack.queues.orderEvents)]!.Properties.MessageRetentionPeriod).toBe(Duration.days(4).toSeconds());
  });
});

describe('with alarmEmail', () => {
  it('subscribes the address to the alarm topic', () => {
    const { stack: withEmail } = synthStack('WithAlarmEmail', { alarmEmail: 'ops@shop.example.org' });
    Template.fromStack(withEmail.observability).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@shop.example.org',
    });
  });
});

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
describe.skipIf(!cfnLint)('cfn-lint', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'cfn-lint-observability-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));
  it('finds nothing in the nested template', () => {
    const file = path.join(workDir, 'observability.nested.template.json');
    writeFileSync(file, JSON.stringify(nested.toJSON(), null, 1));
    const run = spawnSync('cfn-lint', ['--config-file', path.join(repoRoot, '.cfnlintrc'), '--non-zero-exit-code', 'warning', file], { cwd: workDir, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
    expect(run.status).toBe(0);
  }, 120_000);
});
