import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { roleSchema } from '../../shared/schemas/users.js';
import { forgetConnection, saveConnection, sessionStandsAfterSave } from '../../shared/realtime/connection-repository.js';
import { logger } from '../../shared/logger.js';

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { authorizer?: Record<string, unknown> };
};

const refused = { statusCode: 401, body: 'Unauthorized' };

/**
 * `$connect`, after the authorizer: remembers who this connection is, for the pushes.
 *
 * Then checks the session again. A logout (password change, disabling, role change) that lands
 * between the authorizer's check and the save would close the user's sockets by reading their
 * connections before this one is saved, and the socket would stay open. With the check after
 * the save, one of the two sees the other: either the closer reads this connection, or this
 * strongly consistent read sees the ended session, and the item is deleted and the connection
 * refused (the client connects again, and is refused or gets the new role). It costs one
 * BatchGetItem of the authorizer's three items; no token verification here, so no key material.
 */
export const handler = async (event: ConnectEvent): Promise<APIGatewayProxyResult> => {
  const authorizer = event.requestContext.authorizer ?? {};
  const role = roleSchema.safeParse(authorizer.role);
  const { userId, familyId, jti } = authorizer;
  // Numbers may arrive as strings (API Gateway's context values are strings, numbers or booleans).
  const [sessionVersion, tokenExpiresAt] = [Number(authorizer.sessionVersion), Number(authorizer.tokenExpiresAt)];
  if (typeof userId !== 'string' || typeof familyId !== 'string' || typeof jti !== 'string' || !role.success || !Number.isInteger(sessionVersion) || !Number.isInteger(tokenExpiresAt)) {
    return refused;
  }
  const { connectionId } = event.requestContext;
  await saveConnection({ connectionId, userId, role: role.data, familyId, connectedAt: new Date(event.requestContext.requestTimeEpoch).toISOString() });
  if (!(await sessionStandsAfterSave({ userId, familyId, jti, sessionVersion, role: role.data, expiresAt: tokenExpiresAt }))) {
    await forgetConnection(connectionId);
    logger.info('WebSocket connection refused: the session ended while connecting', { userId });
    return refused;
  }
  return { statusCode: 200, body: '' };
};
