import { idParamSchema } from '../../shared/schemas/common.js';
import {
  listUsersQuerySchema,
  updateUserBodySchema,
  userListSchema,
  userSchema,
} from '../../shared/schemas/users.js';
import type { RouteDefinition } from '../route-types.js';

export const userRoutes = {
  listUsers: {
    method: 'GET', path: '/users', handler: 'functions/users/list.ts', auth: 'admin',
    // Sharded user lists (gsi1 by creation, gsi2 by name or email claim), then the users; email=: the claim, then the user.
    access: { table: { mode: 'read', keys: ['EMAIL#*', 'USER#*'], indexKeys: { gsi1: ['USERS#*'], gsi2: ['USERS#*'] } } },
    summary: 'List users', tag: 'Users',
    schemas: { query: listUsersQuerySchema, response: { status: 200, schema: userListSchema } },
  },
  getUser: {
    method: 'GET', path: '/users/{id}', handler: 'functions/users/get.ts', auth: 'admin',
    access: { table: { mode: 'read', keys: ['USER#*'] } }, summary: 'Get a user', tag: 'Users', errors: [404],
    schemas: { path: idParamSchema, response: { status: 200, schema: userSchema } },
  },
  updateUser: {
    method: 'PATCH', path: '/users/{id}', handler: 'functions/users/update.ts', auth: 'admin',
    // The user, and its email claim's search text when the name changes.
    // Demoting or disabling also checks, in the same transaction, that the acting admin still is one (USER#).
    access: { table: { mode: 'write', keys: ['USER#*', 'EMAIL#*'] } }, summary: 'Change role, name or disabled (disabling ends the user\'s sessions; the shop always keeps an active admin)', tag: 'Users',
    errors: [404, 409],
    schemas: { path: idParamSchema, body: updateUserBodySchema, response: { status: 200, schema: userSchema } },
  },
  deleteUser: {
    method: 'DELETE', path: '/users/{id}', handler: 'functions/users/delete.ts', auth: 'admin',
    // The user and its email claim, in one transaction with a check that the acting admin still is one.
    access: { table: { mode: 'write', keys: ['USER#*', 'EMAIL#*'] } }, summary: 'Delete a user', tag: 'Users', errors: [404, 409],
    schemas: { path: idParamSchema, response: { status: 204 } },
  },
} as const satisfies Record<string, RouteDefinition>;
