/**
 * Products in the single table, and which key or index serves which listing.
 *
 *   product           pk PRODUCT#<id>  sk PRODUCT      gsi1 PRODUCTS / C#<createdAt>#<id>
 *                                                      gsi2 CAT#<category> / C#<createdAt>#<id>
 *   price index item  pk PRODUCT#<id>  sk IDX#PRICE    gsi1 PRODUCTS / P#<price, 10 digits>#<id>
 *                                                      gsi2 CAT#<category> / P#<price>#<id>
 *   name index item   pk PRODUCT#<id>  sk IDX#NAME     gsi1 PRODUCTS / N#<lower name>#<id>
 *                                                      gsi2 CAT#<category> / N#<lower name>#<id>
 *   stock adjustment  pk PRODUCT#<id>  sk STOCKADJ#<ulid>
 *
 * The index items hold only keys and filter attributes (price, searchText, deletedAt), so a
 * stock change writes the product item alone; price and name listings read index items and
 * then BatchGet the products for current stock. All three items of a product are written in
 * one transaction by every admin edit. See `planProductQuery` for the selection.
 */
export const productKey = (id: string) => ({ pk: `PRODUCT#${id}`, sk: 'PRODUCT' });
export const priceIndexKey = (id: string) => ({ pk: `PRODUCT#${id}`, sk: 'IDX#PRICE' });
export const nameIndexKey = (id: string) => ({ pk: `PRODUCT#${id}`, sk: 'IDX#NAME' });
export const ALL_PRODUCTS = 'PRODUCTS';
export const categoryPartition = (category: string) => `CAT#${category}`;

export const createdSortKey = (createdAt: string, id: string) => `C#${createdAt}#${id}`;
export const priceSortKey = (price: number, id: string) => `P#${String(price).padStart(10, '0')}#${id}`;
export const nameSortKey = (name: string, id: string) => `N#${name.toLowerCase()}#${id}`;
