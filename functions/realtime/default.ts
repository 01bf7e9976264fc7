import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { clientMessageReply } from '../../shared/realtime/client-messages.js';

/** `$default` (a two-way route: the body is sent back to the client). */
export const handler = async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  body: JSON.stringify(clientMessageReply(event.body)),
});
