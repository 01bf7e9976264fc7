import { productImageRoutes } from '../../infra/routes/product-images.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { created } from '../../shared/http/responses.js';
import { createImageUpload } from '../../shared/products/images.js';

export const handler = httpHandler(productImageRoutes.createProductImageUpload, async ({ path, body }) =>
  created(await createImageUpload(path.id, body)),
);
