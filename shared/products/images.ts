/**
 * Product images: an admin asks for an upload URL, the browser PUTs the file straight to S3,
 * CloudFront serves it. The API never sees the bytes.
 *
 * Only the image-upload function imports this module: IMAGES_BUCKET and IMAGES_PUBLIC_URL are
 * read here (at import, failing fast) and `bindAccess` sets them for `access.uploadImages` only.
 */
import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../clients/dynamodb.js';
import { presignPut } from '../clients/s3.js';
import { readConfig } from '../config.js';
import { isConditionFailure } from '../dynamo-errors.js';
import { NotFoundError } from '../errors.js';
import { logger } from '../logger.js';
import {
  IMAGE_EXTENSIONS,
  IMAGE_UPLOAD_URL_TTL_SECONDS,
  PRODUCT_IMAGE_KEY_PREFIX,
  type CreateImageUploadInput,
  type ImageContentType,
} from '../schemas/product-images.js';

const config = readConfig(['IMAGES_BUCKET', 'IMAGES_PUBLIC_URL']);

/**
 * `products/<productId>/<random id>.<ext>`: the extension comes from the validated content
 * type, never from the client's filename, and the random part makes every upload a new object.
 */
export const imageObjectKey = (productId: string, contentType: ImageContentType, id: string = randomUUID()): string =>
  `${PRODUCT_IMAGE_KEY_PREFIX}${productId}/${id}.${IMAGE_EXTENSIONS[contentType]}`;

export interface ImageUpload {
  readonly uploadUrl: string;
  readonly imageUrl: string;
}

/**
 * Signs a PUT for a new object and appends its public URL to the product's images. Unknown
 * or soft-deleted product → NotFoundError (and no URL is handed out).
 */
export async function createImageUpload(productId: string, input: CreateImageUploadInput): Promise<ImageUpload> {
  const key = imageObjectKey(productId, input.contentType);
  const imageUrl = `${config.IMAGES_PUBLIC_URL}/${key}`;
  // Presigning is a local computation (no request to S3), done before the write so that a
  // signing failure leaves the product untouched.
  // Signed with content-type and content-length: S3 answers 403 to a PUT with another type or size.
  const uploadUrl = await presignPut({
    bucket: config.IMAGES_BUCKET,
    key,
    signedHeaders: { 'content-type': input.contentType, 'content-length': String(input.size) },
    expiresInSeconds: IMAGE_UPLOAD_URL_TTL_SECONDS,
  });
  await appendProductImage(productId, imageUrl);
  logger.info('product image upload issued', {
    productId,
    key,
    contentType: input.contentType,
    size: input.size,
    filename: input.filename,
  });
  return { uploadUrl, imageUrl };
}

/**
 * Appends to `images` of a live product. The item key is the products slice's
 * (`PRODUCT#<id>` / `PRODUCT`, see product-keys.ts); only `images` and `updatedAt` are
 * written, so admin edits (which SET named attributes) and stock moves are unaffected.
 */
export async function appendProductImage(productId: string, imageUrl: string, now: Date = new Date()): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `PRODUCT#${productId}`, sk: 'PRODUCT' },
        UpdateExpression: 'SET images = list_append(if_not_exists(images, :empty), :new), updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':empty': [], ':new': [imageUrl], ':now': now.toISOString() },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new NotFoundError('Product');
    throw error;
  }
}
