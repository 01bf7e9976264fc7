import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppFunction } from '../../infra/app-function.js';
import { consumers, streamConsumers } from '../../infra/consumers.js';
import { queueDefinitions } from '../../infra/queue-definitions.js';
import type { ScheduleDefinition } from '../../infra/route-types.js';
import { routeList } from '../../infra/routes.js';
import { websocketRoutes } from '../../infra/routes/realtime.js';
import { schedules } from '../../infra/schedules.js';
import type { OrderManagementStack, OrderManagementStackProps } from '../../infra/stack.js';
import { defaultStack, logicalId, synthStack } from '../support/synth-stack.js';

// ---- helpers ------------------------------------------------------------------------------

const build = (overrides: Partial<OrderManagementStackProps> = {}) => synthStack('Test', overrides);

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

function fnOf(stack: OrderManagementStack, id: string): AppFunction {
  const fn = stack.functions.get(id);
  if (!fn) throw new Error(`no function ${id}; have ${[...stack.functions.keys()].join(', ')}`);
  return fn;
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every statement of every inline policy attached to the function's role. */
function statementsOf(template: Template, fn: AppFunction): Statement[] {
  const roleId = logicalId(fn.role as never);
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

/** Resources of `type` that belong to the HTTP API (the WebSocket API's are folded into the template too). */
function httpApiResources(template: Template, type: string) {
  const httpApiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api', { Properties: { ProtocolType: 'HTTP' } }))[0];
  return Object.fromEntries(
    Object.entries(template.findResources(type)).filter(([, resource]) => JSON.stringify(resource.Properties.ApiId) === JSON.stringify({ Ref: httpApiId })),
  );
}

function functionProps(template: Template, fn: AppFunction) {
  const resource = template.toJSON().Resources[logicalId(fn)];
  return resource.Properties as {
    Runtime: string;
    Architectures: string[];
    Environment: { Variables: Record<string, unknown> };
    TracingConfig: { Mode: string };
    MemorySize: number;
    Timeout: number;
    LoggingConfig: { LogGroup: unknown };
  };
}

/** Item writes (no BatchWriteItem: nothing sends one; test/infra/least-privilege.test.ts). */
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

// ---- the real stack -----------------------------------------------------------------------

describe('OrderManagementStack (real route, consumer and schedule lists)', () => {
  let stack: OrderManagementStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = defaultStack());
  });

  describe('HTTP API', () => {
    it('has one route per route-table entry, each with its own Lambda', () => {
      const routes = httpApiResources(template, 'AWS::ApiGatewayV2::Route');
      // + $default: unmatched requests get the error envelope (functions/service/not-found.ts).
      expect(Object.keys(routes)).toHaveLength(routeList.length + 1);
      const fallback = Object.values(routes).filter((r) => r.Properties.RouteKey === '$default');
      expect(fallback).toHaveLength(1);
      expect(JSON.stringify(fallback[0]!.Properties.Target)).toContain('RouteDefault');
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      const resources = template.toJSON().Resources;
      const seenFunctions = new Set<string>();

      for (const route of routeList) {
        const routeKey = `${route.method} ${route.path}`;
        const matches = Object.values(routes).filter((r) => r.Properties.RouteKey === routeKey);
        expect(matches, routeKey).toHaveLength(1);

        const target = JSON.stringify(matches[0]!.Properties.Target);
        const integrationId = /"Ref":"([^"]+)"/.exec(target)?.[1];
        expect(integrationId, routeKey).toBeDefined();
        const uri = integrations[integrationId!]!.Properties.IntegrationUri;
        const fnId = uri['Fn::GetAtt'][0] as string;

        const fn = fnOf(stack, `Route${pascal(route.id)}`);
        expect(fnId, routeKey).toBe(logicalId(fn));
        expect(resources[fnId].Properties.Description).toContain(route.handler);
        expect(seenFunctions.has(fnId), `${routeKey} shares a Lambda`).toBe(false);
        seenFunctions.add(fnId);
      }
    });

    it('uses payload format 2.0 Lambda proxy integrations', () => {
      const integrations = Object.values(httpApiResources(template, 'AWS::ApiGatewayV2::Integration'));
      expect(integrations).toHaveLength(routeList.length + 1);
      for (const integration of integrations) {
        expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      }
    });

    it('has a throttled $default stage with JSON access logs', () => {
      const stages = httpApiResources(template, 'AWS::ApiGatewayV2::Stage');
      expect(Object.keys(stages)).toHaveLength(1);
      const stage = Object.values(stages)[0]!.Properties;
      expect(stage.StageName).toBe('$default');
      expect(stage.AutoDeploy).toBe(true);
      expect(stage.DefaultRouteSettings).toMatchObject({
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      });
      expect(stage.AccessLogSettings.DestinationArn['Fn::GetAtt'][1]).toBe('Arn');
      const logGroupId = stage.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: Match.anyValue() },
      });
      expect(template.toJSON().Resources[logGroupId].Type).toBe('AWS::Logs::LogGroup');

      const format = JSON.parse(stage.AccessLogSettings.Format as string) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
      });
    });

    it('answers CORS preflight for the app origin', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: Match.objectLike({
          AllowOrigins: ['https://shop.example.com'],
          AllowHeaders: Match.arrayWith(['content-type', 'authorization', 'idempotency-key']),
          AllowMethods: Match.arrayWith(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
          ExposeHeaders: Match.arrayWith(['x-request-id', 'retry-after']),
        }),
      });
    });
  });

  describe('Lambda defaults', () => {
    it('every app function is nodejs22.x on arm64 with tracing, source maps and the common env', () => {
      // + $default, + the WebSocket authorizer and routes, + seed
      const expected = routeList.length + 1 + consumers.length + streamConsumers.length + schedules.length + 1 + websocketRoutes.length + 1;
      expect(stack.functions.size).toBe(expected);
      for (const [id, fn] of stack.functions) {
        const props = functionProps(template, fn);
        expect(props.Runtime, id).toBe('nodejs22.x');
        expect(props.Architectures, id).toEqual(['arm64']);
        expect(props.TracingConfig.Mode, id).toBe('Active');
        expect(props.LoggingConfig.LogGroup, id).toBeDefined();
        const env = props.Environment.Variables;
        expect(env.NODE_OPTIONS, id).toBe('--enable-source-maps');
        for (const key of [
          'JWT_ISSUER',
          'JWT_AUDIENCE',
          'APP_BASE_URL',
          'ADMIN_EMAIL',
          'EMAIL_FROM',
          'POWERTOOLS_SERVICE_NAME',
          'POWERTOOLS_LOG_LEVEL',
          'CORS_ALLOWED_ORIGINS',
        ]) {
          expect(env[key], `${id} ${key}`).toBeDefined();
        }
      }
    });

    it('uses 512 MiB and 10 s unless the definition says otherwise', () => {
      const props = functionProps(template, fnOf(stack, 'RouteHealth'));
      expect(props.MemorySize).toBe(512);
      expect(props.Timeout).toBe(10);
      const consumer = consumers[0]!;
      expect(functionProps(template, fnOf(stack, `Consumer${pascal(consumer.id)}`)).Timeout).toBe(
        consumer.timeoutSeconds,
      );
    });

    it('passes the JWT secret by ARN, never its value (test/infra/secrets.test.ts has the rest)', () => {
      const env = functionProps(template, fnOf(stack, 'RouteLogin')).Environment.Variables;
      expect(env.JWT_SECRET).toBeUndefined();
      expect(env.JWT_SECRET_ARN).toEqual({ Ref: logicalId(stack.node.findChild('JwtSecret') as never) });
      template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    });

    it('gives every function a log group with retention', () => {
      for (const [id, fn] of stack.functions) {
        const logGroup = functionProps(template, fn).LoggingConfig.LogGroup as { Ref: string };
        const resource = template.toJSON().Resources[logGroup.Ref];
        expect(resource.Type, id).toBe('AWS::Logs::LogGroup');
        expect(resource.Properties.RetentionInDays, id).toBeGreaterThan(0);
      }
    });
  });

  describe('IAM least privilege', () => {
    it('a read-only route (GET /users) can only read the table', () => {
      const fn = fnOf(stack, 'RouteListUsers');
      const statements = statementsOf(template, fn);
      const actions = actionsOf(statements);
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
      for (const forbidden of [...WRITE_ACTIONS, 'dynamodb:Scan', 'sqs:SendMessage', 'ses:SendEmail']) {
        expect(actions).not.toContain(forbidden);
      }
      expect(actions.some((a) => /TransactWrite|\*$/.test(a))).toBe(false);
      const env = functionProps(template, fn).Environment.Variables;
      expect(env.TABLE_NAME).toBeDefined();
      expect(env.ORDER_EVENTS_QUEUE_URL).toBeUndefined();
    });

    it('a writer that sends events (POST /auth/register) can write and send to order-events only', () => {
      const fn = fnOf(stack, 'RouteRegister');
      const statements = statementsOf(template, fn);
      const actions = actionsOf(statements);
      expect(actions).toEqual(expect.arrayContaining([...WRITE_ACTIONS, 'sqs:SendMessage']));
      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions).not.toContain('ses:SendEmail');

      const queueId = logicalId(stack.queues.orderEvents);
      const send = statements.find((s) => actionsOf([s]).includes('sqs:SendMessage'))!;
      expect(send.Resource).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
      const env = functionProps(template, fn).Environment.Variables;
      expect(env[queueDefinitions.orderEvents.envVar]).toEqual({ Ref: queueId });
    });

    it('a route with no access (GET /health) gets no table, queue or SES permissions', () => {
      const fn = fnOf(stack, 'RouteHealth');
      const actions = actionsOf(statementsOf(template, fn));
      expect(actions.filter((a) => !a.startsWith('xray:'))).toEqual([]);
      expect(functionProps(template, fn).Environment.Variables.TABLE_NAME).toBeUndefined();
    });

    it('the order-events consumer may send email only as the configured sender identity', () => {
      const consumer = consumers.find((c) => c.access.sendEmail)!;
      const fn = fnOf(stack, `Consumer${pascal(consumer.id)}`);
      const statements = statementsOf(template, fn);
      const sesStatements = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('ses:')));
      // The other one is ses:SendEmail on the configuration set (test/infra/email.test.ts).
      expect(sesStatements).toHaveLength(2);
      const ses = sesStatements.filter((s) => JSON.stringify(s.Resource).includes(':identity/'));
      expect(ses).toHaveLength(1);
      expect(actionsOf(ses).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      const resources = JSON.stringify(ses[0]!.Resource);
      expect(resources).toContain(':identity/shop@example.com');
      expect(resources).toContain(':identity/example.com');
      expect(resources).not.toMatch(/identity\/\*|"\*"/);
      expect(ses[0]!.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'shop@example.com' } });
    });

    it('the seed function can write the table and gets the admin password', () => {
      const fn = fnOf(stack, 'SeedAdminFunction');
      expect(actionsOf(statementsOf(template, fn))).toEqual(
        expect.arrayContaining(WRITE_ACTIONS),
      );
      const env = functionProps(template, fn).Environment.Variables;
      expect(env.ADMIN_PASSWORD).toBeUndefined();
      expect(env.ADMIN_PASSWORD_ARN).toEqual({ Ref: logicalId(stack.node.findChild('AdminPassword') as never) });
      expect(actionsOf(statementsOf(template, fn))).toContain('secretsmanager:GetSecretValue');
      template.resourceCountIs('Custom::SeedAdmin', 1);
    });
  });

  describe('queues', () => {
    it('order-events has an encrypted, TLS-only queue and DLQ with redrive after 5 receives', () => {
      const def = queueDefinitions.orderEvents;
      const queueId = logicalId(stack.queues.orderEvents);
      const dlqId = logicalId(stack.deadLetterQueues.orderEvents);
      const resources = template.toJSON().Resources;

      expect(resources[queueId].Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        VisibilityTimeout: def.visibilityTimeoutSeconds,
        MessageRetentionPeriod: def.retentionDays * 86_400,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          maxReceiveCount: 5,
        },
      });
      expect(resources[dlqId].Properties).toMatchObject({ SqsManagedSseEnabled: true });

      for (const id of [queueId, dlqId]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });

    it('visibility timeout is at least 6x each consumer timeout', () => {
      for (const consumer of consumers) {
        const queue = template.toJSON().Resources[logicalId(stack.queues[consumer.queue])];
        expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumer.timeoutSeconds);
      }
    });

    it('each consumer has an SQS event source with partial batch failure reporting (stream consumers: table-stream.test.ts)', () => {
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', consumers.length + streamConsumers.length);
      for (const consumer of consumers) {
        const fn = fnOf(stack, `Consumer${pascal(consumer.id)}`);
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          FunctionName: { Ref: logicalId(fn) },
          EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.queues[consumer.queue]), 'Arn'] },
          BatchSize: consumer.batchSize,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        });
      }
    });
  });

  describe('table', () => {
    it('has pk/sk, both GSIs projecting ALL, TTL, PITR, on-demand, AWS-managed SSE', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith(
          ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'].map((name) => ({
            AttributeName: name,
            AttributeType: 'S',
          })),
        ),
        GlobalSecondaryIndexes: [1, 2].map((n) => ({
          IndexName: `gsi${n}`,
          KeySchema: [
            { AttributeName: `gsi${n}pk`, KeyType: 'HASH' },
            { AttributeName: `gsi${n}sk`, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        // SSEEnabled without SSEType/KMS key = the AWS managed key (aws/dynamodb).
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      });
      template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    });
  });

  describe('schedules', () => {
    it('makes one EventBridge rule per schedule entry', () => {
      template.resourceCountIs('AWS::Events::Rule', schedules.length);
    });
  });

  it('synthesizes without CDK warnings or errors (no deprecated props such as logRetention)', () => {
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  it('exports the outputs deploy scripts and e2e tests read', () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(
      expect.arrayContaining(['ApiUrl', 'TableName', 'OrderEventsQueueUrl', 'DlqUrl', 'AdminPasswordSecretArn']),
    );
  });
});

// ---- the mechanisms, with custom lists ----------------------------------------------------

describe('OrderManagementStack mechanisms (custom lists)', () => {
  const handler = 'functions/service/health.ts'; // any existing file: bundling is skipped

  it('turns each schedule entry into a rule targeting its own function', () => {
    const custom: ScheduleDefinition[] = [
      { id: 'releaseHolds', handler, schedule: 'rate(1 minute)', timeoutSeconds: 60, access: { table: 'write' } },
    ];
    const { stack, template } = build({ routes: [], consumers: [], schedules: custom });
    template.resourceCountIs('AWS::Events::Rule', 1);
    const fn = fnOf(stack, 'ScheduleReleaseHolds');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
    });
    expect(functionProps(template, fn).Timeout).toBe(60);
    expect(actionsOf(statementsOf(template, fn))).toEqual(expect.arrayContaining(WRITE_ACTIONS));
  });

  it('turns a custom route list into exactly those routes', () => {
    const { stack, template } = build({
      routes: [
        {
          id: 'ping', method: 'GET', path: '/ping/{id}', handler, auth: 'public', access: {},
          summary: 'ping', tag: 'Test', schemas: { response: { status: 200 } }, memoryMiB: 1024, timeoutSeconds: 3,
        },
      ],
      consumers: [],
      schedules: [],
    });
    const routes = Object.values(httpApiResources(template, 'AWS::ApiGatewayV2::Route'));
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(['$default', 'GET /ping/{id}']);
    const props = functionProps(template, fnOf(stack, 'RoutePing'));
    expect(props.MemorySize).toBe(1024);
    expect(props.Timeout).toBe(3);
  });

  it('refuses to synthesize a consumer whose timeout breaks the 6x visibility rule', () => {
    const visibility = queueDefinitions.orderEvents.visibilityTimeoutSeconds;
    expect(() =>
      build({
        routes: [],
        schedules: [],
        consumers: [
          { id: 'slow', handler, queue: 'orderEvents', batchSize: 5, timeoutSeconds: visibility / 6 + 1, access: {} },
        ],
      }),
    ).toThrow(/at least 6x/);
  });

  it('refuses duplicate route keys', () => {
    const route = {
      method: 'GET', path: '/x', handler, auth: 'public', access: {}, summary: 'x', tag: 'T',
      schemas: { response: { status: 200 } },
    } as const;
    expect(() =>
      build({ routes: [{ id: 'a', ...route }, { id: 'b', ...route }], consumers: [], schedules: [] }),
    ).toThrow(/Duplicate route GET \/x/);
  });

  it('takes throttling, deletion protection and CORS origins from props', () => {
    const { template } = build({
      routes: [],
      consumers: [],
      schedules: [],
      throttle: { rateLimit: 7, burstLimit: 9 },
      deletionProtection: false,
      corsAllowedOrigins: ['https://a.example', 'https://b.example'],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://a.example', 'https://b.example'] }),
    });
  });
});
