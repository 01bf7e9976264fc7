import * as z from 'zod';

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const openApiDocumentSchema = z.record(z.string(), z.unknown());

/** `GET /docs`: the API reference page (text/html). */
export const docsPageSchema = z.string().meta({ description: 'HTML page rendering /openapi.json with openapi-explorer' });
/** `GET /docs/{asset}`: a script of that page (text/javascript). */
export const docsAssetSchema = z.string().meta({ description: 'JavaScript' });
export const docsAssetPathSchema = z.object({ asset: z.string().min(1).max(200) }).strict();
