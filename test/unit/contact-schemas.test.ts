import { describe, expect, it } from 'vitest';
import { createContactMessageBodySchema, listContactMessagesQuerySchema } from '../../shared/schemas/contact.js';
import { searchTextOf } from '../../shared/contact/contact-message.js';

const valid = { name: 'Ann Smith', email: 'ann@example.com', message: 'Where is my order?' };

/** Field paths of the issues, as the pipeline reports them (without the `body.` prefix). */
function failures(value: unknown): string[] {
  const result = createContactMessageBodySchema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.map(String).join('.')],
  );
}

describe('POST /contact body', () => {
  it('accepts a minimal message and a full one, trimmed, with the email lower-cased', () => {
    expect(createContactMessageBodySchema.parse(valid)).toEqual(valid);
    expect(
      createContactMessageBodySchema.parse({
        name: '  Ann  ',
        email: '  Ann@Example.COM ',
        phone: ' +1 (555) 010-9999 ',
        message: '\n  Hello,\nline two  \n',
      }),
    ).toEqual({ name: 'Ann', email: 'ann@example.com', phone: '+1 (555) 010-9999', message: 'Hello,\nline two' });
  });

  it('requires name, email and message', () => {
    expect(failures({}).sort()).toEqual(['email', 'message', 'name']);
    expect(failures(undefined)).toEqual(['']);
  });

  it('name: 1..100 characters after trimming, one line', () => {
    expect(failures({ ...valid, name: '   ' })).toEqual(['name']);
    expect(failures({ ...valid, name: 'x'.repeat(100) })).toEqual([]);
    expect(failures({ ...valid, name: 'x'.repeat(101) })).toEqual(['name']);
    expect(failures({ ...valid, name: 'Ann\nSmith' })).toEqual(['name']);
    expect(failures({ ...valid, name: 42 })).toEqual(['name']);
  });

  it('email: a valid address of at most 254 characters', () => {
    expect(failures({ ...valid, email: 'not-an-email' })).toEqual(['email']);
    expect(failures({ ...valid, email: '' })).toEqual(['email']);
    const local = 'a'.repeat(64);
    const domain = `${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.com`;
    const longest = `${local}@${'e'.repeat(254 - local.length - domain.length - 2)}.${domain}`;
    expect(longest).toHaveLength(254);
    expect(failures({ ...valid, email: longest })).toEqual([]);
    expect(failures({ ...valid, email: `e${longest}` })).toEqual(['email']);
  });

  it('phone: optional; digits, spaces and + - ( ), at least 3 digits, at most 32 characters', () => {
    for (const phone of ['+44 20 7946 0958', '(555) 010-9999', '5550199', '+1-555-010-9999']) {
      expect(failures({ ...valid, phone }), phone).toEqual([]);
    }
    for (const phone of ['call me', '555-0199 ext. 2', '+1 555\n0199', '555.0199', '--', '', '1'.repeat(33), '<script>']) {
      expect(failures({ ...valid, phone }), phone).toEqual(['phone']);
    }
    expect(failures({ ...valid, phone: '1'.repeat(32) })).toEqual([]);
    expect(failures({ ...valid, phone: null })).toEqual(['phone']);
  });

  it('message: 1..5000 characters after trimming', () => {
    expect(failures({ ...valid, message: '' })).toEqual(['message']);
    expect(failures({ ...valid, message: ' \n\t ' })).toEqual(['message']);
    expect(failures({ ...valid, message: 'x'.repeat(5000) })).toEqual([]);
    expect(failures({ ...valid, message: 'x'.repeat(5001) })).toEqual(['message']);
  });

  it('rejects unknown fields (strict)', () => {
    expect(failures({ ...valid, id: 'mine', createdAt: '2020-01-01T00:00:00.000Z' }).sort()).toEqual(['createdAt', 'id']);
  });
});

describe('GET /contact query', () => {
  it('defaults limit to 20 and coerces it; 1..100 only', () => {
    expect(listContactMessagesQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(listContactMessagesQuerySchema.parse({ limit: '100' })).toEqual({ limit: 100 });
    for (const limit of ['0', '101', '2.5', 'ten']) {
      expect(listContactMessagesQuerySchema.safeParse({ limit }).success, limit).toBe(false);
    }
  });

  it('search is trimmed, 1..100 characters, one line; unknown parameters are refused', () => {
    expect(listContactMessagesQuerySchema.parse({ search: '  Ann ' })).toEqual({ limit: 20, search: 'Ann' });
    expect(listContactMessagesQuerySchema.safeParse({ search: ' ' }).success).toBe(false);
    expect(listContactMessagesQuerySchema.safeParse({ search: 'x'.repeat(101) }).success).toBe(false);
    expect(listContactMessagesQuerySchema.safeParse({ search: 'a\u001fb' }).success).toBe(false);
    expect(listContactMessagesQuerySchema.safeParse({ sort: 'name' }).success).toBe(false);
  });
});

describe('search text', () => {
  it('holds every field lower-cased, and the phone digits-only too, fields kept apart', () => {
    const text = searchTextOf({ name: 'Ann SMITH', email: 'ann@example.com', phone: '+1 (555) 010-99', message: 'Hello WORLD' });
    for (const needle of ['ann smith', 'ann@example.com', '(555) 010', '155501099', 'hello world']) {
      expect(text).toContain(needle);
    }
    // A search never matches across two fields: the separator is a control character, which
    // the search parameter refuses.
    expect(text).not.toContain('smithann');
    expect(text).not.toContain('smith ann');
    expect(searchTextOf({ name: 'A', email: 'a@b.co', message: 'm' })).not.toContain('undefined');
  });
});
