import * as z from 'zod';

/** The first and last instants whose ISO form is `YYYY-…Z`: stored timestamps sort as text only inside this span. */
const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An ISO 8601 date-time with an offset, whose UTC instant has a four-digit year. Without the
 * bound `9999-12-31T23:59:59-23:59` is year 10000 in UTC, `toISOString()` gives `+010000-…`,
 * which sorts before `2025-…`, and DynamoDB rejects the `BETWEEN` (a 500 the fuzz test found).
 */
export const instantSchema = z.iso.datetime({ offset: true }).refine(
  (value) => {
    const at = Date.parse(value);
    return at >= FIRST_INSTANT && at <= LAST_INSTANT;
  },
  { message: 'must fall between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z once converted to UTC' },
);

/**
 * The instants a `from`/`to` query covers, both inclusive: a date (`2025-01-31`) as `from`
 * starts at that day's midnight UTC, as `to` it includes that whole day; a date-time is that
 * instant. What the order listings and the export query (shared/orders/order-repository.ts).
 */
export function rangeBounds(range: { from?: string | undefined; to?: string | undefined }): { from?: number; to?: number } {
  const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);
  const from = range.from === undefined ? undefined : Date.parse(isDay(range.from) ? `${range.from}T00:00:00Z` : range.from);
  const to = range.to === undefined ? undefined : Date.parse(isDay(range.to) ? `${range.to}T23:59:59.999Z` : range.to);
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/** True when the range holds no instant: `to` before `from` (an inverted range is an empty one). */
export function isEmptyRange(range: { from?: string | undefined; to?: string | undefined }): boolean {
  const { from, to } = rangeBounds(range);
  return from !== undefined && to !== undefined && to < from;
}

/** zod refinement for every query with `from`/`to`: an empty or inverted range is a 400 VALIDATION_ERROR on `to`. */
export function refineRange(query: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (isEmptyRange(query)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from (the range would be empty)', input: query.to });
  }
}
