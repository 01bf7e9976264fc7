import { hashPassword } from '../auth/passwords.js';
import { startSession } from '../auth/sessions.js';
import { publishAfterCommit } from '../events/publish.js';
import type { SignedIn } from './accounts.js';
import { createUser } from './user-repository.js';

export async function registerAccount(input: { email: string; password: string; name: string }): Promise<SignedIn> {
  const user = await createUser({
    email: input.email,
    name: input.name,
    passwordHash: await hashPassword(input.password),
    role: 'customer',
  });
  const session = await startSession(user);
  await publishAfterCommit('user.registered', { userId: user.id, email: user.email, name: user.name });
  return { user, session };
}
