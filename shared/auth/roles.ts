import type { Role } from '../schemas/users.js';

/** Admins see and do more; the role is the one stored now (authenticate reads it per request). */
export const isAdmin = (auth: { readonly role: Role } | undefined): boolean => auth?.role === 'admin';
