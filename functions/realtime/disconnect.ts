import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { forgetConnection } from '../../shared/realtime/connection-repository.js';

/** `$disconnect` (best effort on API Gateway's side: reads also skip expired connections). */
export const handler = async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> => {
  await forgetConnection(event.requestContext.connectionId);
  return { statusCode: 200, body: '' };
};
