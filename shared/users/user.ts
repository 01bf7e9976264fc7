import type { Role } from '../schemas/users.js';

/** A user as stored; `toPublicUser` is the only way it leaves the API. */
export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly passwordHash: string;
  /** Bumped to end every session at once (password reset). */
  readonly sessionVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export const toPublicUser = (user: UserRecord): PublicUser => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  disabled: user.disabled,
  createdAt: user.createdAt,
  updatedAt: user.updatedAt,
});

export const toProfile = (user: UserRecord) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  createdAt: user.createdAt,
});

/** Lower-cased name and email: what the admin search matches against. */
export const searchTextOf = (user: Pick<UserRecord, 'name' | 'email'>): string =>
  `${user.name} ${user.email}`.toLowerCase();

/** A user item as stored → the record the code works with. */
export function toUserRecord(item: Record<string, unknown>): UserRecord {
  return {
    id: item.id as string,
    email: item.email as string,
    name: item.name as string,
    role: item.role as Role,
    disabled: item.disabled === true,
    passwordHash: item.passwordHash as string,
    sessionVersion: (item.sessionVersion as number | undefined) ?? 0,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}
