/**
 * Products in the single table, and which key or index serves which listing.
 *
 *   product           pk PRODUCT#<id>  sk PRODUCT      (no index keys: stock changes write no index)
 *   created index item pk PRODUCT#<id> sk IDX#CREATED  gsi1 PRODUCTS / C#<createdAt>#<id>
 *                                                      gsi2 CAT#<category> / C#<createdAt>#<id>
 *   price index item  pk PRODUCT#<id>  sk IDX#PRICE    gsi1 PRODUCTS / P#<price, 10 digits>#<id>
 *                                                      gsi2 CAT#<category> / P#<price>#<id>
 *   name index item   pk PRODUCT#<id>  sk IDX#NAME     gsi1 PRODUCTS / N#<lower name>#<id>
 *                                                      gsi2 CAT#<category> / N#<lower name>#<id>
 *   stock adjustment  pk PRODUCT#<id>  sk STOCKADJ#<ulid>
 *
 * The index items hold only keys and filter attributes (price, searchText, deletedAt), so a
 * stock change (every order) writes the product item alone and no index partition: on DynamoDB
 * `PRODUCTS` and `CAT#…` would otherwise take a write from every order of the shop. Every
 * listing reads index items, then BatchGets the products for current stock. All four items of
 * a product are written in one transaction by every admin edit, the only writers of the
 * listing partitions. See `planProductQuery` for the selection.
 */
export const productKey = (id: string) => ({ pk: `PRODUCT#${id}`, sk: 'PRODUCT' });
export const createdIndexKey = (id: string) => ({ pk: `PRODUCT#${id}`, sk: 'IDX#CREATED' });
export const priceIndexKey = (id: string) => ({ pk: `PRODUCT#${id}`, sk: 'IDX#PRICE' });
export const nameIndexKey = (id: string) => ({ pk: `PRODUCT#${id}`, sk: 'IDX#NAME' });
export const ALL_PRODUCTS = 'PRODUCTS';
export const categoryPartition = (category: string) => `CAT#${category}`;

export const createdSortKey = (createdAt: string, id: string) => `C#${createdAt}#${id}`;
export const priceSortKey = (price: number, id: string) => `P#${String(price).padStart(10, '0')}#${id}`;
export const nameSortKey = (name: string, id: string) => `N#${name.toLowerCase()}#${id}`;
