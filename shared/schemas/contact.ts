import * as z from 'zod';
import { cursorSchema, limitSchema, listOf } from './common.js';
import { multiLineText, singleLineText } from './text.js';

/** Control characters (newlines, tabs, NUL, ...) and lone surrogates have no place in one-line fields. */
const singleLine = (max: number) => singleLineText().min(1).max(max);

export const CONTACT_MESSAGE_MAX_LENGTH = 5000;

export const contactMessageSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    phone: z.string().optional(),
    message: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'ContactMessage' });

export const createContactMessageBodySchema = z
  .object({
    name: singleLine(100),
    // Trimmed and lower-cased before the format check, so ' Ann@Example.com ' is accepted.
    email: z.string().trim().toLowerCase().max(254).pipe(z.email()),
    phone: z
      .string()
      .trim()
      .max(32)
      // Permissive on purpose (formats differ by country): digits, spaces, + - ( ), and at
      // least 3 digits so '--' or '()' are not phone numbers.
      .regex(/^(?=(?:[^0-9]*[0-9]){3})[0-9 +()-]+$/, 'must be digits, spaces and + - ( ), with at least 3 digits')
      .optional(),
    message: multiLineText().min(1).max(CONTACT_MESSAGE_MAX_LENGTH),
  })
  .strict();

export const listContactMessagesQuerySchema = z
  .object({
    limit: limitSchema,
    cursor: cursorSchema,
    search: singleLine(100)
      .optional()
      .describe('case-insensitive substring of name, email, phone or message'),
  })
  .strict();

export const contactMessageListSchema = listOf(contactMessageSchema).meta({ id: 'ContactMessageList' });
