/** Catalogue reads as the public and admins see them: soft-deleted products only for admins. */
import type { AuthContext } from '../auth/authenticate.js';
import { isAdmin } from '../auth/roles.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { TtlCache } from '../http/response-cache.js';
import type { ListProductsQuery } from '../schemas/products.js';
import { findProduct, listProducts } from './product-repository.js';
import { toPublicProduct, type PublicProduct } from './product.js';

/** How long a public read may be served from a warm container (see README, caching). */
export const PUBLIC_CACHE_TTL_MS = 10_000;
const productCache = new TtlCache<PublicProduct | null>(PUBLIC_CACHE_TTL_MS, 500);
const listCache = new TtlCache<{ items: PublicProduct[]; nextCursor: string | null }>(PUBLIC_CACHE_TTL_MS, 200);


export async function getCatalogueProduct(id: string, auth: AuthContext | undefined): Promise<PublicProduct> {
  const load = async () => {
    const product = await findProduct(id);
    return product ? toPublicProduct(product) : null;
  };
  const product = isAdmin(auth) ? await load() : await productCache.getOrLoad(id, load);
  if (!product || (product.deletedAt && !isAdmin(auth))) throw new NotFoundError('Product');
  return product;
}

export async function listCatalogue(query: ListProductsQuery, auth: AuthContext | undefined) {
  if (query.includeDeleted && !isAdmin(auth)) throw new ForbiddenError('Only administrators may list deleted products');
  const load = async () => {
    const page = await listProducts(query);
    return { items: page.items.map(toPublicProduct), nextCursor: page.nextCursor };
  };
  return isAdmin(auth) ? load() : listCache.getOrLoad(JSON.stringify(query), load);
}
