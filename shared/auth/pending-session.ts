import { batchGetInOrder } from '../batch-get.js';
import { tableName } from '../clients/dynamodb.js';
import { UnauthorizedError } from '../errors.js';
import type { TransactionCancelled, TransactItems } from '../transactions.js';
import type { AuthContext } from './authenticate.js';
import { authFromSessionItems, sessionKeys } from './session-state.js';
import type { TokenClaims } from './tokens.js';

type Key = { pk: string; sk: string };

/**
 * A verified access token whose session (user, denial record, family) is not looked up on
 * its own: the lookup joins the request's first read (the keys ride in its strongly consistent
 * BatchGetItem), which comes before anything is written, or its transaction (as ConditionChecks:
 * nothing is written unless the session stands). Routes with `sessionLookup: 'joined'`
 * get one (shared/auth/authenticate.ts `pendingSession`) instead of an AuthContext; the HTTP
 * pipeline looks the session up itself before any answer leaves while it is still
 * unconfirmed (a handler that read nothing, or an error answer), so a revoked token never gets
 * anything but a 401.
 */
export class PendingSession {
  #auth: AuthContext | undefined;
  #committed = false;

  constructor(readonly claims: TokenClaims) {}

  get userId(): string {
    return this.claims.userId;
  }

  get confirmed(): boolean {
    return this.#auth !== undefined || this.#committed;
  }

  /** The keys to add to a strongly consistent read; none once confirmed. */
  get keys(): Key[] {
    return this.confirmed ? [] : sessionKeys(this.claims);
  }

  /**
   * Confirms the session from a strongly consistent read that included `keys` (or throws 401),
   * and returns the read's other items.
   */
  takeFrom<T extends Record<string, unknown>>(items: readonly T[]): T[] {
    if (this.confirmed) return [...items];
    const ownKeys = new Set(sessionKeys(this.claims).map((key) => `${key.pk}|${key.sk}`));
    const own = items.filter((item) => ownKeys.has(`${item.pk}|${item.sk}`));
    this.#auth = authFromSessionItems(this.claims, own, 'user');
    return items.filter((item) => !ownKeys.has(`${item.pk}|${item.sk}`));
  }

  /**
   * ConditionChecks that hold exactly when `authFromSessionItems` would accept the session
   * (user present, not disabled, same session version; token not denied; family present and
   * not revoked); none once confirmed. Appended to a transaction, they make its writes happen
   * only for a standing session: call `committed()` after it succeeds, `refusal()` when it is
   * cancelled. Their items take part in the transaction, so single writes to them meanwhile
   * (logout, refresh, profile changes) are retried on TransactionConflict.
   */
  conditionChecks(): TransactItems {
    if (this.confirmed) return [];
    const [user, denied, family] = sessionKeys(this.claims);
    const version = this.claims.sessionVersion;
    return [
      {
        ConditionCheck: {
          TableName: tableName,
          Key: user,
          ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(disabled) OR disabled <> :true) AND ${
            version === 0 ? '(attribute_not_exists(sessionVersion) OR sessionVersion = :version)' : 'sessionVersion = :version'
          }`,
          ExpressionAttributeValues: { ':true': true, ':version': version },
        },
      },
      { ConditionCheck: { TableName: tableName, Key: denied, ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        ConditionCheck: {
          TableName: tableName,
          Key: family,
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(revoked) OR revoked <> :true)',
          ExpressionAttributeValues: { ':true': true },
        },
      },
    ];
  }

  /** A transaction carrying `conditionChecks()` committed: the session stood. */
  committed(): void {
    this.#committed = true;
  }

  /** The 401 when one of the ConditionChecks, appended at `from`, failed in this cancelled transaction. */
  refusal(cancelled: TransactionCancelled, from: number): UnauthorizedError | undefined {
    if (this.confirmed) return undefined;
    return [0, 1, 2].some((offset) => cancelled.failedAt(from + offset)) ? new UnauthorizedError('The session has ended') : undefined;
  }

  /** The lookup on its own (one BatchGetItem), when nothing joined it. */
  async confirm(): Promise<void> {
    if (this.confirmed) return;
    await readJoined(this, []);
  }
}

/**
 * One strongly consistent BatchGetItem of `keys` plus the session's keys: confirms the session
 * (or throws 401) and returns the items of `keys` in their order.
 */
export async function readJoined(session: PendingSession | undefined, keys: readonly Key[], options: { consistent?: boolean } = {}): Promise<Record<string, unknown>[]> {
  const sessionPart = session?.keys ?? [];
  const { items } = await batchGetInOrder([...keys, ...sessionPart], undefined, { consistent: options.consistent === true || sessionPart.length > 0 });
  return session ? session.takeFrom(items) : items;
}
