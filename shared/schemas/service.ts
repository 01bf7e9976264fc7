import * as z from 'zod';

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const openApiDocumentSchema = z.record(z.string(), z.unknown());
