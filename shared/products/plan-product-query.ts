import type { ProductSort } from '../schemas/products.js';
import { ALL_PRODUCTS, categoryPartition } from './product-keys.js';
import { searchTokens } from './search-text.js';

export interface ProductQueryInput {
  readonly sort: ProductSort;
  readonly category?: string | undefined;
  readonly minPrice?: number | undefined;
  readonly maxPrice?: number | undefined;
  readonly search?: string | undefined;
  readonly includeDeleted?: boolean | undefined;
}

export interface ProductQueryPlan {
  readonly indexName: 'gsi1' | 'gsi2';
  readonly partitionKeyAttribute: 'gsi1pk' | 'gsi2pk';
  readonly sortKeyAttribute: 'gsi1sk' | 'gsi2sk';
  readonly partition: string;
  /** Key condition on the sort key: a prefix, or a range (price sort with price bounds). */
  readonly range: { readonly kind: 'prefix'; readonly prefix: string } | { readonly kind: 'between'; readonly from: string; readonly to: string };
  readonly scanIndexForward: boolean;
  /** Filter conditions (ANDed); empty = pure key query with exact page sizes. */
  readonly filters: readonly string[];
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Chooses the Query for a listing; every combination of filters and sorts is a Query on a
 * key designed for it (never a Scan):
 *
 *   no category  → gsi1, partition PRODUCTS;  category → gsi2, partition CAT#<category>
 *   sort ±createdAt → sort-key prefix C#
 *   sort ±price     → prefix P#, or BETWEEN P#<min> and P#<max>~ when bounded
 *   sort name       → prefix N#
 * The query returns index items; the products are then fetched with one BatchGetItem.
 *   price bounds with another sort, search, and hiding deleted products → filter expressions
 */
export function planProductQuery(input: ProductQueryInput): ProductQueryPlan {
  const byCategory = input.category !== undefined;
  const values: Record<string, unknown> = { ':partition': byCategory ? categoryPartition(input.category!) : ALL_PRODUCTS };
  const filters: string[] = [];
  const sortByPrice = input.sort === 'price' || input.sort === '-price';
  let range: ProductQueryPlan['range'];

  if (sortByPrice && (input.minPrice !== undefined || input.maxPrice !== undefined)) {
    const pad = (price: number) => String(price).padStart(10, '0');
    // '#' < '~': `P#<max>#~` sorts after every id at that price.
    range = { kind: 'between', from: `P#${pad(input.minPrice ?? 0)}#`, to: `P#${pad(input.maxPrice ?? 9_999_999_999)}#~` };
  } else {
    range = { kind: 'prefix', prefix: sortByPrice ? 'P#' : input.sort === 'name' ? 'N#' : 'C#' };
    if (input.minPrice !== undefined) {
      filters.push('price >= :minPrice');
      values[':minPrice'] = input.minPrice;
    }
    if (input.maxPrice !== undefined) {
      filters.push('price <= :maxPrice');
      values[':maxPrice'] = input.maxPrice;
    }
  }
  searchTokens(input.search ?? '').forEach((token, i) => {
    filters.push(`contains(searchText, :token${i})`);
    values[`:token${i}`] = token;
  });
  if (!input.includeDeleted) filters.push('attribute_not_exists(deletedAt)');

  return {
    indexName: byCategory ? 'gsi2' : 'gsi1',
    partitionKeyAttribute: byCategory ? 'gsi2pk' : 'gsi1pk',
    sortKeyAttribute: byCategory ? 'gsi2sk' : 'gsi1sk',
    partition: values[':partition'] as string,
    range,
    scanIndexForward: input.sort !== '-createdAt' && input.sort !== '-price',
    filters,
    values,
  };
}

/** A stable description of the query, which a cursor is bound to. */
export const planScope = (plan: ProductQueryPlan): string =>
  JSON.stringify(['products', plan.indexName, plan.partition, plan.range, plan.scanIndexForward, plan.filters, plan.values]);
