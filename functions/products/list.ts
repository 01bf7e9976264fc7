import { productRoutes } from '../../infra/routes/products.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { conditionalJson } from '../../shared/http/response-cache.js';
import { listCatalogue } from '../../shared/products/catalogue.js';

export const handler = httpHandler(productRoutes.listProducts, async ({ query, auth, event }) =>
  conditionalJson(event, await listCatalogue(query, auth)),
);
