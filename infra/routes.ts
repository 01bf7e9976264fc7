/**
 * The one route table. The CDK stack makes one Lambda + API route per entry, the local
 * gateway mounts the same handlers, the HTTP pipeline reads `auth` and `schemas` from here,
 * and /openapi.json is generated from it. Adding a route means adding it here.
 *
 * Plain data (plus zod schemas): no CDK imports, because Lambda bundles import it too.
 */
import { idParamSchema } from '../shared/schemas/common.js';
import { healthSchema, openApiDocumentSchema } from '../shared/schemas/service.js';
import {
  forgotPasswordBodySchema,
  listUsersQuerySchema,
  loginBodySchema,
  profileSchema,
  refreshBodySchema,
  registerBodySchema,
  resetPasswordBodySchema,
  sessionSchema,
  updateMeBodySchema,
  updateUserBodySchema,
  userListSchema,
  userSchema,
} from '../shared/schemas/users.js';
import type { RouteDefinition } from './route-types.js';

export const routes = {
  health: {
    method: 'GET', path: '/health', handler: 'functions/service/health.ts', auth: 'public',
    access: {}, summary: 'Liveness check', tag: 'Service',
    schemas: { response: { status: 200, schema: healthSchema } },
  },
  openApi: {
    method: 'GET', path: '/openapi.json', handler: 'functions/service/openapi.ts', auth: 'public',
    access: {}, summary: 'This API as an OpenAPI 3.1 document', tag: 'Service',
    schemas: { response: { status: 200, schema: openApiDocumentSchema } },
  },

  register: {
    method: 'POST', path: '/auth/register', handler: 'functions/auth/register.ts', auth: 'public',
    access: { table: 'write', sendTo: ['orderEvents'] }, summary: 'Create a customer account',
    tag: 'Auth', errors: [409],
    schemas: { body: registerBodySchema, response: { status: 201, schema: sessionSchema } },
  },
  login: {
    method: 'POST', path: '/auth/login', handler: 'functions/auth/login.ts', auth: 'public',
    access: { table: 'write' }, summary: 'Sign in (5 failures in 15 min lock the account)',
    tag: 'Auth', errors: [401, 429],
    schemas: { body: loginBodySchema, response: { status: 200, schema: sessionSchema } },
  },
  refresh: {
    method: 'POST', path: '/auth/refresh', handler: 'functions/auth/refresh.ts', auth: 'public',
    access: { table: 'write' }, summary: 'Rotate the refresh token', tag: 'Auth', errors: [401],
    schemas: { body: refreshBodySchema, response: { status: 200, schema: sessionSchema } },
  },
  logout: {
    method: 'POST', path: '/auth/logout', handler: 'functions/auth/logout.ts', auth: 'user',
    access: { table: 'write' }, summary: 'Revoke this access token and its session family',
    tag: 'Auth', schemas: { response: { status: 204 } },
  },
  forgotPassword: {
    method: 'POST', path: '/auth/password/forgot', handler: 'functions/auth/forgot-password.ts',
    auth: 'public', access: { table: 'write', sendTo: ['orderEvents'] },
    summary: 'Email a password reset link (always 202)', tag: 'Auth',
    schemas: { body: forgotPasswordBodySchema, response: { status: 202 } },
  },
  resetPassword: {
    method: 'POST', path: '/auth/password/reset', handler: 'functions/auth/reset-password.ts',
    auth: 'public', access: { table: 'write' },
    summary: 'Set a new password with a reset token; revokes all sessions', tag: 'Auth',
    errors: [401],
    schemas: { body: resetPasswordBodySchema, response: { status: 204 } },
  },
  getMe: {
    method: 'GET', path: '/me', handler: 'functions/me/get.ts', auth: 'user',
    access: { table: 'read' }, summary: 'The signed-in user', tag: 'Profile',
    schemas: { response: { status: 200, schema: profileSchema } },
  },
  updateMe: {
    method: 'PATCH', path: '/me', handler: 'functions/me/update.ts', auth: 'user',
    access: { table: 'write' }, summary: 'Change name or password', tag: 'Profile', errors: [401],
    schemas: { body: updateMeBodySchema, response: { status: 200, schema: userSchema } },
  },

  listUsers: {
    method: 'GET', path: '/users', handler: 'functions/users/list.ts', auth: 'admin',
    access: { table: 'read' }, summary: 'List users', tag: 'Users',
    schemas: { query: listUsersQuerySchema, response: { status: 200, schema: userListSchema } },
  },
  getUser: {
    method: 'GET', path: '/users/{id}', handler: 'functions/users/get.ts', auth: 'admin',
    access: { table: 'read' }, summary: 'Get a user', tag: 'Users', errors: [404],
    schemas: { path: idParamSchema, response: { status: 200, schema: userSchema } },
  },
  updateUser: {
    method: 'PATCH', path: '/users/{id}', handler: 'functions/users/update.ts', auth: 'admin',
    access: { table: 'write' }, summary: 'Change role, name or disabled', tag: 'Users',
    errors: [404],
    schemas: { path: idParamSchema, body: updateUserBodySchema, response: { status: 200, schema: userSchema } },
  },
  deleteUser: {
    method: 'DELETE', path: '/users/{id}', handler: 'functions/users/delete.ts', auth: 'admin',
    access: { table: 'write' }, summary: 'Delete a user', tag: 'Users', errors: [404],
    schemas: { path: idParamSchema, response: { status: 204 } },
  },
} as const satisfies Record<string, RouteDefinition>;

export type RouteId = keyof typeof routes;

export const routeList: readonly (RouteDefinition & { id: string })[] = Object.entries(routes).map(
  ([id, route]) => ({ id, ...route }),
);
