import * as z from 'zod';
import { readEnv } from './config.js';

/** Where the shop's front end lives: links in emails point there. */
export const { APP_BASE_URL: appBaseUrl } = readEnv(z.object({ APP_BASE_URL: z.url().default('http://localhost:3000') }));
