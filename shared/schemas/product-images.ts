import * as z from 'zod';

/** Image types an admin may upload. */
export const imageContentTypeSchema = z.enum(['image/jpeg', 'image/png', 'image/webp']);
export type ImageContentType = z.infer<typeof imageContentTypeSchema>;

/** The extension each type gets in its object key (the uploaded filename is never used). */
export const IMAGE_EXTENSIONS: Readonly<Record<ImageContentType, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/** 5 MiB. The upload URL is signed with the exact size, so S3 refuses any other length. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/**
 * Every image object lives under this prefix. The upload function may only PUT below it and
 * CloudFront may only GET below it (infra/app-function.ts, infra/stack.ts).
 */
export const PRODUCT_IMAGE_KEY_PREFIX = 'products/';

/** How long an upload URL stays valid: 15 minutes. */
export const IMAGE_UPLOAD_URL_TTL_SECONDS = 15 * 60;

/**
 * Product ids are generated (ULIDs); they also become part of an S3 key, so only URL- and
 * key-safe characters are accepted here.
 */
export const productImagePathSchema = z
  .object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a product id') })
  .strict();

export const createImageUploadBodySchema = z
  .object({
    contentType: imageContentTypeSchema,
    // Informational only: never part of the object key, never stored.
    filename: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters'),
    size: z
      .number()
      .int('must be a whole number of bytes')
      .min(1, 'must be at least 1 byte')
      .max(MAX_IMAGE_BYTES, `must be at most ${MAX_IMAGE_BYTES} bytes (5 MiB)`)
      .describe('exact size of the file in bytes; the upload must send exactly this many bytes'),
  })
  .strict();
export type CreateImageUploadInput = z.output<typeof createImageUploadBodySchema>;

export const imageUploadSchema = z
  .object({
    uploadUrl: z
      .string()
      .describe(
        'presigned S3 URL, valid 15 minutes: PUT the file with the same Content-Type and exactly `size` bytes',
      ),
    imageUrl: z.string().describe('where the image is served once uploaded; already added to the product\'s images'),
  })
  .meta({ id: 'ImageUpload' });
