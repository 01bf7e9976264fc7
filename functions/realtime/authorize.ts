import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { websocketAuthorizer } from '../../infra/routes/realtime.js';
import { authenticateToken } from '../../shared/auth/authenticate.js';
import { UnauthorizedError } from '../../shared/errors.js';
import { logger } from '../../shared/logger.js';

/**
 * `$connect` authorizer of the WebSocket API: the access token from `?token=`, with the HTTP
 * pipeline's checks (signature, issuer, audience, expiry, revocation, session version, an
 * active user). A refusal throws `Unauthorized`, which API Gateway answers with 401 and no
 * connection. The context reaches `$connect` as `requestContext.authorizer`, with what it needs
 * to check the same session again after saving the connection (the token's id and session
 * version: functions/realtime/connect.ts).
 */
export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const token = event.queryStringParameters?.[websocketAuthorizer.queryParameter];
  try {
    const auth = await authenticateToken(token, 'user');
    return {
      principalId: auth.userId,
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
      context: { userId: auth.userId, role: auth.role, familyId: auth.familyId, jti: auth.jti, sessionVersion: auth.sessionVersion, tokenExpiresAt: auth.tokenExpiresAt },
    };
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    logger.info('WebSocket connection refused', { reason: error.message });
    throw new Error('Unauthorized');
  }
};
