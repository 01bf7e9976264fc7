import { analyticsRoutes } from '../../infra/routes/analytics.js';
import { analytics } from '../../shared/analytics/analytics.js';
import { httpHandler } from '../../shared/http/authenticated-handler.js';
import { ok } from '../../shared/http/responses.js';

const DAY_MS = 86_400_000;

export const handler = httpHandler(analyticsRoutes.getAnalytics, async ({ query }) => {
  const to = query.to ?? new Date().toISOString().slice(0, 10);
  const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  return ok(await analytics({ from, to }));
});
