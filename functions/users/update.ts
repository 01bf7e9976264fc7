import { userRoutes } from '../../infra/routes/users.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { updateUserAsAdmin } from '../../shared/users/accounts.js';
import { toPublicUser } from '../../shared/users/user.js';

export const handler = httpHandler(userRoutes.updateUser, async ({ auth, path, body }) =>
  ok(toPublicUser(await updateUserAsAdmin(auth.userId, path.id, body))),
);
