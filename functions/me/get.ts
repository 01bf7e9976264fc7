import { authRoutes } from '../../infra/routes/auth.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { getUserById } from '../../shared/users/user-repository.js';
import { toProfile } from '../../shared/users/user.js';

export const handler = httpHandler(authRoutes.getMe, async ({ auth }) => ok(toProfile(await getUserById(auth.userId))));
