import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { roleSchema } from '../../shared/schemas/users.js';
import { saveConnection } from '../../shared/realtime/connection-repository.js';

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { authorizer?: Record<string, unknown> };
};

/** `$connect`, after the authorizer: remembers who this connection is, for the pushes. */
export const handler = async (event: ConnectEvent): Promise<APIGatewayProxyResult> => {
  const authorizer = event.requestContext.authorizer ?? {};
  const role = roleSchema.safeParse(authorizer.role);
  if (typeof authorizer.userId !== 'string' || typeof authorizer.familyId !== 'string' || !role.success) {
    return { statusCode: 401, body: 'Unauthorized' };
  }
  await saveConnection({
    connectionId: event.requestContext.connectionId,
    userId: authorizer.userId,
    role: role.data,
    familyId: authorizer.familyId,
    connectedAt: new Date(event.requestContext.requestTimeEpoch).toISOString(),
  });
  return { statusCode: 200, body: '' };
};
