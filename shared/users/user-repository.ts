/**
 * Users in the single table.
 *
 *   user         pk USER#<id>     sk PROFILE  gsi1 USERS#<shard> / <createdAt>#<id>   gsi2 USERS#<shard> / N#<lower name>#<id>
 *   email claim  pk EMAIL#<email> sk EMAIL    gsi2 USERS#<shard> / E#<email>
 *
 * Every registration writes the user lists, so they are write-sharded by user id
 * (shared/write-shards.ts); admin listings merge the 16 shards (queryShards):
 *   sort createdAt / -createdAt → gsi1 USERS#0..15 (forward / backward)
 *   sort name                    → gsi2 USERS#0..15, sk from N#
 *   sort email                   → gsi2 USERS#0..15, sk from E# (claims), then BatchGet the users
 *   email=<exact>                → GetItem on the claim, then GetItem on the user
 *   search                       → the chosen sort's queries with contains(searchText) as a
 *                                  filter, bounded reads per page
 * The claim is what makes emails unique: it is written in the same transaction as the user,
 * conditioned on not existing.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { batchGetInOrder } from '../batch-get.js';
import { db, tableName } from '../clients/dynamodb.js';
import { transactWrite, writeRetryingConflicts, type TransactItems } from '../transactions.js';
import { cancellationReasons, isConditionFailure } from '../dynamo-errors.js';
import { ConflictError, EmailTakenError, NotFoundError } from '../errors.js';
import { queryShards, type Page } from '../pagination.js';
import { allShards, shardedPartition } from '../write-shards.js';
import type { Role, UserSort } from '../schemas/users.js';
import { emailKey, findUserByEmail, findUserById } from './find-user.js';
import { searchTextOf, toUserRecord, type UserRecord } from './user.js';

const userKey = (id: string) => ({ pk: `USER#${id}`, sk: 'PROFILE' });
const nameSortKey = (name: string, id: string) => `N#${name.toLowerCase()}#${id}`;
const usersPartition = (userId: string) => shardedPartition('USERS', userId);
const ALL_USERS_PARTITIONS = allShards('USERS');

export async function createUser(input: { email: string; name: string; passwordHash: string; role: Role }): Promise<UserRecord> {
  const now = new Date().toISOString();
  const user: UserRecord = { id: ulid(), ...input, disabled: false, sessionVersion: 0, createdAt: now, updatedAt: now };
  try {
    await transactWrite([
      {
        Put: {
          TableName: tableName,
          Item: { ...emailKey(user.email), userId: user.id, gsi2pk: usersPartition(user.id), gsi2sk: `E#${user.email}`, searchText: searchTextOf(user) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: tableName,
          Item: {
            ...userKey(user.id),
            ...user,
            type: 'user',
            gsi1pk: usersPartition(user.id),
            gsi1sk: `${user.createdAt}#${user.id}`,
            gsi2pk: usersPartition(user.id),
            gsi2sk: nameSortKey(user.name, user.id),
            searchText: searchTextOf(user),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  } catch (error) {
    if (cancellationReasons(error)?.[0] === 'ConditionalCheckFailed') throw new EmailTakenError();
    throw error;
  }
  return user;
}

// Kept apart (find-user.ts) so readers of one user don't load this module's pagination and key.
export { findUserByEmail, findUserById };

/** Several users by id in BatchGets (name and email only); missing (deleted) users are absent. */
export async function findUserContacts(ids: readonly string[]): Promise<Map<string, { name: string; email: string }>> {
  const unique = [...new Set(ids)];
  const { items } = await batchGetInOrder(unique.map(userKey), ['id', 'name', 'email']);
  return new Map(items.map((item) => [item.id as string, { name: item.name as string, email: item.email as string }]));
}

export async function getUserById(id: string): Promise<UserRecord> {
  const user = await findUserById(id);
  if (!user) throw new NotFoundError('User');
  return user;
}


export interface UserChanges {
  readonly name?: string;
  readonly role?: Role;
  readonly disabled?: boolean;
  readonly passwordHash?: string;
}

/**
 * Applies known fields only: the update expression is built from this fixed list, never from
 * request keys. A name change also updates the claim's search text, in one transaction.
 */
/**
 * The shop always keeps an active admin. An admin change that can take one away (demoting,
 * disabling, deleting a user) is made only by an admin to another user, and is written in one
 * transaction with a check that the acting admin is still an active admin: whatever runs at
 * the same moment, the last committed change leaves at least its actor. Two admins demoting
 * or deleting each other at once conflict on each other's items; exactly one wins.
 */
const actorStillAdmin = (actorId: string) => ({
  ConditionCheck: {
    TableName: tableName,
    Key: userKey(actorId),
    ConditionExpression: '#role = :admin AND disabled = :false',
    ExpressionAttributeNames: { '#role': 'role' },
    ExpressionAttributeValues: { ':admin': 'admin', ':false': false },
  },
});

/** For `beforeRetry`: once the actor is no longer an active admin, stop retrying and answer 409. */
const assertStillAdmin = (actorId: string) => async () => {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: userKey(actorId), ConsistentRead: true }));
  if (Item?.role !== 'admin' || Item.disabled === true) throw new NotAnActiveAdminError();
};

export class NotAnActiveAdminError extends ConflictError {
  constructor() {
    super('You are no longer an active administrator (the shop keeps at least one); nothing was changed');
  }
}

export interface UserWriteOptions {
  /** An admin's id: the write happens only if this user is still an active admin at that moment. */
  readonly asActiveAdmin?: string;
}

export async function updateUser(user: UserRecord, changes: UserChanges, options: UserWriteOptions = {}): Promise<UserRecord> {
  const now = new Date().toISOString();
  const next: UserRecord = { ...user, ...stripUndefined(changes), updatedAt: now };
  // Only the fields that change are written, so concurrent edits of other fields survive.
  const assignments: [string, string, unknown][] = [['updatedAt', ':updatedAt', now]];
  if (changes.name !== undefined) {
    assignments.push(['#name', ':name', next.name], ['gsi2sk', ':nameSort', nameSortKey(next.name, user.id)], ['searchText', ':searchText', searchTextOf(next)]);
  }
  if (changes.role !== undefined) assignments.push(['#role', ':role', next.role]);
  if (changes.disabled !== undefined) assignments.push(['disabled', ':disabled', next.disabled]);
  if (changes.passwordHash !== undefined) assignments.push(['passwordHash', ':passwordHash', next.passwordHash]);
  const names: Record<string, string> = {};
  if (changes.name !== undefined) names['#name'] = 'name';
  if (changes.role !== undefined) names['#role'] = 'role';
  // Disabling ends every session: re-enabling later must not revive tokens issued before.
  const endSessions = changes.disabled === true;
  const values: Record<string, unknown> = Object.fromEntries(assignments.map(([, placeholder, value]) => [placeholder, value]));
  if (endSessions) values[':one'] = 1;
  const update = {
    TableName: tableName,
    Key: userKey(user.id),
    UpdateExpression: `SET ${assignments.map(([attribute, placeholder]) => `${attribute} = ${placeholder}`).join(', ')}${endSessions ? ' ADD sessionVersion :one' : ''}`,
    ConditionExpression: 'attribute_exists(pk)',
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
  };
  if (endSessions) (next as { sessionVersion: number }).sessionVersion = user.sessionVersion + 1;
  const items: TransactItems = [{ Update: update }];
  if (next.name !== user.name) {
    items.push({
      Update: {
        TableName: tableName,
        Key: emailKey(user.email),
        UpdateExpression: 'SET searchText = :searchText',
        ConditionExpression: 'userId = :id',
        ExpressionAttributeValues: { ':searchText': searchTextOf(next), ':id': user.id },
      },
    });
  }
  if (options.asActiveAdmin !== undefined) items.push(actorStillAdmin(options.asActiveAdmin));
  try {
    // The profile is ConditionChecked by checkouts in flight (shared/auth/pending-session.ts).
    if (items.length === 1) await writeRetryingConflicts(() => db.send(new UpdateCommand(update)));
    else await transactWrite(items, options.asActiveAdmin !== undefined ? { beforeRetry: assertStillAdmin(options.asActiveAdmin) } : {});
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (options.asActiveAdmin !== undefined && reasons?.[items.length - 1] === 'ConditionalCheckFailed') throw new NotAnActiveAdminError();
    if (isConditionFailure(error) || reasons?.includes('ConditionalCheckFailed')) throw new NotFoundError('User');
    throw error;
  }
  return next;
}

/**
 * Sets a new password and ends every session at once (`ADD sessionVersion 1`: tokens carry the
 * version they were issued under, and outstanding reset links name it too), conditioned on the
 * password being the one the caller just verified: of two concurrent changes, one wins and
 * the other is a 409. Returns the user as stored now (with the new session version).
 */
export async function changePassword(user: UserRecord, passwordHash: string): Promise<UserRecord> {
  try {
    const { Attributes } = await writeRetryingConflicts(() => db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: userKey(user.id),
        UpdateExpression: 'SET passwordHash = :hash, updatedAt = :now ADD sessionVersion :one',
        ConditionExpression: 'passwordHash = :verified',
        ExpressionAttributeValues: { ':hash': passwordHash, ':verified': user.passwordHash, ':now': new Date().toISOString(), ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    ));
    return toUserRecord(Attributes!);
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError('The password was changed by another request; sign in again');
    throw error;
  }
}

/** Ends every session of the user at once: tokens carry the version they were issued under. */
export async function bumpSessionVersion(userId: string): Promise<void> {
  await writeRetryingConflicts(() => db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: userKey(userId),
      UpdateExpression: 'ADD sessionVersion :one SET updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1, ':now': new Date().toISOString() },
    }),
  ));
}

export async function deleteUser(user: UserRecord, options: UserWriteOptions = {}): Promise<void> {
  try {
    await transactWrite([
      { Delete: { TableName: tableName, Key: userKey(user.id), ConditionExpression: 'attribute_exists(pk)' } },
      { Delete: { TableName: tableName, Key: emailKey(user.email), ConditionExpression: 'userId = :id', ExpressionAttributeValues: { ':id': user.id } } },
      ...(options.asActiveAdmin !== undefined ? [actorStillAdmin(options.asActiveAdmin)] : []),
    ], options.asActiveAdmin !== undefined ? { beforeRetry: assertStillAdmin(options.asActiveAdmin) } : {});
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (options.asActiveAdmin !== undefined && reasons?.[2] === 'ConditionalCheckFailed') throw new NotAnActiveAdminError();
    if (reasons?.includes('ConditionalCheckFailed')) throw new NotFoundError('User');
    throw error;
  }
}

export interface ListUsersInput {
  readonly limit: number;
  readonly cursor?: string | undefined;
  readonly sort: UserSort;
  readonly search?: string | undefined;
}

export async function listUsers(input: ListUsersInput): Promise<Page<UserRecord>> {
  const { sort, search, limit, cursor } = input;
  const common = {
    limit,
    cursor,
    scope: `users:${sort}:${search?.toLowerCase() ?? ''}`,
    ...(search ? { filter: { expression: 'contains(searchText, :search)', values: { ':search': search.toLowerCase() } } } : {}),
  };
  if (sort === 'createdAt' || sort === '-createdAt') {
    const page = await queryShards({ index: 'gsi1', partitions: ALL_USERS_PARTITIONS, descending: sort === '-createdAt', ...common });
    return { ...page, items: page.items.map(toUserRecord) };
  }
  const prefix = sort === 'name' ? 'N#' : 'E#';
  // The highest code point closes the prefix range (sort keys compare as UTF-8 bytes).
  const page = await queryShards({ index: 'gsi2', partitions: ALL_USERS_PARTITIONS, from: prefix, to: `${prefix}\u{10FFFF}`, descending: false, ...common });
  if (sort === 'name') return { ...page, items: page.items.map(toUserRecord) };
  const users = await batchGetInOrder(page.items.map((claim) => userKey(claim.userId as string)));
  return { ...page, reads: page.reads + users.calls, items: users.items.map(toUserRecord) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
