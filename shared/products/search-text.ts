/**
 * The normalised token field product search matches against: lower-case, accents removed,
 * anything but letters and digits turned into single spaces, padded with spaces so a query
 * token can be matched at word starts (` mug`) as well as inside words (`mug`).
 */
export function normalizeSearchText(...parts: readonly (string | null | undefined)[]): string {
  const text = parts
    .filter((part): part is string => Boolean(part))
    .join(' ')
    .normalize('NFKD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return text ? ` ${text} ` : '';
}

/** Query tokens; each must occur in the searchText (AND). */
export const searchTokens = (query: string): string[] => normalizeSearchText(query).trim().split(' ').filter(Boolean).slice(0, 5);
