import {
  forgotPasswordBodySchema,
  loginBodySchema,
  profileSchema,
  refreshBodySchema,
  registerBodySchema,
  resetPasswordBodySchema,
  sessionSchema,
  updateMeBodySchema,
  updatedProfileSchema,
} from '../../shared/schemas/users.js';
import type { RouteDefinition } from '../route-types.js';

export const authRoutes = {
  register: {
    method: 'POST', path: '/auth/register', handler: 'functions/auth/register.ts', auth: 'public',
    // The abuse-limit counters, the email claim and the user (one transaction), the new session family.
    access: { table: { mode: 'write', keys: ['RATE#*', 'EMAIL#*', 'USER#*', 'SESSION#*'] }, sendTo: ['orderEvents'] },
    summary: 'Create a customer account (per-IP and per-email limits)',
    tag: 'Auth', errors: [409, 429],
    schemas: { body: registerBodySchema, response: { status: 201, schema: sessionSchema } },
  },
  login: {
    method: 'POST', path: '/auth/login', handler: 'functions/auth/login.ts', auth: 'public',
    // The per-IP counter, the lockout counter, the email claim, the user, the new session family.
    access: { table: { mode: 'write', keys: ['RATE#*', 'LOGIN#*', 'EMAIL#*', 'USER#*', 'SESSION#*'] } },
    summary: 'Sign in (at most 5 password checks per account per 15 min; per-IP limit)',
    tag: 'Auth', errors: [401, 429],
    schemas: { body: loginBodySchema, response: { status: 200, schema: sessionSchema } },
  },
  refresh: {
    method: 'POST', path: '/auth/refresh', handler: 'functions/auth/refresh.ts', auth: 'public',
    // The user (session version), the session family (rotated, or revoked on reuse).
    access: { table: { mode: 'write', keys: ['USER#*', 'SESSION#*'] } }, summary: 'Rotate the refresh token', tag: 'Auth', errors: [401],
    schemas: { body: refreshBodySchema, response: { status: 200, schema: sessionSchema } },
  },
  logout: {
    method: 'POST', path: '/auth/logout', handler: 'functions/auth/logout.ts', auth: 'user',
    // The token's denial record and its session family (plus the pipeline's AUTHENTICATION_KEYS).
    access: { table: { mode: 'write', keys: ['REVOKED#*', 'SESSION#*'] } }, summary: 'Revoke this access token and its session family',
    tag: 'Auth', schemas: { response: { status: 204 } },
  },
  forgotPassword: {
    method: 'POST', path: '/auth/password/forgot', handler: 'functions/auth/forgot-password.ts',
    // The abuse-limit counters only: the order-events processor looks the email up and stores the token.
    auth: 'public', access: { table: { mode: 'write', keys: ['RATE#*'] }, sendTo: ['orderEvents'] },
    summary: 'Email a password reset link (202 for any email, the same work for each; per-IP and per-email limits)', tag: 'Auth', errors: [429],
    schemas: { body: forgotPasswordBodySchema, response: { status: 202 } },
  },
  resetPassword: {
    method: 'POST', path: '/auth/password/reset', handler: 'functions/auth/reset-password.ts',
    // The per-IP and per-account counters, the reset token (read, then deleted with the user's password update in one transaction).
    auth: 'public', access: { table: { mode: 'write', keys: ['RATE#*', 'RESET#*', 'USER#*'] } },
    summary: 'Set a new password with a reset token; revokes all sessions and every other reset link (per-IP and per-account limits)', tag: 'Auth',
    errors: [400, 429],
    schemas: { body: resetPasswordBodySchema, response: { status: 204 } },
  },
  getMe: {
    method: 'GET', path: '/me', handler: 'functions/me/get.ts', auth: 'user',
    access: { table: { mode: 'read', keys: ['USER#*'] } }, summary: 'The signed-in user', tag: 'Profile',
    schemas: { response: { status: 200, schema: profileSchema } },
  },
  updateMe: {
    method: 'PATCH', path: '/me', handler: 'functions/me/update.ts', auth: 'user',
    // The user, its email claim's search text when the name changes, and after a new password
    // (which ends every session) this device's new session family.
    // The per-user counter of currentPassword checks.
    access: { table: { mode: 'write', keys: ['USER#*', 'EMAIL#*', 'SESSION#*', 'RATE#*'] } },
    summary: 'Change name or password (a new password ends every other session; this one gets fresh tokens)', tag: 'Profile', errors: [401, 409, 429],
    schemas: { body: updateMeBodySchema, response: { status: 200, schema: updatedProfileSchema } },
  },
} as const satisfies Record<string, RouteDefinition>;
