/**
 * The app's HMAC keys, all derived from one secret, read once at init (top-level await):
 * `JWT_SECRET` when set (local stack, tests), else the Secrets Manager secret that
 * `JWT_SECRET_ARN` names (on AWS; the value never sits in the function's environment).
 *
 * Rotation: the secret is either a plain string (one key, kid "k1") or JSON
 *
 *   {"current": {"kid": "k2", "secret": "…"}, "previous": {"kid": "k1", "secret": "…"}}
 *
 * Tokens are signed with `current` and carry its kid in the header; a token verifies with the
 * key its kid names, so during the overlap tokens of both keys verify. Tokens without a kid
 * (issued before kids existed) count as "k1". An unknown kid is a 401. On AWS the secret is
 * read again every 5 minutes and, at most every 30 s, when a token names an unknown kid, so
 * warm functions pick up a rotation without a deploy (README, "Secrets").
 *
 * Per kid, independent keys are derived per purpose, so a token or cursor signed for one
 * purpose can never verify as another. Cursors and rate-limit buckets use the key that was
 * current at init.
 */
import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { readSecret } from '../clients/secrets-manager.js';
import { readConfig } from '../config.js';
import { logger } from '../logger.js';

export type KeyPurpose = 'access-token' | 'refresh-token' | 'cursor' | 'rate-limit';

/** The kid of a plain-string secret, and of tokens that carry none. */
export const DEFAULT_KID = 'k1';
const RELOAD_AFTER_MS = 5 * 60_000;
const UNKNOWN_KID_RELOAD_AFTER_MS = 30_000;

const signingKeySchema = z.object({
  kid: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'kid: 1-64 of A-Z a-z 0-9 . _ -'),
  secret: z.string().min(32, 'secret must be at least 32 characters'),
});
const keyRingSchema = z
  .object({ current: signingKeySchema, previous: signingKeySchema.optional() })
  .refine((ring) => ring.previous?.kid !== ring.current.kid, 'previous.kid must differ from current.kid');

export type SigningKey = z.infer<typeof signingKeySchema>;
export interface KeyRing {
  readonly current: SigningKey;
  readonly previous?: SigningKey | undefined;
}

/** A plain string (one key, kid "k1") or `{"current": {kid, secret}, "previous"?: {kid, secret}}`. */
export function parseKeyRing(value: string): KeyRing {
  const text = value.trim();
  const invalid = (why: string) => new Error(`Invalid configuration: JWT secret: ${why}`);
  if (!text.startsWith('{')) {
    if (text.length < 32) throw invalid('must be at least 32 characters');
    return { current: { kid: DEFAULT_KID, secret: text } };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('not valid JSON');
  }
  const parsed = keyRingSchema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(secret)'}: ${issue.message}`).join('; '));
  return parsed.data;
}

/** Where the ring comes from: a fixed value, or a loader that reads the secret again. */
export interface KeySource {
  readonly load: () => Promise<string>;
  /** False for a plain value: nothing to reload. */
  readonly reloadable: boolean;
}

/** Keys of one ring plus reloading; exported for tests, the app uses the module's instance. */
export class KeyStore {
  private ring: KeyRing;
  private loadedAt: number;
  private reloading: Promise<void> | undefined;
  private readonly derived = new Map<string, Uint8Array>();

  private constructor(
    private readonly source: KeySource,
    ring: KeyRing,
    private readonly now: () => number,
  ) {
    this.ring = ring;
    this.loadedAt = now();
  }

  static async open(source: KeySource, now: () => number = Date.now): Promise<KeyStore> {
    return new KeyStore(source, parseKeyRing(await source.load()), now);
  }

  /** The kid that signs now. */
  get currentKid(): string {
    return this.ring.current.kid;
  }

  /** The derived key of `kid` (default: current) for `purpose`; undefined for an unknown kid. */
  keyFor(purpose: KeyPurpose, kid: string = this.ring.current.kid): Uint8Array | undefined {
    const signing = [this.ring.current, this.ring.previous].find((key) => key?.kid === kid);
    if (!signing) return undefined;
    const cacheKey = `${kid}\u0000${purpose}\u0000${signing.secret}`;
    let key = this.derived.get(cacheKey);
    if (!key) {
      key = new Uint8Array(createHmac('sha256', signing.secret).update(`order-management:${purpose}`).digest());
      this.derived.set(cacheKey, key);
    }
    return key;
  }

  /** Key to sign with now: the current key (after a periodic reload). */
  async signingKey(purpose: KeyPurpose): Promise<{ kid: string; key: Uint8Array }> {
    await this.reloadIfOlderThan(RELOAD_AFTER_MS);
    return { kid: this.ring.current.kid, key: this.keyFor(purpose)! };
  }

  /** Key a token with this kid must verify with; an unknown kid triggers one early reload. */
  async verificationKey(purpose: KeyPurpose, kid: string | undefined): Promise<Uint8Array | undefined> {
    await this.reloadIfOlderThan(RELOAD_AFTER_MS);
    const id = kid ?? DEFAULT_KID;
    const key = this.keyFor(purpose, id);
    if (key) return key;
    await this.reloadIfOlderThan(UNKNOWN_KID_RELOAD_AFTER_MS);
    return this.keyFor(purpose, id);
  }

  private async reloadIfOlderThan(ms: number): Promise<void> {
    if (!this.source.reloadable || this.now() - this.loadedAt < ms) return;
    this.reloading ??= (async () => {
      try {
        this.ring = parseKeyRing(await this.source.load());
      } catch (error) {
        // Keep signing and verifying with the keys we have; try again after the interval.
        logger.warn('JWT secret reload failed; keeping the loaded keys', { error });
      } finally {
        this.loadedAt = this.now();
        this.reloading = undefined;
      }
    })();
    await this.reloading;
  }
}

const env = readConfig(['JWT_SECRET', 'JWT_SECRET_ARN']);

/** JWT_SECRET (plain) wins; else the secret JWT_SECRET_ARN names. */
export function keySourceFromEnv(vars: { JWT_SECRET?: string | undefined; JWT_SECRET_ARN?: string | undefined }): KeySource {
  const plain = vars.JWT_SECRET;
  if (plain) return { load: async () => plain, reloadable: false };
  const secretId = vars.JWT_SECRET_ARN;
  if (secretId) return { load: () => readSecret(secretId, { fresh: true }), reloadable: true };
  throw new Error('Invalid configuration: JWT_SECRET or JWT_SECRET_ARN must be set');
}

/** Read at init: a cold start fails fast if the secret is missing or malformed. */
export const keyStore = await KeyStore.open(keySourceFromEnv(env));

/** The `purpose` key of the kid that was current at init (cursors, rate-limit buckets). */
export function deriveKey(purpose: KeyPurpose): Uint8Array {
  return keyStore.keyFor(purpose)!;
}
