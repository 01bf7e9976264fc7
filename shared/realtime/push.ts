/**
 * Sending to and closing WebSocket connections through the API Gateway management API.
 * Best effort: a push that fails is counted and logged, never retried (the next change sends
 * the order again, whole), and a connection API Gateway no longer knows (`GoneException`) is
 * forgotten on the spot.
 */
import { DeleteConnectionCommand, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { websocketManagement } from '../clients/websocket-management.js';
import { logger } from '../logger.js';
import type { ConnectionRecord } from './connection-keys.js';
import { forgetConnection } from './connection-repository.js';
import type { RealtimeMessage } from './realtime-changes.js';

export interface PushOutcome {
  sent: number;
  gone: number;
  failed: number;
}

export const emptyOutcome = (): PushOutcome => ({ sent: 0, gone: 0, failed: 0 });

export async function pushMessage(connections: readonly ConnectionRecord[], message: RealtimeMessage, outcome: PushOutcome = emptyOutcome()): Promise<PushOutcome> {
  const data = Buffer.from(JSON.stringify(message));
  await Promise.all(
    connections.map(async ({ connectionId }) => {
      try {
        await websocketManagement.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
        outcome.sent += 1;
      } catch (error) {
        if (error instanceof GoneException) {
          outcome.gone += 1;
          await forgetConnection(connectionId).catch((cleanup: unknown) => logger.warn('could not forget a gone connection', { connectionId, error: cleanup }));
          return;
        }
        outcome.failed += 1;
        logger.warn('push to a connection failed', { connectionId, type: message.type, error });
      }
    }),
  );
  return outcome;
}

/** Closes each connection (API Gateway then runs `$disconnect`) and forgets it now, so no push follows. */
export async function closeConnections(connections: readonly ConnectionRecord[]): Promise<number> {
  let closed = 0;
  await Promise.all(
    connections.map(async ({ connectionId }) => {
      try {
        await websocketManagement.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
        closed += 1;
      } catch (error) {
        if (!(error instanceof GoneException)) logger.warn('closing a connection failed', { connectionId, error });
      }
      await forgetConnection(connectionId);
    }),
  );
  return closed;
}
