import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { created } from '../../shared/http/responses.js';
import { createImageUpload } from '../../shared/products/images.js';

export const handler = httpHandler(routes.createProductImageUpload, async ({ path, body }) =>
  created(await createImageUpload(path.id, body)),
);
