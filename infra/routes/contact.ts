import { idParamSchema } from '../../shared/schemas/common.js';
import {
  contactMessageListSchema,
  contactMessageSchema,
  createContactMessageBodySchema,
  listContactMessagesQuerySchema,
} from '../../shared/schemas/contact.js';
import type { RouteDefinition } from '../route-types.js';

export const contactRoutes = {
  createContactMessage: {
    method: 'POST', path: '/contact', handler: 'functions/contact/create.ts', auth: 'public',
    // write: the message and the per-IP rate-limit counter.
    access: { table: { mode: 'write', keys: ['RATE#*', 'CONTACT#*'] } }, summary: 'Send a contact message (at most 5 per minute per client IP)', tag: 'Contact',
    errors: [429],
    schemas: { body: createContactMessageBodySchema, response: { status: 201, schema: contactMessageSchema } },
  },
  listContactMessages: {
    method: 'GET', path: '/contact', handler: 'functions/contact/list.ts', auth: 'admin',
    // No table item of its own (the pipeline adds AUTHENTICATION_KEYS): the one list partition on gsi1.
    access: { table: { mode: 'read', keys: [], indexKeys: { gsi1: ['CONTACTS'] } } },
    summary: 'List contact messages, newest first, with search', tag: 'Contact',
    schemas: { query: listContactMessagesQuerySchema, response: { status: 200, schema: contactMessageListSchema } },
  },
  deleteContactMessage: {
    method: 'DELETE', path: '/contact/{id}', handler: 'functions/contact/delete.ts', auth: 'admin',
    access: { table: { mode: 'write', keys: ['CONTACT#*'] } }, summary: 'Delete a contact message', tag: 'Contact', errors: [404],
    schemas: { path: idParamSchema, response: { status: 204 } },
  },
} as const satisfies Record<string, RouteDefinition>;
