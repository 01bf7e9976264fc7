/** A contact message as stored; `toPublicContactMessage` is the only way it leaves the API. */
export interface ContactMessageRecord {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly phone?: string;
  readonly message: string;
  readonly createdAt: string;
}

export interface PublicContactMessage {
  id: string;
  name: string;
  email: string;
  phone?: string;
  message: string;
  createdAt: string;
}

export const toPublicContactMessage = (record: ContactMessageRecord): PublicContactMessage => ({
  id: record.id,
  name: record.name,
  email: record.email,
  ...(record.phone !== undefined ? { phone: record.phone } : {}),
  message: record.message,
  createdAt: record.createdAt,
});

/**
 * U+001F between fields: the search schema refuses control characters, so a search can never
 * match across two fields. The phone also goes in digits-only, so `5551234` finds
 * `+1 (555) 123-4`.
 */
const FIELD_SEPARATOR = '\u001f';

/** Lower-cased name, email, phone and message: what the admin search matches against. */
export const searchTextOf = (record: Pick<ContactMessageRecord, 'name' | 'email' | 'phone' | 'message'>): string =>
  [record.name, record.email, record.phone ?? '', record.phone?.replace(/\D/g, '') ?? '', record.message]
    .join(FIELD_SEPARATOR)
    .toLowerCase();
