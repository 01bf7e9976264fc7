/**
 * The WebSocket API (API.md "Real-time"): its authorizer and routes, the one source for the
 * CDK nested stack (infra/realtime.ts) and the local WebSocket gateway
 * (infra/local/websocket-gateway.ts). Plain data: no CDK imports.
 *
 * Connection items (shared/realtime/connection-keys.ts) live under `WS#<connectionId>`;
 * pushes come from the table stream (`realtimePush` in infra/consumers.ts), not from here.
 */
import { AUTHENTICATION_KEYS, type WebSocketAuthorizerDefinition, type WebSocketRouteDefinition } from '../route-types.js';

export const websocketAuthorizer = {
  handler: 'functions/realtime/authorize.ts',
  queryParameter: 'token',
  // The same lookup as the HTTP pipeline: the user, the token's denial record, its session family.
  access: { table: { mode: 'read', keys: ['USER#*', 'REVOKED#*', 'SESSION#*'] } },
} as const satisfies WebSocketAuthorizerDefinition;

export const websocketRoutes = [
  {
    routeKey: '$connect',
    handler: 'functions/realtime/connect.ts',
    // After saving the connection it reads the authorizer's three items again (a logout racing
    // the connect: functions/realtime/connect.ts), like an HTTP route's authentication keys.
    access: { table: { mode: 'write', keys: ['WS#*', ...AUTHENTICATION_KEYS] } },
    summary: 'Records the connection (user, role, session) for the pushes, then checks the session again',
  },
  {
    routeKey: '$disconnect',
    handler: 'functions/realtime/disconnect.ts',
    access: { table: { mode: 'write', keys: ['WS#*'] } },
    summary: 'Forgets the connection',
  },
  {
    routeKey: '$default',
    handler: 'functions/realtime/default.ts',
    access: {},
    summary: 'Client messages: {"action":"ping"} answers {"type":"pong"}; anything else an error message',
    returnResponse: true,
  },
] as const satisfies readonly WebSocketRouteDefinition[];
