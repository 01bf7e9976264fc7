import { authRoutes } from '../../infra/routes/auth.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { updatedProfileResult } from '../../shared/http/session-response.js';
import { updateOwnProfile } from '../../shared/users/accounts.js';

export const handler = httpHandler(authRoutes.updateMe, async ({ auth, body }) => updatedProfileResult(await updateOwnProfile(auth.userId, body)));
