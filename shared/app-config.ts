import { readConfig } from './config.js';

/**
 * Where the shop's front end lives (links in emails point there) and the shop's time zone
 * (every date in an email is written in it).
 */
export const { APP_BASE_URL: appBaseUrl, SHOP_TIME_ZONE: shopTimeZone } = readConfig(['APP_BASE_URL', 'SHOP_TIME_ZONE']);
