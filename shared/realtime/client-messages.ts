import * as z from 'zod';

const clientMessageSchema = z.object({ action: z.literal('ping') });

/** The answer to a client's message: `{"action":"ping"}` → `{type:"pong"}`; anything else an error naming what is accepted. */
export function clientMessageReply(body: string | undefined): { type: 'pong' } | { type: 'error'; error: { code: string; message: string } } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    parsed = undefined;
  }
  if (clientMessageSchema.safeParse(parsed).success) return { type: 'pong' };
  return { type: 'error', error: { code: 'VALIDATION_ERROR', message: 'Messages are JSON: {"action":"ping"} is the one action' } };
}
