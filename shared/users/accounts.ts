/**
 * Account use cases: what the auth, profile and admin user handlers call. Registration lives
 * in registration.ts because it publishes events: functions that don't publish don't load SQS.
 */
import { limitPasswordCheck } from '../auth/abuse-limits.js';
import { claimLoginAttempt, clearLoginAttempts } from '../auth/lockout.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../auth/passwords.js';
import { revokeAccessToken, revokeFamily, startSession, type IssuedSession } from '../auth/sessions.js';
import type { AuthContext } from '../auth/authenticate.js';
import { ConflictError, EmailTakenError, InvalidCredentialsError } from '../errors.js';
import type { Role } from '../schemas/users.js';
import { changePassword, createUser, deleteUser, findUserByEmail, getUserById, updateUser, type UserChanges } from './user-repository.js';
import type { UserRecord } from './user.js';

export interface SignedIn {
  readonly user: UserRecord;
  readonly session: IssuedSession;
}

/**
 * Unknown email, wrong password and disabled account give one and the same answer, after the
 * same bcrypt work, and all count towards the lockout. Each check is claimed before bcrypt
 * runs (shared/auth/lockout.ts), so a burst gets at most 5 checks per window.
 */
export async function login(input: { email: string; password: string }): Promise<SignedIn> {
  const claim = await claimLoginAttempt(input.email);
  const user = await findUserByEmail(input.email);
  const valid = user ? await verifyPassword(input.password, user.passwordHash) : await burnPasswordCheck(input.password);
  if (!user || !valid || user.disabled) throw new InvalidCredentialsError();
  await clearLoginAttempts(claim);
  return { user, session: await startSession(user) };
}

export async function logout(auth: AuthContext): Promise<void> {
  await Promise.all([revokeAccessToken(auth.jti, auth.tokenExpiresAt), revokeFamily(auth.familyId)]);
}

/**
 * A new password ends every session of the user, this one included (the session version is
 * bumped); this request answers with a fresh session, so the device that changed it stays
 * signed in. The name is written after the password, so a refused password writes nothing.
 */
export async function updateOwnProfile(
  userId: string,
  changes: { name?: string | undefined; currentPassword?: string | undefined; newPassword?: string | undefined },
): Promise<{ user: UserRecord; session?: IssuedSession }> {
  let user = await getUserById(userId);
  let session: IssuedSession | undefined;
  if (changes.newPassword !== undefined) {
    if (!changes.currentPassword) throw new InvalidCredentialsError();
    await limitPasswordCheck(userId);
    if (!(await verifyPassword(changes.currentPassword, user.passwordHash))) {
      throw new InvalidCredentialsError();
    }
    user = await changePassword(user, await hashPassword(changes.newPassword));
    session = await startSession(user);
  }
  if (changes.name !== undefined) user = await updateUser(user, { name: changes.name });
  return session ? { user, session } : { user };
}

/** An admin may not lock themselves out: no self-demotion, self-disabling or self-deletion. */
export async function updateUserAsAdmin(
  actorId: string,
  targetId: string,
  changes: { name?: string | undefined; role?: Role | undefined; disabled?: boolean | undefined },
): Promise<UserRecord> {
  const user = await getUserById(targetId);
  if (actorId === targetId && ((changes.role !== undefined && changes.role !== 'admin') || changes.disabled === true)) {
    throw new ConflictError('Administrators cannot demote or disable themselves');
  }
  const update: UserChanges = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.role !== undefined ? { role: changes.role } : {}),
    ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
  };
  // A change that could leave the shop without an active admin is made only while the actor
  // still is one (checked in the same transaction: user-repository.ts).
  const removesAnAdmin = (changes.role !== undefined && changes.role !== 'admin') || changes.disabled === true;
  return updateUser(user, update, removesAnAdmin ? { asActiveAdmin: actorId } : {});
}

export async function deleteUserAsAdmin(actorId: string, targetId: string): Promise<void> {
  if (actorId === targetId) throw new ConflictError('Administrators cannot delete themselves');
  await deleteUser(await getUserById(targetId), { asActiveAdmin: actorId });
}

/** Seeds the first admin (local start and the deploy-time custom resource). Idempotent. */
export async function ensureAdmin(input: { email: string; password: string; name?: string }): Promise<UserRecord> {
  try {
    return await createUser({
      email: input.email,
      name: input.name ?? 'Administrator',
      passwordHash: await hashPassword(input.password),
      role: 'admin',
    });
  } catch (error) {
    if (!(error instanceof EmailTakenError)) throw error;
    const existing = (await findUserByEmail(input.email))!;
    return existing.role === 'admin' && !existing.disabled ? existing : updateUser(existing, { role: 'admin', disabled: false });
  }
}
