/**
 * Amounts are integers in the currency's minor unit, as Stripe counts them: cents for USD,
 * yen for JPY (no minor unit), fils for KWD (three digits). These turn them back into money.
 */

/** How many minor-unit digits the currency has (ISO 4217, as Intl knows it): usd 2, jpy 0, kwd 3. */
export const minorUnitDigits = (currency: string): number =>
  new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).resolvedOptions().maximumFractionDigits ?? 2;

/** Minor units → a plain decimal in major units: 2500 usd → `25.00`, 2500 jpy → `2500`. */
export function majorUnits(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  if (digits === 0) return `${sign}${abs}`;
  const scale = 10 ** digits;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(digits, '0')}`;
}

/** Minor units → money for people: 2500 usd → `$25.00`, 2500 jpy → `¥2,500`. */
export const formatMoney = (amount: number, currency: string): string =>
  new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).format(amount / 10 ** minorUnitDigits(currency));
