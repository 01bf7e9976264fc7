import { userRoutes } from '../../infra/routes/users.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { getUserById } from '../../shared/users/user-repository.js';
import { toPublicUser } from '../../shared/users/user.js';

export const handler = httpHandler(userRoutes.getUser, async ({ path }) => ok(toPublicUser(await getUserById(path.id))));
