/**
 * The shop's business settings on AWS. Functions read them from their environment (with the
 * catalogue's defaults, shared/config-catalogue.ts); `cdk deploy` passes the ones set in the
 * deploying shell to every function, so `MAX_UNPAID_ORDERS=5 npx cdk deploy` means the same as
 * `MAX_UNPAID_ORDERS=5 npm start`. The synth-time checks (reminder timings in
 * infra/schedules.ts) read the same environment, so what they check is what runs.
 */
import { checkConfiguration } from '../shared/config.js';
import { configCatalogue, type ConfigName } from '../shared/config-catalogue.js';

/** The abuse limits (shared/auth/abuse-limits.ts), by their catalogue names: that module reaches DynamoDB at import. */
const ABUSE_LIMITS = (Object.keys(configCatalogue) as ConfigName[]).filter((name) => name.startsWith('RATE_LIMIT_'));

export const SHOP_SETTINGS = [
  'SHOP_TIME_ZONE',
  'ACCESS_TOKEN_TTL_SECONDS',
  'REFRESH_TOKEN_TTL_SECONDS',
  'BCRYPT_COST',
  ...ABUSE_LIMITS,
  'CART_HOLD_MINUTES',
  'MAX_UNPAID_ORDERS',
  'PAYMENT_WINDOW_MINUTES',
  'PAYMENT_REMINDER_MINUTES',
  'FULFILMENT_REMINDER_HOURS',
] satisfies readonly ConfigName[];

/** The shop settings set (non-empty) in `source`, checked against the catalogue: a bad one fails the synth, named. */
export function shopSettingsFrom(source: NodeJS.ProcessEnv): Record<string, string> {
  const settings = Object.fromEntries(SHOP_SETTINGS.flatMap((name) => (source[name] ? [[name, source[name]]] : [])));
  checkConfiguration(settings);
  return settings;
}
