/**
 * The WebSocket API (API.md "Real-time") as a nested stack, driven by infra/routes/realtime.ts
 * like the HTTP API is by the route table: the `$connect` authorizer, a function per route,
 * the stage. Pushes come from the table stream consumer `realtimePush` (infra/consumers.ts),
 * which gets `execute-api:ManageConnections` on this stage's `@connections` through
 * `management`.
 */
import { NestedStack, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Construct } from 'constructs';
import { jsonAccessLogs } from './access-logs.js';
import { AppFunction, type WebSocketManagement } from './app-function.js';
import type { Access, WebSocketAuthorizerDefinition, WebSocketRouteDefinition } from './route-types.js';
import { websocketAuthorizer, websocketRoutes } from './routes/realtime.js';
import type { ThrottleConfig } from './stack.js';

export interface RealtimeApiProps {
  readonly commonEnv: Record<string, string>;
  /** Grants a function what its `access` declares (the stack's bind helper). */
  readonly bind: (fn: AppFunction, access: Access, options?: { authenticates?: boolean }) => void;
  readonly throttle: ThrottleConfig;
  readonly authorizer?: WebSocketAuthorizerDefinition;
  readonly routes?: readonly WebSocketRouteDefinition[];
}

const STAGE_NAME = 'live';
const ROUTE_IDS: Record<WebSocketRouteDefinition['routeKey'], string> = { $connect: 'Connect', $disconnect: 'Disconnect', $default: 'Default' };

export class RealtimeApi extends NestedStack {
  readonly api: apigw.WebSocketApi;
  readonly stage: apigw.WebSocketStage;
  /** What `manageConnections` grants (infra/app-function.ts bindAccess). */
  readonly management: WebSocketManagement;
  /** Its functions by construct id (`WebSocketAuthorizer`, `WebSocketConnect`, …), for the alarms. */
  readonly functions: ReadonlyMap<string, AppFunction>;

  constructor(scope: Construct, id: string, props: RealtimeApiProps) {
    super(scope, id, { description: 'Order Management real-time API (WebSocket)' });
    const functions = new Map<string, AppFunction>();
    this.functions = functions;
    const authorizerDef = props.authorizer ?? websocketAuthorizer;

    const authorizerFn = new AppFunction(this, 'WebSocketAuthorizer', {
      handlerFile: authorizerDef.handler,
      commonEnv: props.commonEnv,
      description: `WebSocket $connect authorizer (${authorizerDef.handler})`,
    });
    props.bind(authorizerFn, authorizerDef.access, { authenticates: true });
    functions.set('WebSocketAuthorizer', authorizerFn);
    const authorizer = new WebSocketLambdaAuthorizer('TokenAuthorizer', authorizerFn, {
      identitySource: [`route.request.querystring.${authorizerDef.queryParameter}`],
    });

    this.api = new apigw.WebSocketApi(this, 'WebSocketApi', {
      description: 'Order Management real-time updates',
      routeSelectionExpression: '$request.body.action',
    });
    const routes: readonly WebSocketRouteDefinition[] = props.routes ?? websocketRoutes;
    for (const route of routes) {
      const fnId = `WebSocket${ROUTE_IDS[route.routeKey]}`;
      const fn = new AppFunction(this, fnId, { handlerFile: route.handler, commonEnv: props.commonEnv, description: `WebSocket ${route.routeKey} (${route.handler})` });
      props.bind(fn, route.access);
      functions.set(fnId, fn);
      const wsRoute = this.api.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(`${fnId}Integration`, fn),
        ...(route.routeKey === '$connect' && { authorizer }),
        ...(route.returnResponse && { returnResponse: true }),
      });
      Validations.of(wsRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          route.routeKey === '$connect'
            ? 'Authorized by the Lambda REQUEST authorizer (token query parameter).'
            : 'API Gateway authorizes WebSocket connections at $connect only; later routes run on an authorized connection.',
      });
    }

    this.stage = new apigw.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: STAGE_NAME,
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: jsonAccessLogs(this, 'WebSocketAccessLogs', {
        eventType: '$context.eventType',
        connectionId: '$context.connectionId',
        error: '$context.error.message',
        authorizerError: '$context.authorizer.error',
        integrationError: '$context.integrationErrorMessage',
      }),
    });
    const connections = (method: 'POST' | 'DELETE') =>
      Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.apiId, resourceName: `${STAGE_NAME}/${method}/@connections/*` });
    this.management = { managementUrl: this.stage.callbackUrl, connectionArns: [connections('POST'), connections('DELETE')] };
  }

  /** cdk-nag: a pusher of this stack may post to and close any connection of the stage. */
  acknowledgeConnectionManager(fn: AppFunction): void {
    const apiId = this.getLogicalId(this.api.node.defaultChild as CfnElement);
    Validations.of(fn).acknowledge(
      ...(['POST', 'DELETE'] as const).map((method) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/${STAGE_NAME}/${method}/@connections/*]`,
        reason: `Connection ids are made by API Gateway at $connect, so no fixed ARN exists; only ${method} /@connections of this one stage.`,
      })),
    );
  }
}
