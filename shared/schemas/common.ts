import * as z from 'zod';

export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
      requestId: z.string(),
    }),
  })
  .meta({ id: 'Error' });

export const idParamSchema = z.object({ id: z.string().min(1).max(64) }).strict();

export const limitSchema = z.coerce.number().int().min(1).max(100).default(20);
export const cursorSchema = z.string().min(1).max(2048).optional();

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** bcrypt only reads the first 72 bytes: a longer password would silently be truncated. */
export const passwordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .refine((value) => Buffer.byteLength(value, 'utf8') <= 72, 'must be at most 72 bytes (UTF-8)');

export const emailSchema = z.email().max(254).transform((value) => value.trim().toLowerCase());
