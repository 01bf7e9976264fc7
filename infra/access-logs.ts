import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * A stage's JSON access logs (HTTP and WebSocket APIs): its own log group (3 months) and one
 * JSON line per request with the fields both APIs have, plus `fields` (`$context` variables).
 */
export function jsonAccessLogs(scope: Construct, id: string, fields: Record<string, string>): apigw.IAccessLogSettings {
  const logGroup = new logs.LogGroup(scope, id, { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
  return {
    destination: new apigw.LogGroupLogDestination(logGroup),
    format: AccessLogFormat.custom(
      JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        ...fields,
      }),
    ),
  };
}
