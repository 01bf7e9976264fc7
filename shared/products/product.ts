/** A product as stored; `toPublicProduct` is the only way it leaves the API. */
export interface ProductRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly price: number;
  readonly currency: string;
  /** Available now: holds and orders have already been taken out. */
  readonly stock: number;
  readonly category: string | null;
  readonly sku: string | null;
  readonly images: readonly string[];
  readonly lowStockThreshold: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deletedAt?: string | undefined;
  /** Bumped by every admin edit (not by stock moves): optimistic concurrency for edits. */
  readonly version: number;
}

export function toProductRecord(item: Record<string, unknown>): ProductRecord {
  return {
    id: item.id as string,
    name: item.name as string,
    description: (item.description as string | undefined) ?? '',
    price: item.price as number,
    currency: item.currency as string,
    stock: item.stock as number,
    category: (item.category as string | undefined) ?? null,
    sku: (item.sku as string | undefined) ?? null,
    images: (item.images as string[] | undefined) ?? [],
    lowStockThreshold: (item.lowStockThreshold as number | undefined) ?? 5,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    deletedAt: item.deletedAt as string | undefined,
    version: (item.version as number | undefined) ?? 0,
  };
}

export const toPublicProduct = (product: ProductRecord) => ({
  id: product.id,
  name: product.name,
  description: product.description,
  price: product.price,
  currency: product.currency,
  stock: product.stock,
  category: product.category,
  sku: product.sku,
  images: [...product.images],
  lowStockThreshold: product.lowStockThreshold,
  createdAt: product.createdAt,
  updatedAt: product.updatedAt,
  ...(product.deletedAt ? { deletedAt: product.deletedAt } : {}),
});
export type PublicProduct = ReturnType<typeof toPublicProduct>;
