import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { ok } from '../../shared/http/responses.js';
import { updateOwnProfile } from '../../shared/users/accounts.js';
import { toPublicUser } from '../../shared/users/user.js';

export const handler = httpHandler(routes.updateMe, async ({ auth, body }) =>
  ok(toPublicUser(await updateOwnProfile(auth.userId, body))),
);
