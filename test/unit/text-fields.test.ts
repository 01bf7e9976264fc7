import { describe, expect, it } from 'vitest';
import { createContactMessageBodySchema } from '../../shared/schemas/contact.js';
import { changeStatusBodySchema, placeOrderBodySchema } from '../../shared/schemas/orders.js';
import { recordPaymentBodySchema, refundBodySchema } from '../../shared/schemas/payments.js';
import { createProductBodySchema, listProductsQuerySchema } from '../../shared/schemas/products.js';
import { updateShipmentBodySchema } from '../../shared/schemas/shipments.js';
import { multiLineText, singleLineText } from '../../shared/schemas/text.js';
import { listUsersQuerySchema, registerBodySchema, updateUserBodySchema } from '../../shared/schemas/users.js';

const messages = (result: { success: boolean; error?: { issues: { message: string }[] } }) => result.error?.issues.map((i) => i.message) ?? [];

describe('text fields (issue 11 item 6)', () => {
  const line = singleLineText().min(1).max(10);
  const text = multiLineText().min(1).max(50);

  it('single-line text refuses control characters, C1 included', () => {
    for (const bad of ['a\u0000b', 'a\nb', 'a\tb', 'a\rb', 'a\u001bb', 'a\u007fb', 'a\u0085b']) {
      expect(messages(line.safeParse(bad))).toEqual(['must not contain control characters']);
    }
  });

  it('refuses lone surrogates, high or low, anywhere; accepts a proper pair', () => {
    for (const bad of ['\uD800', 'a\uDC00', '\uDBFFa', 'x\uDFFF\uD800']) {
      expect(messages(line.safeParse(bad))).toContain('must not contain lone surrogates (invalid UTF-16)');
      expect(text.safeParse(bad).success).toBe(false);
    }
    expect(line.parse('😀 ok')).toBe('😀 ok');
  });

  it('stores text NFC-normalised and trimmed; lengths count after normalisation', () => {
    const decomposed = 'Rene\u0301e'; // e + combining acute
    expect(line.parse(`  ${decomposed} `)).toBe('Ren\u00e9e');
    expect(line.parse(decomposed)).toHaveLength(5);
    expect(singleLineText().max(5).safeParse('e\u0301e\u0301e\u0301e\u0301e\u0301').success).toBe(true);
  });

  it('messages keep newlines and tabs but refuse other control characters', () => {
    expect(text.parse('line one\nline two\r\n\tindented')).toBe('line one\nline two\r\n\tindented');
    expect(messages(text.safeParse('bell\u0007'))).toEqual(['must not contain control characters other than newlines and tabs']);
  });

  it('is what the request schemas use: user names, product fields, addresses, notes, contact messages, shipments', () => {
    const nul = 'Bad\u0000name';
    const lone = 'Bad\uD800name';
    expect(registerBodySchema.safeParse({ email: 'a@example.com', password: 'correct horse', name: nul }).success).toBe(false);
    expect(registerBodySchema.safeParse({ email: 'a@example.com', password: 'correct horse', name: lone }).success).toBe(false);
    expect(registerBodySchema.parse({ email: 'a@example.com', password: 'correct horse', name: 'Zo\u0065\u0308' }).name).toBe('Zo\u00eb');
    expect(updateUserBodySchema.safeParse({ name: 'two\nlines' }).success).toBe(false);
    expect(createProductBodySchema.safeParse({ name: lone, price: 100, stock: 1 }).success).toBe(false);
    expect(createProductBodySchema.parse({ name: 'Mug', description: 'Two\nlines', price: 100, stock: 1 }).description).toBe('Two\nlines');
    const address = { line1: '1 Main St', city: 'Paris', postalCode: '75001', country: 'fr' };
    expect(placeOrderBodySchema.safeParse({ shippingAddress: { ...address, city: 'Pa\u0000ris' } }).success).toBe(false);
    expect(changeStatusBodySchema.safeParse({ status: 'paid', note: lone }).success).toBe(false);
    expect(createContactMessageBodySchema.safeParse({ name: 'Ann', email: 'a@example.com', message: `hi ${lone}` }).success).toBe(false);
    expect(createContactMessageBodySchema.parse({ name: 'Ann', email: 'a@example.com', message: 'hi\nthere' }).message).toBe('hi\nthere');
    expect(updateShipmentBodySchema.safeParse({ checkpoint: { location: 'Hub\u0000', description: 'Arrived' } }).success).toBe(false);
  });

  it('covers money and search text too: refund reasons (they reach the customer\'s email), payment references, product and user searches', () => {
    expect(refundBodySchema.safeParse({ amount: 100, reason: 'bad\u0000reason' }).success).toBe(false);
    expect(refundBodySchema.safeParse({ amount: 100, reason: 'bad\uD800reason' }).success).toBe(false);
    expect(refundBodySchema.parse({ amount: 100, reason: ' Cafe\u0301 closed ' }).reason).toBe('Caf\u00e9 closed');
    expect(recordPaymentBodySchema.safeParse({ amount: 100, method: 'cash', reference: 'ref\u0007' }).success).toBe(false);
    expect(recordPaymentBodySchema.safeParse({ amount: 100, method: 'cash', reference: 'ref\uDFFF' }).success).toBe(false);
    expect(listProductsQuerySchema.safeParse({ search: 'mug\u0000' }).success).toBe(false);
    expect(listUsersQuerySchema.safeParse({ search: 'ann\u001b' }).success).toBe(false);
  });
});
