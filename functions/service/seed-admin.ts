import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod';
import { secretFromEnv } from '../../shared/clients/secrets-manager.js';
import { readEnv } from '../../shared/config.js';
import { logger } from '../../shared/logger.js';
import { ensureAdmin } from '../../shared/users/accounts.js';

/**
 * ADMIN_PASSWORD locally; on AWS the generated secret ADMIN_PASSWORD_ARN names, read at init
 * (never in the function's environment).
 */
const { ADMIN_EMAIL, ADMIN_PASSWORD } = readEnv(
  z.object({ ADMIN_EMAIL: z.email().transform((v) => v.toLowerCase()), ADMIN_PASSWORD: z.string().min(8) }),
  { ADMIN_EMAIL: process.env.ADMIN_EMAIL, ADMIN_PASSWORD: await secretFromEnv('ADMIN_PASSWORD') },
);

/**
 * CloudFormation custom resource (via cr.Provider): seeds the first admin on create and
 * update. Deleting the stack leaves users alone: the table may be retained.
 */
export const handler = async (event: CloudFormationCustomResourceEvent) => {
  if (event.RequestType !== 'Delete') {
    const admin = await ensureAdmin({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    logger.info('admin ensured', { userId: admin.id });
  }
  return { PhysicalResourceId: `admin-${ADMIN_EMAIL}` };
};
