import * as z from 'zod';
import { readEnv } from './config.js';

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

/**
 * Where the shop's front end lives (links in emails point there) and the shop's time zone
 * (every date in an email is written in it).
 */
export const { APP_BASE_URL: appBaseUrl, SHOP_TIME_ZONE: shopTimeZone } = readEnv(
  z.object({ APP_BASE_URL: z.url().default('http://localhost:3000'), SHOP_TIME_ZONE: timeZone.default('UTC') }),
);
