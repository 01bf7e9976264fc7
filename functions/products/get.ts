import { productRoutes } from '../../infra/routes/products.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { conditionalJson } from '../../shared/http/response-cache.js';
import { getCatalogueProduct } from '../../shared/products/catalogue.js';

export const handler = httpHandler(productRoutes.getProduct, async ({ path, auth, event }) =>
  conditionalJson(event, await getCatalogueProduct(path.id, auth)),
);
