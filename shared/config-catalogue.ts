/**
 * Every environment variable the functions read, with its one zod schema (issue 12.13). A
 * module asks for its slice with `readConfig('TABLE_NAME', ...)` (shared/config.ts); when that
 * slice is bad, the error names every bad variable of the environment, not only the slice's
 * first, and `npm start` checks the whole catalogue before it starts anything.
 */
import * as z from 'zod';

export const nonEmpty = z.string().trim().min(1);

/** Unset and empty mean the same: a stack deployed without Stripe passes empty values. */
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const minutes = z.coerce.number().int().min(1).max(7 * 24 * 60);

/** A time zone name the runtime knows (`UTC`, `Europe/Brussels`, …). */
const timeZone = z.string().refine(
  (name) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not an IANA time zone name (e.g. UTC, Europe/Brussels)' },
);

/** An EventBridge schedule expression: `rate(N unit)` or `cron(...)` (local runs take rates only). */
const scheduleExpression = z
  .string()
  .trim()
  .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, 'expected rate(N minute[s]|hour[s]|day[s]) or cron(...)');

/** `<limit>/<window seconds>`, e.g. `20/3600`: at most 20 per hour (shared/auth/abuse-limits.ts). */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .pipe(
      z
        .string()
        .trim()
        .regex(/^\d{1,9}\/\d{1,6}$/, 'must be <limit>/<window seconds>, e.g. 20/3600')
        .transform((value) => {
          const [limit, windowSeconds] = value.split('/').map(Number) as [number, number];
          return { limit, windowSeconds };
        })
        .refine((spec) => spec.limit >= 1 && spec.windowSeconds >= 1 && spec.windowSeconds <= 86_400, 'limit ≥ 1, window 1..86400 seconds'),
    );

export const configCatalogue = {
  // Table, queue, email
  TABLE_NAME: nonEmpty,
  ORDER_EVENTS_QUEUE_URL: nonEmpty,
  EMAIL_FROM: z.email(),
  SES_CONFIGURATION_SET: z.string().optional(),
  ADMIN_EMAIL: z.email(),
  APP_BASE_URL: z.url().default('http://localhost:3000'),
  SHOP_TIME_ZONE: timeZone.default('UTC'),
  CORS_ALLOWED_ORIGINS: z.string().default('*'),
  // Auth
  JWT_SECRET: z.string().optional(),
  JWT_SECRET_ARN: z.string().trim().optional(),
  JWT_ISSUER: z.string().min(1).default('order-management'),
  JWT_AUDIENCE: z.string().min(1).default('order-management-api'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(3600).default(30 * 24 * 3600),
  BCRYPT_COST: z.coerce.number().int().min(10).max(15).default(11),
  // Abuse limits (429 with Retry-After; shared/auth/abuse-limits.ts)
  RATE_LIMIT_REGISTER_PER_IP: rateLimit('20/3600'),
  RATE_LIMIT_REGISTER_PER_EMAIL: rateLimit('5/3600'),
  RATE_LIMIT_LOGIN_PER_IP: rateLimit('100/900'),
  /** The login lockout (shared/auth/lockout.ts): password checks per email, known or not. */
  RATE_LIMIT_LOGIN_PER_ACCOUNT: rateLimit('5/900'),
  RATE_LIMIT_FORGOT_PASSWORD_PER_IP: rateLimit('20/3600'),
  RATE_LIMIT_FORGOT_PASSWORD_PER_EMAIL: rateLimit('3/3600'),
  RATE_LIMIT_RESET_PASSWORD_PER_IP: rateLimit('20/3600'),
  RATE_LIMIT_RESET_PASSWORD_PER_ACCOUNT: rateLimit('5/3600'),
  RATE_LIMIT_PASSWORD_CHECK_PER_USER: rateLimit('5/900'),
  // Carts, orders and their schedules
  CART_HOLD_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /** Unpaid (pending or failed) orders one customer may have at once; one more is 409 TOO_MANY_UNPAID_ORDERS. */
  MAX_UNPAID_ORDERS: z.coerce.number().int().min(1).max(1000).default(10),
  /** A pending order older than this is rolled back (its stock returned). */
  PAYMENT_WINDOW_MINUTES: minutes.default(15),
  /** A pending order older than this gets one payment reminder. */
  PAYMENT_REMINDER_MINUTES: minutes.default(10),
  /** A paid/processing order older than this gets one fulfilment reminder. */
  FULFILMENT_REMINDER_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24),
  RELEASE_EXPIRED_HOLDS_SCHEDULE: scheduleExpression.default('rate(1 minute)'),
  ROLLBACK_STALE_ORDERS_SCHEDULE: scheduleExpression.default('rate(1 minute)'),
  SEND_REMINDERS_SCHEDULE: scheduleExpression.default('rate(1 minute)'),
  LOW_STOCK_ALERTS_SCHEDULE: scheduleExpression.default('rate(1 hour)'),
  // Product images
  IMAGES_BUCKET: nonEmpty,
  /** `https://<distribution>.cloudfront.net` on AWS; `<S3 endpoint>/<bucket>` locally. */
  IMAGES_PUBLIC_URL: z.url().transform((url) => url.replace(/\/+$/, '')),
  // Stripe (all optional)
  STRIPE_SECRET_KEY: optional(z.string().trim().min(1)),
  STRIPE_WEBHOOK_SECRET: optional(z.string().trim().min(1)),
  STRIPE_SECRET_KEY_ARN: optional(z.string().trim().min(1)),
  STRIPE_WEBHOOK_SECRET_ARN: optional(z.string().trim().min(1)),
  CHECKOUT_SUCCESS_URL: optional(z.url()),
  CHECKOUT_CANCEL_URL: optional(z.url()),
  STRIPE_API_HOST: optional(z.string().trim().min(1)),
  STRIPE_API_PORT: optional(z.coerce.number().int().min(1).max(65535)),
  STRIPE_API_PROTOCOL: optional(z.enum(['http', 'https'])),
} as const;

export type ConfigName = keyof typeof configCatalogue;
export type ConfigValues<K extends ConfigName> = { [P in K]: z.infer<(typeof configCatalogue)[P]> };
