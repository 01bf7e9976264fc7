/**
 * A WebSocket client for the real-time API (tests and bench/realtime.ts): connects with a
 * token, records every message with its arrival time, and waits for messages or the close.
 */
import { WebSocket } from 'ws';

export interface ReceivedMessage {
  readonly at: number;
  readonly data: { type: string; order?: { id: string; userId: string; status: string; paymentStatus: string; updatedAt: string }; product?: { id: string }; [key: string]: unknown };
}

export interface RealtimeClient {
  readonly socket: WebSocket;
  readonly messages: ReceivedMessage[];
  /** Resolves with the first message (already received or to come) matching `predicate`. */
  next(predicate: (message: ReceivedMessage['data']) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  /** Resolves with the close code once the server closes the socket. */
  readonly closed: Promise<number>;
  send(data: unknown): void;
  close(): void;
}

/** Connects; rejects with the HTTP status when the upgrade is refused (`Unexpected server response: 401`). */
export function connectRealtime(websocketUrl: string, token: string | undefined): Promise<RealtimeClient> {
  const url = token === undefined ? websocketUrl : `${websocketUrl}/?token=${encodeURIComponent(token)}`;
  const socket = new WebSocket(url);
  const messages: ReceivedMessage[] = [];
  const waiters: { predicate: (data: ReceivedMessage['data']) => boolean; resolve: (message: ReceivedMessage) => void }[] = [];
  socket.on('message', (raw) => {
    const message = { at: Date.now(), data: JSON.parse(raw.toString()) as ReceivedMessage['data'] };
    messages.push(message);
    for (const waiter of waiters.splice(0)) {
      if (waiter.predicate(message.data)) waiter.resolve(message);
      else waiters.push(waiter);
    }
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => reject(new Error(`refused: ${response.statusCode}`)));
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        socket,
        messages,
        closed,
        send: (data) => socket.send(JSON.stringify(data)),
        close: () => socket.close(),
        next: (predicate, timeoutMs = 10_000) => {
          const seen = messages.find((message) => predicate(message.data));
          if (seen) return Promise.resolve(seen);
          return new Promise((resolveNext, rejectNext) => {
            const timer = setTimeout(() => rejectNext(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.data.type))}`)), timeoutMs);
            waiters.push({ predicate, resolve: (message) => (clearTimeout(timer), resolveNext(message)) });
          });
        },
      }),
    );
  });
}
