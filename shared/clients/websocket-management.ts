import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import * as z from 'zod';
import { readEnv } from '../config.js';

/**
 * The WebSocket API's management endpoint (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`
 * on AWS, the local WebSocket gateway's URL locally), built once per container.
 */
export const { WEBSOCKET_MANAGEMENT_URL: websocketManagementUrl } = readEnv(z.object({ WEBSOCKET_MANAGEMENT_URL: z.url() }));

export const websocketManagement = new ApiGatewayManagementApiClient({ endpoint: websocketManagementUrl });
