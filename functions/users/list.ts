import { userRoutes } from '../../infra/routes/users.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';
import { findUserByEmail, listUsers } from '../../shared/users/user-repository.js';
import { toPublicUser } from '../../shared/users/user.js';

export const handler = httpHandler(userRoutes.listUsers, async ({ query }) => {
  if (query.email !== undefined) {
    const user = await findUserByEmail(query.email);
    return ok({ items: user ? [toPublicUser(user)] : [], nextCursor: null });
  }
  const page = await listUsers(query);
  return ok({ items: page.items.map(toPublicUser), nextCursor: page.nextCursor });
});
