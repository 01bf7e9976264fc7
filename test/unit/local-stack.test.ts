import { describe, expect, it } from 'vitest';
import { compileRoute, matchRoute, toApiGatewayEvent } from '../../infra/local/gateway.js';
import { rateToMs, scheduledEvent } from '../../infra/local/scheduler.js';
import { toSqsRecord } from '../../infra/local/queue-poller.js';
import { routeList } from '../../infra/routes.js';

const compile = (routes: typeof routeList) => routes.map(compileRoute);

describe('local gateway', () => {
  it('matches routes with path parameters, decoded', () => {
    const match = matchRoute(compile(routeList), 'GET', '/users/01H%20X');
    expect(match?.route.id).toBe('getUser');
    expect(match?.pathParameters).toEqual({ id: '01H X' });
    expect(matchRoute(compile(routeList), 'PUT', '/users/1')).toBeUndefined();
    expect(matchRoute(compile(routeList), 'GET', '/nope')).toBeUndefined();
  });

  it('builds an API Gateway v2 event: lower-case headers, cookies apart, repeated query joined', () => {
    const event = toApiGatewayEvent({
      method: 'POST',
      url: new URL('http://localhost:3000/auth/login?a=1&a=2&b=x'),
      headers: { 'Content-Type': 'application/json', cookie: 'accessToken=t; other=1' } as never,
      body: Buffer.from('{"x":1}'),
      routeKey: 'POST /auth/login',
      pathParameters: {},
      sourceIp: '127.0.0.1',
    });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /auth/login',
      rawPath: '/auth/login',
      rawQueryString: 'a=1&a=2&b=x',
      cookies: ['accessToken=t', 'other=1'],
      queryStringParameters: { a: '1,2', b: 'x' },
      body: '{"x":1}',
      isBase64Encoded: false,
    });
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.http.method).toBe('POST');
  });

  it('base64-encodes binary bodies', () => {
    const event = toApiGatewayEvent({
      method: 'POST', url: new URL('http://x/p'), headers: { 'content-type': 'image/png' } as never,
      body: Buffer.from([0, 255]), routeKey: 'POST /p', pathParameters: {}, sourceIp: '::1',
    });
    expect(event).toMatchObject({ body: 'AP8=', isBase64Encoded: true });
  });
});

describe('local scheduler and poller', () => {
  it('reads EventBridge rate expressions', () => {
    expect(rateToMs('rate(1 minute)')).toBe(60_000);
    expect(rateToMs('rate(2 hours)')).toBe(7_200_000);
    expect(() => rateToMs('cron(0 * * * ? *)')).toThrow(/rate/);
  });

  it('builds scheduled events and SQS records as AWS shapes them', () => {
    const event = scheduledEvent({ id: 'releaseExpiredHolds', handler: 'x', schedule: 'rate(1 minute)', timeoutSeconds: 30, access: {} });
    expect(event).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    const record = toSqsRecord({ MessageId: 'm', ReceiptHandle: 'r', Body: 'b', Attributes: { ApproximateReceiveCount: '3' } }, 'arn:q');
    expect(record).toMatchObject({ messageId: 'm', body: 'b', eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '3' } });
  });
});
