import { routes } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/http-handler.js';
import { conditionalJson } from '../../shared/http/response-cache.js';
import { getCatalogueProduct } from '../../shared/products/catalogue.js';

export const handler = httpHandler(routes.getProduct, async ({ path, auth, event }) =>
  conditionalJson(event, await getCatalogueProduct(path.id, auth)),
);
