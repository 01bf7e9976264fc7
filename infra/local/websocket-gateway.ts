/**
 * The local stand-in for API Gateway's WebSocket API, driven by infra/routes/realtime.ts like
 * the AWS stack: an upgrade runs the `$connect` authorizer (the `token` query parameter;
 * missing or refused: 401, a Deny policy: 403) and the `$connect` handler, each message the
 * `$default` handler (a two-way route's body goes back to the client), a close `$disconnect`.
 *
 * The same port serves the management API the real `@aws-sdk/client-apigatewaymanagementapi`
 * client calls (`POST`/`GET`/`DELETE /@connections/{id}`; an unknown id is 410 GoneException),
 * so the push code runs unchanged against it through WEBSOCKET_MANAGEMENT_URL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { APIGatewayAuthorizerResult, APIGatewayProxyResult } from 'aws-lambda';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { WebSocketAuthorizerDefinition, WebSocketRouteDefinition } from '../route-types.js';
import { loadHandler, localLambdaContext } from './lambda-context.js';

export interface WebSocketGateway {
  /** `ws://127.0.0.1:<port>`: clients connect to `<url>?token=<accessToken>`. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`: the management API's endpoint (WEBSOCKET_MANAGEMENT_URL). */
  readonly managementUrl: string;
  /** Open connections right now. */
  connectionCount(): number;
  close(): Promise<void>;
}

interface Connection {
  readonly socket: WebSocket;
  readonly connectedAt: number;
  lastActiveAt: number;
  readonly sourceIp: string;
  readonly authorizer: Record<string, unknown>;
}

const STAGE = 'live';
/** API Gateway's connection ids: 12 random bytes in base64 (`L0SM9cOFvHcCIhw=`). */
const newConnectionId = () => randomBytes(10).toString('base64');

type Handler = (event: unknown, context: ReturnType<typeof localLambdaContext>) => Promise<unknown>;

export async function startWebSocketGateway(options: {
  port: number;
  repoRoot: string;
  authorizer: WebSocketAuthorizerDefinition;
  routes: readonly WebSocketRouteDefinition[];
  log?: (line: string) => void;
}): Promise<WebSocketGateway> {
  const log = options.log ?? ((line: string) => console.log(line));
  const authorize = (await loadHandler(options.repoRoot, options.authorizer.handler)) as Handler;
  const handlers = new Map<string, { route: WebSocketRouteDefinition; handler: Handler }>();
  for (const route of options.routes) handlers.set(route.routeKey, { route, handler: (await loadHandler(options.repoRoot, route.handler)) as Handler });
  const connections = new Map<string, Connection>();
  const wss = new WebSocketServer({ noServer: true });
  let domainName = '127.0.0.1';
  let closing = false;

  const requestContext = (routeKey: string, eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT', connectionId: string, extra: Record<string, unknown> = {}) => ({
    routeKey,
    eventType,
    connectionId,
    domainName,
    stage: STAGE,
    apiId: 'local',
    requestId: randomUUID(),
    requestTimeEpoch: Date.now(),
    messageDirection: 'IN',
    ...extra,
  });

  const invoke = async (routeKey: string, event: Record<string, unknown>): Promise<APIGatewayProxyResult | undefined> => {
    const entry = handlers.get(routeKey);
    if (!entry) return undefined;
    return (await entry.handler(event, localLambdaContext(`WebSocket${routeKey}`, 10))) as APIGatewayProxyResult | undefined;
  };

  const refuse = (socket: Duplex, status: number, message: string) => {
    socket.end(`HTTP/1.1 ${status} ${message}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ message })}`);
  };

  /** `$connect`: the authorizer, then the handler; only then is the upgrade completed. */
  const connect = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://local');
    const query = Object.fromEntries(url.searchParams);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')]));
    const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
    const connectionId = newConnectionId();
    // API Gateway refuses a request without the identity source before calling the authorizer.
    if (!query[options.authorizer.queryParameter]) return refuse(socket, 401, 'Unauthorized');
    let authorizer: Record<string, unknown>;
    try {
      const result = (await authorize(
        {
          type: 'REQUEST',
          methodArn: `arn:aws:execute-api:local:000000000000:local/${STAGE}/$connect`,
          headers,
          queryStringParameters: query,
          requestContext: requestContext('$connect', 'CONNECT', connectionId, { identity: { sourceIp } }),
        },
        localLambdaContext('WebSocketAuthorizer', 10),
      )) as APIGatewayAuthorizerResult;
      const allowed = result.policyDocument.Statement.every((statement) => statement.Effect === 'Allow');
      if (!allowed) return refuse(socket, 403, 'Forbidden');
      authorizer = { ...(result.context ?? {}), principalId: result.principalId };
    } catch (error) {
      if (error instanceof Error && error.message === 'Unauthorized') return refuse(socket, 401, 'Unauthorized');
      log(`[websocket] authorizer failed: ${error instanceof Error ? error.message : String(error)}`);
      return refuse(socket, 500, 'Internal Server Error');
    }
    try {
      const result = await invoke('$connect', {
        headers,
        queryStringParameters: query,
        isBase64Encoded: false,
        requestContext: requestContext('$connect', 'CONNECT', connectionId, { authorizer, identity: { sourceIp } }),
      });
      if (result && result.statusCode >= 300) return refuse(socket, result.statusCode, 'Refused');
    } catch (error) {
      log(`[websocket] $connect failed: ${error instanceof Error ? error.message : String(error)}`);
      return refuse(socket, 500, 'Internal Server Error');
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connection: Connection = { socket: ws, connectedAt: Date.now(), lastActiveAt: Date.now(), sourceIp, authorizer };
      connections.set(connectionId, connection);
      ws.on('message', (data: RawData) => {
        connection.lastActiveAt = Date.now();
        void message(connectionId, connection, data.toString());
      });
      ws.on('close', () => {
        connections.delete(connectionId);
        if (closing) return;
        invoke('$disconnect', { isBase64Encoded: false, requestContext: requestContext('$disconnect', 'DISCONNECT', connectionId, { authorizer }) }).catch((error: unknown) =>
          log(`[websocket] $disconnect failed: ${error instanceof Error ? error.message : String(error)}`),
        );
      });
    });
  };

  const message = async (connectionId: string, connection: Connection, body: string) => {
    try {
      const result = await invoke('$default', {
        body,
        isBase64Encoded: false,
        requestContext: requestContext('$default', 'MESSAGE', connectionId, { authorizer: connection.authorizer }),
      });
      if (handlers.get('$default')?.route.returnResponse && result?.body && connection.socket.readyState === WebSocket.OPEN) connection.socket.send(result.body);
    } catch (error) {
      log(`[websocket] $default failed: ${error instanceof Error ? error.message : String(error)}`);
      if (connection.socket.readyState === WebSocket.OPEN) connection.socket.send(JSON.stringify({ message: 'Internal server error', connectionId, requestId: randomUUID() }));
    }
  };

  /** The management API, as API Gateway answers it (GoneException for an unknown connection). */
  const manage = async (request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/(?:[^/]+\/)?@connections\/([^/?]+)$/.exec(new URL(request.url ?? '/', 'http://local').pathname);
    if (!match) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
      return;
    }
    const connectionId = decodeURIComponent(match[1]!);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const connection = connections.get(connectionId);
    if (!connection || connection.socket.readyState !== WebSocket.OPEN) {
      response.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' }).end(JSON.stringify({ message: null }));
      return;
    }
    if (request.method === 'POST') {
      connection.socket.send(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200).end();
    } else if (request.method === 'DELETE') {
      connection.socket.close(1000, 'Closed by the server');
      response.writeHead(204).end();
    } else if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ConnectedAt: new Date(connection.connectedAt).toISOString(),
          LastActiveAt: new Date(connection.lastActiveAt).toISOString(),
          Identity: { SourceIp: connection.sourceIp, UserAgent: '' },
        }),
      );
    } else {
      response.writeHead(405).end();
    }
  };

  const server = createServer((request, response) => {
    manage(request, response).catch((error: unknown) => {
      log(`[websocket] management API failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    connect(request, socket, head).catch((error: unknown) => {
      log(`[websocket] upgrade failed: ${error instanceof Error ? error.message : String(error)}`);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  domainName = `127.0.0.1:${port}`;
  return {
    url: `ws://127.0.0.1:${port}`,
    managementUrl: `http://127.0.0.1:${port}`,
    connectionCount: () => connections.size,
    close: async () => {
      closing = true;
      for (const { socket } of connections.values()) socket.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
