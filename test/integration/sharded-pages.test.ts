/**
 * Pages merged across write shards (`queryShards`): every combination of order, page size,
 * range and filter returns exactly the matching items in sort-key order across pages, with no
 * duplicates or gaps, also when the per-page read bound cuts a filtered page short.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { db, tableName } from '../../shared/clients/dynamodb.js';
import { queryShards } from '../../shared/pagination.js';
import { allShards, shardedPartition, WRITE_SHARDS } from '../../shared/write-shards.js';

const base = `SHARDTEST${randomUUID().slice(0, 8)}`;
const partitions = allShards(base);
interface Row {
  id: string;
  sk: string;
  colour: string;
}
const rows: Row[] = [];

beforeAll(async () => {
  for (let i = 0; i < 300; i += 1) {
    const id = randomUUID();
    // Sort keys like the lists': time first, id last (unique); some share a timestamp.
    const at = new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 3) * 60_000).toISOString();
    rows.push({ id, sk: `${at}#${id}`, colour: i % 10 === 0 ? 'red' : 'blue' });
  }
  for (let i = 0; i < rows.length; i += 25) {
    await db.send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName]: rows.slice(i, i + 25).map((row) => ({
            PutRequest: { Item: { pk: `${base}#${row.id}`, sk: 'ROW', colour: row.colour, gsi1pk: shardedPartition(base, row.id), gsi1sk: row.sk } },
          })),
        },
      }),
    );
  }
});

async function allPages(options: { descending: boolean; limit: number; from?: string; to?: string; red?: boolean; maxReads?: number }) {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let shortPages = 0;
  do {
    const page = await queryShards({
      index: 'gsi1',
      partitions,
      descending: options.descending,
      from: options.from,
      to: options.to,
      limit: options.limit,
      cursor,
      scope: `test:${base}`,
      ...(options.red ? { filter: { expression: 'colour = :red', values: { ':red': 'red' } } } : {}),
      ...(options.maxReads ? { maxReads: options.maxReads } : {}),
    });
    expect(page.items.length).toBeLessThanOrEqual(options.limit);
    seen.push(...page.items.map((item) => item.gsi1sk as string));
    cursor = page.nextCursor ?? undefined;
    if (cursor && page.items.length < options.limit) shortPages += 1;
    pages += 1;
    expect(pages).toBeLessThan(400);
  } while (cursor);
  return Object.assign(seen, { shortPages });
}

describe('queryShards: one ordered list over 16 shards', () => {
  it('spreads the rows over every shard', () => {
    expect(new Set(rows.map((row) => shardedPartition(base, row.id))).size).toBe(WRITE_SHARDS);
  });

  for (const descending of [false, true]) {
    for (const limit of [1, 7, 50, 301]) {
      it(`${descending ? 'newest' : 'oldest'} first, limit ${limit}: every row once, in order`, async () => {
        const expected = rows.map((row) => row.sk).sort();
        if (descending) expected.reverse();
        expect([...(await allPages({ descending, limit }))]).toEqual(expected);
      });
    }
  }

  it('a range, both orders', async () => {
    const sorted = rows.map((row) => row.sk).sort();
    const from = sorted[40]!.slice(0, 24);
    const to = `${sorted[200]!.slice(0, 24)}~`;
    const expected = sorted.filter((sk) => sk >= from && sk <= to);
    expect([...(await allPages({ descending: false, limit: 9, from, to }))]).toEqual(expected);
    expect([...(await allPages({ descending: true, limit: 9, from, to }))]).toEqual([...expected].reverse());
  });

  it('a filter matching 1 in 10, with a read bound that cuts pages short: still every match once, in order', async () => {
    const expected = rows.filter((row) => row.colour === 'red').map((row) => row.sk).sort();
    expect([...(await allPages({ descending: false, limit: 4, red: true }))]).toEqual(expected);
    const bounded = await allPages({ descending: true, limit: 10, red: true, maxReads: 16 });
    expect([...bounded]).toEqual([...expected].reverse());
    // The bound did cut some pages short (the path that resumes from the least advanced shard).
    expect(bounded.shortPages).toBeGreaterThan(0);
  });

  it('a cursor of another list is refused', async () => {
    const first = await queryShards({ index: 'gsi1', partitions, descending: true, limit: 2, cursor: undefined, scope: `test:${base}` });
    await expect(queryShards({ index: 'gsi1', partitions, descending: true, limit: 2, cursor: first.nextCursor!, scope: 'another' })).rejects.toThrow(/cursor/);
  });
});
