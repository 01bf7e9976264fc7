import * as z from 'zod';
import { cursorSchema, emailSchema, limitSchema, listOf, passwordSchema } from './common.js';
import { singleLineText } from './text.js';

export const roleSchema = z.enum(['customer', 'admin']);
export type Role = z.infer<typeof roleSchema>;

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: roleSchema,
    disabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'User' });

export const profileSchema = userSchema
  .pick({ id: true, email: true, name: true, role: true, createdAt: true })
  .meta({ id: 'Profile' });

const nameSchema = singleLineText().min(1).max(100);

export const registerBodySchema = z
  .object({ email: emailSchema, password: passwordSchema, name: nameSchema })
  .strict();

export const loginBodySchema = z
  .object({ email: emailSchema, password: z.string().min(1).max(1024) })
  .strict();

export const refreshBodySchema = z.object({ refreshToken: z.string().min(1).max(4096) }).strict();
export const forgotPasswordBodySchema = z.object({ email: emailSchema }).strict();
export const resetPasswordBodySchema = z
  .object({ token: z.string().min(1).max(512), password: passwordSchema })
  .strict();

export const sessionSchema = z
  .object({
    user: userSchema,
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int().describe('access token lifetime in seconds'),
  })
  .meta({ id: 'Session' });

/** PATCH /me's answer: the user, plus a fresh session when the password changed (every other one ended). */
export const updatedProfileSchema = userSchema
  .extend({
    accessToken: z.string().optional().describe('only after a password change: this device\'s new session'),
    refreshToken: z.string().optional(),
    expiresIn: z.number().int().optional(),
  })
  .meta({ id: 'UpdatedProfile' });

export const updateMeBodySchema = z
  .object({
    name: nameSchema.optional(),
    currentPassword: z.string().min(1).max(1024).optional(),
    newPassword: passwordSchema.optional(),
  })
  .strict()
  .refine((body) => body.newPassword === undefined || body.currentPassword !== undefined, {
    message: 'currentPassword is required to set newPassword',
    path: ['currentPassword'],
  });

export const userSortSchema = z.enum(['createdAt', '-createdAt', 'email', 'name']);
export type UserSort = z.infer<typeof userSortSchema>;

export const listUsersQuerySchema = z
  .object({
    limit: limitSchema,
    cursor: cursorSchema,
    search: singleLineText().min(1).max(100).optional(),
    sort: userSortSchema.default('-createdAt'),
    email: emailSchema.optional(),
  })
  .strict();

export const userListSchema = listOf(userSchema).meta({ id: 'UserList' });

export const updateUserBodySchema = z
  .object({ name: nameSchema.optional(), role: roleSchema.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'at least one field is required' });
