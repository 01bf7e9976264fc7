/**
 * The shop's business settings on AWS. Functions read them from their environment (with the
 * catalogue's defaults, shared/config-catalogue.ts); `cdk deploy` passes the ones set in the
 * deploying shell to every function, so `MAX_UNPAID_ORDERS=5 npx cdk deploy` means the same as
 * `MAX_UNPAID_ORDERS=5 npm start`. The synth-time checks (reminder timings in
 * infra/schedules.ts) read the same environment, so what they check is what runs.
 */
import { ABUSE_LIMIT_VARIABLES } from '../shared/auth/abuse-limits.js';
import { checkConfiguration } from '../shared/config.js';
import type { ConfigName } from '../shared/config-catalogue.js';

export const SHOP_SETTINGS = [
  'SHOP_TIME_ZONE',
  'ACCESS_TOKEN_TTL_SECONDS',
  'REFRESH_TOKEN_TTL_SECONDS',
  'BCRYPT_COST',
  ...ABUSE_LIMIT_VARIABLES,
  'CART_HOLD_MINUTES',
  'MAX_UNPAID_ORDERS',
  'PAYMENT_WINDOW_MINUTES',
  'PAYMENT_REMINDER_MINUTES',
  'FULFILMENT_REMINDER_HOURS',
] as const satisfies readonly ConfigName[];

/** The shop settings set (non-empty) in `source`, checked against the catalogue: a bad one fails the synth, named. */
export function shopSettingsFrom(source: NodeJS.ProcessEnv): Record<string, string> {
  const settings = Object.fromEntries(SHOP_SETTINGS.flatMap((name) => (source[name] ? [[name, source[name]]] : [])));
  checkConfiguration(settings);
  return settings;
}
