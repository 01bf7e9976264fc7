import { userRoutes } from '../../infra/routes/users.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { noContent } from '../../shared/http/responses.js';
import { deleteUserAsAdmin } from '../../shared/users/accounts.js';

export const handler = httpHandler(userRoutes.deleteUser, async ({ auth, path }) => {
  await deleteUserAsAdmin(auth.userId, path.id);
  return noContent();
});
