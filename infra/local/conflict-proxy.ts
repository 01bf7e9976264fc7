/**
 * A conflict-faithful DynamoDB proxy for the local stack.
 *
 * DynamoDB Local runs transactions one after another, so two transactions that touch the same
 * item never conflict there, while on AWS the second one is cancelled. Code that is correct on
 * the local stack can therefore serialise every order on one hot item and only find out in
 * production (see DESIGN.md, "Scale"). This proxy sits in front of DynamoDB Local (JSON 1.0
 * protocol, `X-Amz-Target: DynamoDB_20120810.<Op>`) and applies the rules of the DynamoDB
 * developer guide, "Transaction conflict handling in DynamoDB":
 *
 * - an item in a `TransactWriteItems` that is part of another in-flight `TransactWriteItems` →
 *   the request is cancelled: `TransactionCanceledException`, one `CancellationReasons` entry per
 *   item in request order (`TransactionConflict` for the held items, `None` for the others);
 * - an item in a `TransactGetItems` that is part of an in-flight `TransactWriteItems`,
 *   `BatchWriteItem`, `PutItem`, `UpdateItem` or `DeleteItem` → cancelled the same way. The
 *   reverse also holds (the API reference of `TransactionCanceledException`: an ongoing
 *   `TransactGetItems` that conflicts with a concurrent `PutItem`, `UpdateItem`, `DeleteItem` or
 *   `TransactWriteItems` fails), so a get whose item is written while it is in flight is
 *   answered with the same cancellation when its response comes back;
 * - a `PutItem` / `UpdateItem` / `DeleteItem` on an item held by an in-flight
 *   `TransactWriteItems` → `TransactionConflictException`;
 * - `BatchWriteItem`: the guide gives no error for it (its model has no
 *   `TransactionConflictException`); each of its writes is serializable with transactions but the
 *   batch as a unit is not, and a batch reports per-item failures only through
 *   `UnprocessedItems`. So writes whose item is held by an in-flight transaction are left out of
 *   the batch and returned in `UnprocessedItems`; the rest are written.
 * - a `TransactWriteItems` touching an item of an in-flight single write is *not* rejected
 *   (the guide lists no such conflict), and `GetItem` / `Query` / `Scan` never conflict.
 *
 * "In flight" is from the moment the proxy holds a request's items until the backend's
 * response is back. The write-counting reads below happen just before (old images) and just
 * after (new images) that window, so counting does not widen it.
 * `transactionLatencyMs` adds a delay, keys held, before a `TransactWriteItems` is forwarded:
 * AWS holds a transaction's items for its two-phase commit (prepare, then commit, on every
 * item's partition), typically tens of milliseconds, while DynamoDB Local commits in about a
 * millisecond, so without it the conflict window is narrower than in production.
 *
 * Write counting (`countWrites`, default on): successful writes per partition key value per
 * second, for the table and for each GSI, so hot keys (about 1,000 write units per second per
 * partition key value on AWS) show up in tests and benchmarks. A GSI is written when the item
 * has that index's key attributes before or after the write; a changed index key is two writes
 * (delete the old entry, put the new one). Learning the before/after images costs a
 * strongly-consistent `GetItem` to the backend before an `UpdateItem`/`DeleteItem`/`PutItem`
 * (a put replacing an item removes its old index entries) and one after an update, sent
 * directly, not through the proxy; tables without GSIs need no reads.
 *
 * Everything else passes through untouched, bodies byte for byte (the SDK may check
 * `x-amz-crc32`, which is passed on unchanged; responses the proxy writes itself carry none).
 * Stats are also served on the proxy's own port for other processes: `GET /__proxy/stats`
 * (JSON; `?top=N` hottest keys per index) and `POST /__proxy/reset`.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface ConflictProxyOptions {
  /** The DynamoDB endpoint to forward to, e.g. DynamoDB Local's `http://127.0.0.1:8000`. */
  target: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /**
   * Extra time a `TransactWriteItems` holds its items before it is forwarded, emulating AWS's
   * two-phase commit (tens of ms there, ~1 ms in DynamoDB Local). Default 0.
   */
  transactionLatencyMs?: number;
  /** Count writes per partition key value (costs backend reads on tables with GSIs). Default true. */
  countWrites?: boolean;
  /** Clock for the per-second write buckets (tests). Default `Date.now`. */
  now?: () => number;
}

/** One partition key value of the table (`index: 'table'`) or of a GSI, and the writes it took. */
export interface HotKey {
  table: string;
  /** `'table'` for the base table, else the GSI name. */
  index: string;
  /** The partition key value (multi-attribute keys joined with `|`). */
  key: string;
  writes: number;
  /** Most writes in any one wall-clock second. */
  peakPerSecond: number;
  /** `writes` / all writes counted on this index, 0..1. */
  share: number;
}

export interface IndexWrites {
  table: string;
  index: string;
  writes: number;
  /** Distinct partition key values written. */
  partitionKeys: number;
}

export interface ConflictProxyStats {
  /** When counting started (proxy start or last reset), ISO 8601. */
  since: string;
  /** Requests received, by operation (`X-Amz-Target` suffix; `other` for anything else). */
  requests: Record<string, number>;
  /** `TransactWriteItems` + `TransactGetItems` received. */
  transactions: number;
  /** Transactions cancelled with `TransactionConflict` by the proxy. */
  transactionConflicts: number;
  /** `PutItem` / `UpdateItem` / `DeleteItem` answered `TransactionConflictException`. */
  singleWriteConflicts: number;
  /** `BatchWriteItem` writes returned in `UnprocessedItems` because a transaction held their item. */
  batchWriteConflicts: number;
  /** Items held right now by in-flight `TransactWriteItems` (0 when idle). */
  heldItems: number;
  /** The partition key values whose items conflicted most (transactions and single writes), most first. */
  conflictKeys: { table: string; key: string; conflicts: number }[];
  writes: {
    indexes: IndexWrites[];
    /** The hottest partition key values of each index, hottest first. */
    hottestKeys: HotKey[];
  };
}

export interface ConflictProxy {
  /** `http://host:port` of the proxy: use it as the DynamoDB endpoint. */
  readonly url: string;
  /** Counters since start or the last reset; `top` hottest keys per index (default 10). */
  stats(top?: number): ConflictProxyStats;
  /** Resolves once the write counts of every answered write are recorded (`GET /__proxy/stats` waits for it). */
  settled(): Promise<void>;
  /** The `n` (default 10) hottest partition key values of each index. */
  hottestKeys(n?: number): HotKey[];
  /** Zeroes the counters (in-flight holds are kept). */
  reset(): void;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810#';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const DEFAULT_TOP = 10;
/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus those the proxy recomputes. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
  'content-length',
]);

export async function startConflictProxy(options: ConflictProxyOptions): Promise<ConflictProxy> {
  const backend = new Backend(options.target);
  const now = options.now ?? Date.now;
  const transactionLatencyMs = options.transactionLatencyMs ?? 0;
  const countWrites = options.countWrites ?? true;
  const schemas = new SchemaCache(backend);
  const counter = new WriteCounter(now);
  const locks = new ItemLocks();
  let counters = emptyCounters(now);

  /** Reads an item's current image directly from the backend (not through the proxy). */
  const readImage = async (write: PlannedWrite, auth: IncomingHttpHeaders): Promise<AttributeMap | undefined> => {
    try {
      const result = await backend.call('GetItem', { TableName: write.table, Key: write.key, ConsistentRead: true }, auth);
      return isObject(result.Item) ? result.Item : undefined;
    } catch {
      // Counting is diagnostics: a failed read only makes the GSI attribution of this write incomplete.
      return undefined;
    }
  };

  /** Old images, for the writes whose table has GSIs (the base-table count needs only the key). */
  const readBefore = async (writes: PlannedWrite[], auth: IncomingHttpHeaders) => {
    if (!countWrites) return;
    await Promise.all(
      writes
        .filter((write) => write.schema.indexes.length > 0)
        .map(async (write) => {
          write.before = await readImage(write, auth);
        }),
    );
  };

  /** Records the writes that succeeded, reading updated items' new images first. */
  const recordWrites = async (writes: PlannedWrite[], auth: IncomingHttpHeaders) => {
    if (!countWrites) return;
    await Promise.all(
      writes.map(async (write) => {
        let after: AttributeMap | undefined;
        if (write.kind === 'Put') after = write.item;
        else if (write.kind === 'Update' && write.schema.indexes.length > 0) after = await readImage(write, auth);
        counter.recordItemWrite(write.table, write.schema, write.key, write.before, after);
      }),
    );
  };

  /** Resolves each write's key (a put's from its item and the table's key schema) and item id. */
  const planWrites = async (specs: WriteSpec[], auth: IncomingHttpHeaders): Promise<(PlannedWrite | undefined)[]> => {
    const tables = await schemas.getAll(specs.map((spec) => spec.table), auth);
    return specs.map((spec) => {
      const schema = tables.get(spec.table);
      const key = spec.key ?? (spec.item && schema ? pickKey(spec.item, schema.table) : undefined);
      // No schema (table unknown to the backend) or no key: the backend will reject the request.
      if (!schema || !key) return undefined;
      return { ...spec, schema, key, id: itemId(spec.table, key) };
    });
  };

  // Write counts are recorded after the answer (the new images are read once the write is no
  // longer in flight): `settled()` waits for those still being recorded.
  const recording = new Set<Promise<void>>();
  const counting = (work: Promise<void>): Promise<void> => {
    recording.add(work);
    return work.finally(() => recording.delete(work));
  };
  const settled = async (): Promise<void> => {
    while (recording.size > 0) await Promise.allSettled([...recording]);
  };

  const countConflict = (write: PlannedWrite) => {
    const id = `${write.table}|${partitionValue(write.key, write.schema.table)}`;
    counters.conflictsByKey.set(id, (counters.conflictsByKey.get(id) ?? 0) + 1);
  };

  async function transactWriteItems(request: ProxiedRequest): Promise<void> {
    counters.transactions++;
    const specs = parseTransactWriteItems(request.body);
    if (!specs) return request.passThrough();
    const planned = await planWrites(specs, request.headers);
    const writes = planned.filter((write): write is PlannedWrite => write !== undefined && write.kind !== 'ConditionCheck');
    const conflicts = () => planned.map((write) => write !== undefined && locks.heldByTransaction(write.id));
    const cancel = (reasons: boolean[]) => {
      counters.transactionConflicts++;
      planned.forEach((write, i) => reasons[i] && write && countConflict(write));
      return request.respond(transactionCancelled(reasons));
    };
    // A transaction doomed to conflict is answered at once, without any backend call.
    if (conflicts().some(Boolean)) return cancel(conflicts());
    // The old images (for the write counts) are read before the items are held, so counting
    // never widens the window in which this transaction conflicts with others; an item
    // changed in between only skews the counts, never the conflicts.
    await readBefore(writes, request.headers);
    // From here to locks.holdTransaction nothing awaits: the check and the hold are one step.
    const reasons = conflicts();
    if (reasons.some(Boolean)) return cancel(reasons);
    const ids = planned.flatMap((write) => (write ? [write.id] : []));
    const release = locks.holdTransaction(ids);
    try {
      await delay(transactionLatencyMs);
      const response = await request.forward();
      // The transaction is over once DynamoDB answered: reading the new images for the write
      // counts must not lengthen the window in which it conflicts with others.
      release();
      request.respond(response);
      if (response.status === 200) await counting(recordWrites(writes, request.headers));
    } finally {
      release();
    }
  }

  async function transactGetItems(request: ProxiedRequest): Promise<void> {
    counters.transactions++;
    const ids = parseTransactGetItems(request.body);
    if (!ids) return request.passThrough();
    const reasons = ids.map((id) => locks.heldByTransaction(id) || locks.heldBySingleWrite(id));
    if (reasons.some(Boolean)) {
      counters.transactionConflicts++;
      return request.respond(transactionCancelled(reasons));
    }
    const get = locks.registerGet(ids);
    try {
      const response = await request.forward();
      get.end();
      // Written while this get was in flight: on AWS the get is the one that fails.
      if (response.status === 200 && get.doomed.size > 0) {
        counters.transactionConflicts++;
        return request.respond(transactionCancelled(ids.map((_, index) => get.doomed.has(index))));
      }
      request.respond(response);
    } finally {
      get.end();
    }
  }

  async function singleWrite(request: ProxiedRequest, kind: 'Put' | 'Update' | 'Delete'): Promise<void> {
    const spec = parseSingleWrite(request.body, kind);
    const [write] = spec ? await planWrites([spec], request.headers) : [];
    if (!write) return request.passThrough();
    const conflict = () => {
      counters.singleWriteConflicts++;
      countConflict(write);
      return request.respond(errorResponse('TransactionConflictException', 'Transaction is ongoing for the item'));
    };
    if (locks.heldByTransaction(write.id)) return conflict();
    await readBefore([write], request.headers);
    if (locks.heldByTransaction(write.id)) return conflict();
    const release = locks.holdSingleWrites([write.id]);
    try {
      const response = await request.forward();
      release();
      request.respond(response);
      if (response.status === 200) await counting(recordWrites([write], request.headers));
    } finally {
      release();
    }
  }

  async function batchWriteItem(request: ProxiedRequest): Promise<void> {
    const requestItems = isObject(request.body.RequestItems) ? request.body.RequestItems : undefined;
    const entries = requestItems ? parseBatchWrite(requestItems) : undefined;
    if (!entries) return request.passThrough();
    const planned = await planWrites(
      entries.map((entry) => entry.spec),
      request.headers,
    );
    const held = planned.map((write) => write !== undefined && locks.heldByTransaction(write.id));
    const admitted = planned.flatMap((write, index) => (write && !held[index] ? [write] : []));
    const release = locks.holdSingleWrites(admitted.map((write) => write.id));
    try {
      await readBefore(admitted, request.headers);
      let response: BackendResponse;
      let unprocessedByBackend = new Set<string>();
      if (!held.some(Boolean)) {
        response = await request.forward();
        if (response.status === 200) unprocessedByBackend = await unprocessedIds(response, schemas, request.headers);
      } else {
        counters.batchWriteConflicts += held.filter(Boolean).length;
        const rejected = groupByTable(entries.filter((_, index) => held[index]));
        const remaining = entries.filter((_, index) => !held[index]);
        if (remaining.length === 0) {
          response = jsonResponse(200, { UnprocessedItems: rejected });
        } else {
          const forwarded = await request.forward({ ...request.body, RequestItems: groupByTable(remaining) });
          response = forwarded;
          if (forwarded.status === 200) {
            unprocessedByBackend = await unprocessedIds(forwarded, schemas, request.headers);
            const output = parseJsonObject(forwarded.body) ?? {};
            const unprocessed = isObject(output.UnprocessedItems) ? output.UnprocessedItems : {};
            response = jsonResponse(200, { ...output, UnprocessedItems: mergeByTable(unprocessed, rejected) });
          }
        }
      }
      if (response.status === 200) {
        await recordWrites(
          admitted.filter((write) => !unprocessedByBackend.has(write.id)),
          request.headers,
        );
      }
      release();
      request.respond(response);
    } finally {
      release();
    }
  }

  /** Table definitions can change under a name (tests delete and recreate tables). */
  async function tableChange(request: ProxiedRequest): Promise<void> {
    const response = await request.forward();
    if (typeof request.body.TableName === 'string') schemas.forget(request.body.TableName);
    request.respond(response);
  }

  const handlers: Record<string, (request: ProxiedRequest) => Promise<void>> = {
    TransactWriteItems: transactWriteItems,
    TransactGetItems: transactGetItems,
    PutItem: (request) => singleWrite(request, 'Put'),
    UpdateItem: (request) => singleWrite(request, 'Update'),
    DeleteItem: (request) => singleWrite(request, 'Delete'),
    BatchWriteItem: batchWriteItem,
    CreateTable: tableChange,
    DeleteTable: tableChange,
    UpdateTable: tableChange,
  };

  const stats = (top = DEFAULT_TOP): ConflictProxyStats => ({
    since: new Date(counters.since).toISOString(),
    requests: { ...counters.requests },
    transactions: counters.transactions,
    transactionConflicts: counters.transactionConflicts,
    singleWriteConflicts: counters.singleWriteConflicts,
    batchWriteConflicts: counters.batchWriteConflicts,
    heldItems: locks.transactionItemCount(),
    conflictKeys: [...counters.conflictsByKey]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([id, conflicts]) => ({ table: id.slice(0, id.indexOf('|')), key: id.slice(id.indexOf('|') + 1), conflicts })),
    writes: { indexes: counter.indexTotals(), hottestKeys: counter.hottest(top) },
  });
  const reset = () => {
    counters = emptyCounters(now);
    counter.reset();
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        if (req.url?.startsWith('/__proxy/')) {
          await settled();
          return await control(req, res, stats, reset);
        }
        const target = req.headers['x-amz-target'];
        const operation = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
        const name = operation ?? 'other';
        counters.requests[name] = (counters.requests[name] ?? 0) + 1;
        const request = new ProxiedRequest(req, res, await readBody(req), backend);
        const handler = operation ? handlers[operation] : undefined;
        if (!handler) return await request.passThrough();
        await handler(request);
      } catch (error) {
        // A proxy bug or an unreachable backend: answer like a DynamoDB server error, which the SDK retries.
        const message = `conflict proxy: ${error instanceof Error ? error.message : String(error)}`;
        if (!res.headersSent) writeResponse(res, errorResponse('InternalServerError', message, 500));
        else res.destroy();
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    stats,
    settled,
    hottestKeys: (n = DEFAULT_TOP) => counter.hottest(n),
    reset,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }).finally(() => backend.destroy());
      return closing;
    },
  };
}

/** A plain-text table of each index's hottest partition keys (`n` per index). */
export function formatHottestKeys(stats: ConflictProxyStats, n = 5): string {
  const totals = new Map(stats.writes.indexes.map((index) => [`${index.table}\u0000${index.index}`, index.writes]));
  const multipleTables = new Set(stats.writes.indexes.map((index) => index.table)).size > 1;
  const perIndex = new Map<string, number>();
  const rows: string[][] = [];
  for (const hot of stats.writes.hottestKeys) {
    const group = `${hot.table}\u0000${hot.index}`;
    const shown = perIndex.get(group) ?? 0;
    if (shown >= n) continue;
    perIndex.set(group, shown + 1);
    rows.push([
      ...(multipleTables ? [hot.table] : []),
      hot.index,
      hot.key,
      String(hot.writes),
      String(hot.peakPerSecond),
      `${(hot.share * 100).toFixed(1)} %`,
      String(totals.get(group) ?? 0),
    ]);
  }
  const header = [...(multipleTables ? ['table'] : []), 'index', 'partition key', 'writes', 'peak/s', 'share', 'index writes'];
  if (rows.length === 0) return 'No writes counted.';
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const textColumns = multipleTables ? 3 : 2;
  const render = (cells: string[]) =>
    cells.map((cell, column) => (column < textColumns ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [render(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(render)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Wire types and parsing

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
/** DynamoDB JSON: attribute name → typed value (`{ "S": "..." }`, `{ "N": "1" }`, ...). */
type AttributeMap = JsonObject;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJsonObject(body: Buffer): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

type WriteKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';

interface WriteSpec {
  kind: WriteKind;
  table: string;
  /** `Key` of an update, delete or condition check. */
  key?: AttributeMap;
  /** `Item` of a put. */
  item?: AttributeMap;
}

interface PlannedWrite extends WriteSpec {
  key: AttributeMap;
  schema: TableSchema;
  /** Item identity: table name + canonical JSON of the key. */
  id: string;
  /** The item before the write (read only when counting on a table with GSIs). */
  before?: AttributeMap;
}

const TRANSACT_WRITE_KINDS: readonly WriteKind[] = ['Put', 'Update', 'Delete', 'ConditionCheck'];

function parseTransactWriteItems(body: JsonObject): WriteSpec[] | undefined {
  if (!Array.isArray(body.TransactItems)) return undefined;
  const specs: WriteSpec[] = [];
  for (const entry of body.TransactItems) {
    if (!isObject(entry)) return undefined;
    const kind = TRANSACT_WRITE_KINDS.find((candidate) => isObject(entry[candidate]));
    const spec = kind ? parseSingleWrite(entry[kind] as JsonObject, kind) : undefined;
    if (!spec) return undefined;
    specs.push(spec);
  }
  return specs;
}

function parseSingleWrite(body: JsonObject, kind: WriteKind): WriteSpec | undefined {
  if (typeof body.TableName !== 'string') return undefined;
  if (kind === 'Put') return isObject(body.Item) ? { kind, table: body.TableName, item: body.Item } : undefined;
  return isObject(body.Key) ? { kind, table: body.TableName, key: body.Key } : undefined;
}

/** Item ids of a `TransactGetItems`, in request order. */
function parseTransactGetItems(body: JsonObject): string[] | undefined {
  if (!Array.isArray(body.TransactItems)) return undefined;
  const ids: string[] = [];
  for (const entry of body.TransactItems) {
    const get = isObject(entry) && isObject(entry.Get) ? entry.Get : undefined;
    if (!get || typeof get.TableName !== 'string' || !isObject(get.Key)) return undefined;
    ids.push(itemId(get.TableName, get.Key));
  }
  return ids;
}

interface BatchEntry {
  spec: WriteSpec;
  /** The `WriteRequest` exactly as sent, to forward or return unprocessed. */
  raw: JsonObject;
}

function parseBatchWrite(requestItems: JsonObject): BatchEntry[] | undefined {
  const entries: BatchEntry[] = [];
  for (const [table, requests] of Object.entries(requestItems)) {
    if (!Array.isArray(requests)) return undefined;
    for (const raw of requests) {
      if (!isObject(raw)) return undefined;
      const put = isObject(raw.PutRequest) && isObject(raw.PutRequest.Item) ? raw.PutRequest.Item : undefined;
      const del = isObject(raw.DeleteRequest) && isObject(raw.DeleteRequest.Key) ? raw.DeleteRequest.Key : undefined;
      if (put) entries.push({ spec: { kind: 'Put', table, item: put }, raw });
      else if (del) entries.push({ spec: { kind: 'Delete', table, key: del }, raw });
      else return undefined;
    }
  }
  return entries;
}

function groupByTable(entries: BatchEntry[]): JsonObject {
  const grouped: { [table: string]: Json[] } = {};
  for (const entry of entries) (grouped[entry.spec.table] ??= []).push(entry.raw);
  return grouped;
}

function mergeByTable(first: JsonObject, second: JsonObject): JsonObject {
  const merged: { [table: string]: Json[] } = {};
  for (const source of [first, second]) {
    for (const [table, requests] of Object.entries(source)) {
      if (Array.isArray(requests)) merged[table] = [...(merged[table] ?? []), ...requests];
    }
  }
  return merged;
}

/** Ids of the writes the backend itself left unprocessed (throttling on AWS; never in DynamoDB Local). */
async function unprocessedIds(response: BackendResponse, schemas: SchemaCache, auth: IncomingHttpHeaders): Promise<Set<string>> {
  const output = parseJsonObject(response.body);
  const unprocessed = output && isObject(output.UnprocessedItems) ? parseBatchWrite(output.UnprocessedItems) : undefined;
  if (!unprocessed || unprocessed.length === 0) return new Set();
  const tables = await schemas.getAll(
    unprocessed.map((entry) => entry.spec.table),
    auth,
  );
  const ids = new Set<string>();
  for (const { spec } of unprocessed) {
    const schema = tables.get(spec.table);
    const key = spec.key ?? (spec.item && schema ? pickKey(spec.item, schema.table) : undefined);
    if (key) ids.add(itemId(spec.table, key));
  }
  return ids;
}

/** JSON with object keys sorted, so equal keys give equal strings whatever the attribute order. */
function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

const itemId = (table: string, key: AttributeMap): string => `${table}\u0000${canonicalJson(key)}`;

// ---------------------------------------------------------------------------------------------
// Key schemas (learned once per table with DescribeTable)

interface KeyAttributes {
  partition: string[];
  sort: string[];
}

interface TableSchema {
  table: KeyAttributes;
  indexes: { name: string; key: KeyAttributes }[];
}

function keyAttributes(keySchema: Json | undefined): KeyAttributes | undefined {
  if (!Array.isArray(keySchema)) return undefined;
  const key: KeyAttributes = { partition: [], sort: [] };
  for (const element of keySchema) {
    if (!isObject(element) || typeof element.AttributeName !== 'string') return undefined;
    (element.KeyType === 'RANGE' ? key.sort : key.partition).push(element.AttributeName);
  }
  return key.partition.length > 0 ? key : undefined;
}

class SchemaCache {
  private readonly schemas = new Map<string, Promise<TableSchema | undefined>>();

  constructor(private readonly backend: Backend) {}

  /** `auth`: the caller's headers, which DynamoDB Local requires (see Backend.call). */
  get(table: string, auth: IncomingHttpHeaders): Promise<TableSchema | undefined> {
    let schema = this.schemas.get(table);
    if (!schema) {
      const described = this.describe(table, auth);
      // Don't cache a miss or a failure: the table may be created in a moment.
      const forget = () => {
        if (this.schemas.get(table) === described) this.schemas.delete(table);
      };
      described.then((found) => {
        if (!found) forget();
      }, forget);
      this.schemas.set(table, described);
      schema = described;
    }
    return schema;
  }

  async getAll(tables: string[], auth: IncomingHttpHeaders): Promise<Map<string, TableSchema>> {
    const unique = [...new Set(tables)];
    const found = await Promise.all(unique.map((table) => this.get(table, auth)));
    return new Map(unique.flatMap((table, index) => (found[index] ? [[table, found[index]] as const] : [])));
  }

  forget(table: string): void {
    this.schemas.delete(table);
  }

  /**
   * Undefined when the table doesn't exist (the request then goes to the backend, which says so).
   * Any other failure throws: silently skipping conflict checks would hide what the proxy is for.
   */
  private async describe(table: string, auth: IncomingHttpHeaders): Promise<TableSchema | undefined> {
    let output: JsonObject;
    try {
      output = await this.backend.call('DescribeTable', { TableName: table }, auth);
    } catch (error) {
      if (error instanceof BackendCallError && error.type === 'ResourceNotFoundException') return undefined;
      throw error;
    }
    const description = isObject(output.Table) ? output.Table : undefined;
    const tableKey = keyAttributes(description?.KeySchema);
    if (!description || !tableKey) throw new Error(`DescribeTable ${table}: no key schema in the answer`);
    const gsis = Array.isArray(description.GlobalSecondaryIndexes) ? description.GlobalSecondaryIndexes : [];
    const indexes = gsis.flatMap((gsi) => {
      const key = isObject(gsi) ? keyAttributes(gsi.KeySchema) : undefined;
      return isObject(gsi) && typeof gsi.IndexName === 'string' && key ? [{ name: gsi.IndexName, key }] : [];
    });
    return { table: tableKey, indexes };
  }
}

/** The key attributes of `item` for `key`, or undefined when one is missing. */
function pickKey(item: AttributeMap, key: KeyAttributes): AttributeMap | undefined {
  const picked: AttributeMap = {};
  for (const name of [...key.partition, ...key.sort]) {
    const value = item[name];
    if (value === undefined) return undefined;
    picked[name] = value;
  }
  return picked;
}

/** A partition key value as people read it: `ORDERS`, `42`; several attributes joined with `|`. */
function partitionValue(item: AttributeMap, key: KeyAttributes): string {
  return key.partition
    .map((name) => {
      const value = item[name];
      if (isObject(value)) {
        const scalar = value.S ?? value.N ?? value.B;
        if (typeof scalar === 'string') return scalar;
      }
      return value === undefined ? '' : canonicalJson(value);
    })
    .join('|');
}

// ---------------------------------------------------------------------------------------------
// In-flight items

interface InFlightGet {
  readonly ids: string[];
  /** Indexes of items written by someone else while this get was in flight. */
  readonly doomed: Set<number>;
  end(): void;
}

class ItemLocks {
  private readonly transactionItems = new Map<string, number>();
  private readonly singleWriteItems = new Map<string, number>();
  private readonly gets = new Map<string, Set<InFlightGet>>();

  heldByTransaction = (id: string): boolean => this.transactionItems.has(id);
  heldBySingleWrite = (id: string): boolean => this.singleWriteItems.has(id);
  transactionItemCount = (): number => this.transactionItems.size;

  /** Holds `ids` for a transaction; the returned release is idempotent. */
  holdTransaction(ids: string[]): () => void {
    return this.hold(this.transactionItems, ids);
  }

  /** Single writes don't exclude each other, so they are counted, not owned. */
  holdSingleWrites(ids: string[]): () => void {
    return this.hold(this.singleWriteItems, ids);
  }

  registerGet(ids: string[]): InFlightGet {
    let ended = false;
    const get: InFlightGet = {
      ids,
      doomed: new Set(),
      end: () => {
        if (ended) return;
        ended = true;
        for (const id of ids) {
          const set = this.gets.get(id);
          set?.delete(get);
          if (set?.size === 0) this.gets.delete(id);
        }
      },
    };
    for (const id of ids) {
      let set = this.gets.get(id);
      if (!set) this.gets.set(id, (set = new Set()));
      set.add(get);
    }
    return get;
  }

  private hold(holders: Map<string, number>, ids: string[]): () => void {
    for (const id of ids) {
      holders.set(id, (holders.get(id) ?? 0) + 1);
      for (const get of this.gets.get(id) ?? []) {
        get.ids.forEach((getId, index) => {
          if (getId === id) get.doomed.add(index);
        });
      }
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of ids) {
        const count = (holders.get(id) ?? 1) - 1;
        if (count <= 0) holders.delete(id);
        else holders.set(id, count);
      }
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Write counting

interface KeyCount {
  writes: number;
  second: number;
  inSecond: number;
  peak: number;
}

interface IndexCount {
  table: string;
  index: string;
  writes: number;
  keys: Map<string, KeyCount>;
}

class WriteCounter {
  private indexes = new Map<string, IndexCount>();

  constructor(private readonly now: () => number) {}

  recordItemWrite(table: string, schema: TableSchema, key: AttributeMap, before: AttributeMap | undefined, after: AttributeMap | undefined): void {
    this.add(table, 'table', partitionValue(key, schema.table));
    for (const gsi of schema.indexes) {
      const old = before ? pickKey(before, gsi.key) : undefined;
      const next = after ? pickKey(after, gsi.key) : undefined;
      if (old && next && canonicalJson(old) === canonicalJson(next)) {
        this.add(table, gsi.name, partitionValue(next, gsi.key));
        continue;
      }
      // A new, removed or moved index entry: a moved one is a delete plus a put.
      if (old) this.add(table, gsi.name, partitionValue(old, gsi.key));
      if (next) this.add(table, gsi.name, partitionValue(next, gsi.key));
    }
  }

  indexTotals(): IndexWrites[] {
    return this.sortedIndexes().map(({ table, index, writes, keys }) => ({ table, index, writes, partitionKeys: keys.size }));
  }

  hottest(n: number): HotKey[] {
    return this.sortedIndexes().flatMap(({ table, index, writes: indexWrites, keys }) =>
      [...keys.entries()]
        .sort(([keyA, a], [keyB, b]) => b.writes - a.writes || b.peak - a.peak || keyA.localeCompare(keyB))
        .slice(0, n)
        .map(([key, count]) => ({ table, index, key, writes: count.writes, peakPerSecond: count.peak, share: count.writes / indexWrites })),
    );
  }

  reset(): void {
    this.indexes = new Map();
  }

  private add(table: string, index: string, key: string): void {
    const name = `${table}\u0000${index}`;
    let counts = this.indexes.get(name);
    if (!counts) this.indexes.set(name, (counts = { table, index, writes: 0, keys: new Map() }));
    counts.writes++;
    const second = Math.floor(this.now() / 1000);
    const count = counts.keys.get(key) ?? { writes: 0, second, inSecond: 0, peak: 0 };
    if (count.second !== second) {
      count.second = second;
      count.inSecond = 0;
    }
    count.writes++;
    count.inSecond++;
    count.peak = Math.max(count.peak, count.inSecond);
    counts.keys.set(key, count);
  }

  /** Base table first, then GSIs by name. */
  private sortedIndexes(): IndexCount[] {
    return [...this.indexes.values()].sort(
      (a, b) => a.table.localeCompare(b.table) || Number(b.index === 'table') - Number(a.index === 'table') || a.index.localeCompare(b.index),
    );
  }
}

interface Counters {
  since: number;
  requests: Record<string, number>;
  transactions: number;
  transactionConflicts: number;
  singleWriteConflicts: number;
  batchWriteConflicts: number;
  /** `<table>|<partition key value>` → conflicts on an item of it. */
  conflictsByKey: Map<string, number>;
}

const emptyCounters = (now: () => number): Counters => ({
  since: now(),
  requests: {},
  transactions: 0,
  transactionConflicts: 0,
  singleWriteConflicts: 0,
  batchWriteConflicts: 0,
  conflictsByKey: new Map(),
});

// ---------------------------------------------------------------------------------------------
// HTTP

interface BackendResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

function jsonResponse(status: number, payload: JsonObject): BackendResponse {
  return {
    status,
    // No x-amz-crc32: the SDK only checks it when present, and this body is the proxy's own.
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': randomUUID() },
    body: Buffer.from(JSON.stringify(payload)),
  };
}

function errorResponse(type: string, message: string, status = 400): BackendResponse {
  return jsonResponse(status, { __type: `${ERROR_NAMESPACE}${type}`, message });
}

/** The cancellation AWS returns: one reason per item, in request order. */
function transactionCancelled(conflicts: boolean[]): BackendResponse {
  const codes = conflicts.map((conflict) => (conflict ? 'TransactionConflict' : 'None'));
  return jsonResponse(400, {
    __type: `${ERROR_NAMESPACE}TransactionCanceledException`,
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    CancellationReasons: conflicts.map(
      (conflict): JsonObject => (conflict ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' }),
    ),
  });
}

function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) result[name] = value;
  }
  return result;
}

function writeResponse(res: ServerResponse, response: BackendResponse): void {
  res.writeHead(response.status, { ...response.headers, 'content-length': response.body.length });
  res.end(response.body);
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

const delay = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

class BackendCallError extends Error {
  constructor(
    operation: string,
    readonly status: number,
    /** The DynamoDB error name, e.g. `ResourceNotFoundException`. */
    readonly type: string | undefined,
    body: string,
  ) {
    super(`${operation} answered ${status}: ${body}`);
    this.name = 'BackendCallError';
  }
}

/** The backend connection pool and the three ways the proxy talks to it. */
class Backend {
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(target: string) {
    this.url = new URL(target);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new Error(`conflict proxy: target must be an http(s) URL, got ${target}`);
    }
    // Keep-alive: a benchmark sends thousands of requests; a new TCP connection each would dominate.
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /** Sends `body` and buffers the whole response. */
  send(headers: OutgoingHttpHeaders, body: Buffer): Promise<BackendResponse> {
    return new Promise((resolve, reject) => {
      const req = this.request(headers, body.length, (res) => {
        readBody(res).then((buffer) => resolve({ status: res.statusCode ?? 502, headers: forwardableHeaders(res.headers), body: buffer }), reject);
      });
      req.once('error', reject);
      req.end(body);
    });
  }

  /** Sends `body` and streams the response to `res` unchanged. */
  pipe(headers: OutgoingHttpHeaders, body: Buffer, res: ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = this.request(headers, body.length, (backendRes) => {
        const headers = forwardableHeaders(backendRes.headers);
        // The body goes through unchanged, so its length does too (without it Node would chunk).
        const length = backendRes.headers['content-length'];
        if (length !== undefined) headers['content-length'] = length;
        res.writeHead(backendRes.statusCode ?? 502, headers);
        backendRes.pipe(res);
        backendRes.once('end', resolve);
        backendRes.once('error', reject);
      });
      req.once('error', reject);
      req.end(body);
    });
  }

  /** The proxy's own DynamoDB call; `auth` carries the caller's credentials headers. */
  async call(operation: string, payload: JsonObject, auth: IncomingHttpHeaders): Promise<JsonObject> {
    const headers: OutgoingHttpHeaders = {
      'content-type': JSON_CONTENT_TYPE,
      'x-amz-target': `${TARGET_PREFIX}${operation}`,
      'accept-encoding': 'identity',
    };
    // Without -sharedDb, DynamoDB Local keeps one database per access key and region: read the
    // caller's. It doesn't check signatures, so the reused header is fine.
    for (const name of ['authorization', 'x-amz-date', 'x-amz-security-token']) {
      const value = auth[name];
      if (value !== undefined) headers[name] = value;
    }
    const response = await this.send(headers, Buffer.from(JSON.stringify(payload)));
    const output = parseJsonObject(response.body);
    if (response.status !== 200 || !output) {
      const type = typeof output?.__type === 'string' ? output.__type.slice(output.__type.indexOf('#') + 1) : undefined;
      throw new BackendCallError(operation, response.status, type, response.body.toString('utf8').slice(0, 300));
    }
    return output;
  }

  destroy(): void {
    this.agent.destroy();
  }

  private request(headers: OutgoingHttpHeaders, length: number, onResponse: (res: IncomingMessage) => void): http.ClientRequest {
    const options: http.RequestOptions = {
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port,
      method: 'POST',
      path: this.url.pathname,
      agent: this.agent,
      headers: { ...headers, host: this.url.host, 'content-length': length },
    };
    return this.url.protocol === 'https:' ? https.request(options, onResponse) : http.request(options, onResponse);
  }
}

/** One DynamoDB request received by the proxy. */
class ProxiedRequest {
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body (`{}` when it isn't a JSON object; such requests pass through). */
  readonly body: JsonObject;

  constructor(
    req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly raw: Buffer,
    private readonly backend: Backend,
  ) {
    this.headers = req.headers;
    this.body = parseJsonObject(raw) ?? {};
  }

  /** Forwards the body unchanged (or `replacement`) and buffers the response. */
  forward(replacement?: JsonObject): Promise<BackendResponse> {
    const headers = forwardableHeaders(this.headers);
    if (!replacement) return this.backend.send(headers, this.raw);
    // The response of a rewritten request is parsed: ask for it uncompressed.
    delete headers['accept-encoding'];
    return this.backend.send(headers, Buffer.from(JSON.stringify(replacement)));
  }

  /** Forwards the request unchanged and streams the response back unchanged. */
  passThrough(): Promise<void> {
    return this.backend.pipe(forwardableHeaders(this.headers), this.raw, this.res);
  }

  respond(response: BackendResponse): void {
    writeResponse(this.res, response);
  }
}

async function control(req: IncomingMessage, res: ServerResponse, stats: (top?: number) => ConflictProxyStats, reset: () => void): Promise<void> {
  await readBody(req);
  const url = new URL(req.url ?? '/', 'http://proxy');
  if (url.pathname === '/__proxy/stats' && req.method === 'GET') {
    const top = Number(url.searchParams.get('top') ?? DEFAULT_TOP);
    const body = Buffer.from(JSON.stringify(stats(Number.isInteger(top) && top > 0 ? top : DEFAULT_TOP)));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
    return;
  }
  if (url.pathname === '/__proxy/reset' && req.method === 'POST') {
    reset();
    res.writeHead(204).end();
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /__proxy/stats or POST /__proxy/reset\n');
}
