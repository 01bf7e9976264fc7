import { serviceRoutes } from '../../infra/routes/service.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { buildOpenApiDocument } from '../../shared/http/openapi.js';
import { ok } from '../../shared/http/responses.js';

let document: ReturnType<typeof buildOpenApiDocument> | undefined;

export const handler = httpHandler(serviceRoutes.openApi, async () => ok((document ??= buildOpenApiDocument())));
