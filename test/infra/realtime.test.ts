/** The WebSocket API's nested stack (infra/realtime.ts) and the pusher's grants. */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { websocketRoutes } from '../../infra/routes/realtime.js';
import type { OrderManagementStack } from '../../infra/stack.js';
import { defaultStack, logicalId } from '../support/synth-stack.js';

describe('WebSocket API (nested stack)', () => {
  let stack: OrderManagementStack;
  let nested: Template;
  let flat: Template;

  beforeAll(() => {
    ({ stack, template: flat } = defaultStack());
    nested = Template.fromStack(stack.realtime);
  });

  it('has one route per entry of infra/routes/realtime.ts, the authorizer on $connect only', () => {
    const routes = Object.values(nested.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties);
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(websocketRoutes.map((route) => route.routeKey).sort());
    for (const route of routes) {
      if (route.RouteKey === '$connect') expect(route.AuthorizationType).toBe('CUSTOM');
      else expect(route.AuthorizationType ?? 'NONE').toBe('NONE');
    }
    nested.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', IdentitySource: ['route.request.querystring.token'] });
    // $default answers the client (ping → pong): a two-way route with a route response.
    expect(routes.find((route) => route.RouteKey === '$default')?.RouteResponseSelectionExpression).toBe('$default');
  });

  it('has a throttled stage with JSON access logs', () => {
    nested.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'live',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const stage = Object.values(nested.findResources('AWS::ApiGatewayV2::Stage'))[0]!.Properties;
    expect(JSON.parse(stage.AccessLogSettings.Format as string)).toMatchObject({ routeKey: '$context.routeKey', connectionId: '$context.connectionId' });
  });

  it('the stream pusher may only post to and close connections of the stage, and gets the management URL', () => {
    const pusher = stack.functions.get('StreamConsumerRealtimePush')!;
    expect(pusher).toBeDefined();
    const policies = Object.values(flat.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.Roles).includes(logicalId(pusher.role as never)),
    );
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const manage = statements.filter((statement) => [statement.Action].flat().includes('execute-api:ManageConnections'));
    expect(manage).toHaveLength(1);
    const resources = JSON.stringify(manage[0]!.Resource);
    expect(resources).toContain('/live/POST/@connections/*');
    expect(resources).toContain('/live/DELETE/@connections/*');
    const env = flat.toJSON().Resources[logicalId(pusher)].Properties.Environment.Variables;
    expect(env.WEBSOCKET_MANAGEMENT_URL).toBeDefined();
    // Nobody else may manage connections.
    for (const [id, fn] of stack.functions) {
      if (id === 'StreamConsumerRealtimePush') continue;
      const props = flat.toJSON().Resources[logicalId(fn)].Properties;
      expect(props.Environment.Variables.WEBSOCKET_MANAGEMENT_URL, id).toBeUndefined();
    }
  });

  it('the pusher reads the stream with its own mapping, filtered to orders, shipments, products, users and sessions', () => {
    const mappings = Object.values(flat.findResources('AWS::Lambda::EventSourceMapping')).filter(
      (mapping) => JSON.stringify(mapping.Properties.FunctionName).includes(logicalId(stack.functions.get('StreamConsumerRealtimePush')!)),
    );
    expect(mappings).toHaveLength(1);
    const filters = JSON.stringify(mappings[0]!.Properties.FilterCriteria);
    for (const sk of ['ORDER', 'PRODUCT', 'PROFILE', 'SESSION', 'SHIPMENT#']) expect(filters).toContain(sk);
    expect(mappings[0]!.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it('outputs the WebSocket URL', () => {
    expect(Object.keys(Template.fromStack(stack).findOutputs('WebSocketUrl'))).toHaveLength(1);
  });
});
