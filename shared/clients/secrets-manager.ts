/**
 * Secrets at runtime. Functions get a secret's ARN (or name) in `<NAME>_ARN`, never its
 * value, and an IAM grant for GetSecretValue on exactly that secret; they read it at init
 * (top-level await in the config module that needs it), once per execution environment.
 * Locally and in tests the plain `<NAME>` variable is set and no AWS call is made.
 *
 * The plain SDK client, not Powertools Parameters: +14 KiB minified per bundle against +20 KiB
 * (Parameters wraps this same client; README, "Secrets").
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Built on first use; the endpoint comes from AWS_ENDPOINT_URL_SECRETS_MANAGER when set. */
let client: SecretsManagerClient | undefined;
const cache = new Map<string, Promise<string>>();

/**
 * The string value of a secret, cached per secret id. `fresh` reads it again (key rotation).
 * A failed read is not cached.
 */
export function readSecret(secretId: string, options: { fresh?: boolean } = {}): Promise<string> {
  const cached = cache.get(secretId);
  if (cached && !options.fresh) return cached;
  client ??= new SecretsManagerClient({});
  const value = client.send(new GetSecretValueCommand({ SecretId: secretId })).then((output) => {
    if (output.SecretString === undefined) throw new Error(`Secret ${secretId} has no string value`);
    return output.SecretString;
  });
  cache.set(secretId, value);
  value.catch(() => {
    if (cache.get(secretId) === value) cache.delete(secretId);
  });
  return value;
}

/**
 * A secret configuration value: the plain variable `name` when set (local stack, tests),
 * else the secret named by `<name>_ARN`, else undefined.
 */
export async function secretFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const plain = env[name]?.trim();
  if (plain) return plain;
  const secretId = env[`${name}_ARN`]?.trim();
  return secretId ? readSecret(secretId) : undefined;
}
