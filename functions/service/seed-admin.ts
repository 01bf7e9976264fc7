import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod';
import { readEnv } from '../../shared/config.js';
import { logger } from '../../shared/logger.js';
import { ensureAdmin } from '../../shared/users/accounts.js';

const { ADMIN_EMAIL, ADMIN_PASSWORD } = readEnv(
  z.object({ ADMIN_EMAIL: z.email().transform((v) => v.toLowerCase()), ADMIN_PASSWORD: z.string().min(8) }),
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
