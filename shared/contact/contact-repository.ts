/**
 * Contact messages in the single table.
 *
 *   message  pk CONTACT#<id>  sk CONTACT  gsi1 CONTACTS / <createdAt>#<id>  searchText (lower case)
 *
 * Which index serves which query:
 *   GET /contact (newest first)  → gsi1 partition CONTACTS, backward; `<createdAt>#<id>`
 *                                  breaks ties, so paging is stable with no gaps or duplicates
 *   search                       → the same query with contains(searchText, :search) as a
 *                                  filter, at most 5 reads per page (see queryPage): a page can
 *                                  hold fewer than `limit` items, even none, and still have a
 *                                  nextCursor; keep following it until it is null
 *   DELETE /contact/{id}         → DeleteItem on the main key, conditioned on existing
 * No Scan. One partition (CONTACTS) holds every message: fine for a shop's contact form
 * (GSI partitions take ~1,000 writes/s). At scale, search with a filter reads too much:
 * stream the table to OpenSearch (or shard the partition by month) instead.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { db, tableName } from '../clients/dynamodb.js';
import { isConditionFailure } from '../dynamo-errors.js';
import { NotFoundError } from '../errors.js';
import { queryPage, type Page } from '../pagination.js';
import { searchTextOf, type ContactMessageRecord } from './contact-message.js';

const PARTITION = 'CONTACTS';
const messageKey = (id: string) => ({ pk: `CONTACT#${id}`, sk: 'CONTACT' });

function toRecord(item: Record<string, unknown>): ContactMessageRecord {
  return {
    id: item.id as string,
    name: item.name as string,
    email: item.email as string,
    ...(typeof item.phone === 'string' ? { phone: item.phone } : {}),
    message: item.message as string,
    createdAt: item.createdAt as string,
  };
}

export interface NewContactMessage {
  readonly name: string;
  readonly email: string;
  readonly phone?: string | undefined;
  readonly message: string;
}

export async function createContactMessage(input: NewContactMessage, now = new Date()): Promise<ContactMessageRecord> {
  const record: ContactMessageRecord = {
    id: ulid(now.getTime()),
    name: input.name,
    email: input.email,
    ...(input.phone !== undefined ? { phone: input.phone } : {}),
    message: input.message,
    createdAt: now.toISOString(),
  };
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...messageKey(record.id),
        ...record,
        type: 'contactMessage',
        gsi1pk: PARTITION,
        gsi1sk: `${record.createdAt}#${record.id}`,
        searchText: searchTextOf(record),
      },
      // A fresh ULID never collides; the condition makes sure a collision could not overwrite.
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return record;
}

export interface ListContactMessagesInput {
  readonly limit: number;
  readonly cursor?: string | undefined;
  readonly search?: string | undefined;
}

export async function listContactMessages(input: ListContactMessagesInput): Promise<Page<ContactMessageRecord>> {
  const search = input.search?.toLowerCase();
  const page = await queryPage({
    query: {
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ScanIndexForward: false,
      ...(search
        ? { FilterExpression: 'contains(searchText, :search)', ExpressionAttributeValues: { ':p': PARTITION, ':search': search } }
        : { ExpressionAttributeValues: { ':p': PARTITION } }),
    },
    keyAttributes: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
    limit: input.limit,
    cursor: input.cursor,
    // A cursor is only valid for the search it was issued for.
    scope: `contact:${search ?? ''}`,
  });
  return { ...page, items: page.items.map(toRecord) };
}

export async function deleteContactMessage(id: string): Promise<void> {
  try {
    await db.send(new DeleteCommand({ TableName: tableName, Key: messageKey(id), ConditionExpression: 'attribute_exists(pk)' }));
  } catch (error) {
    if (isConditionFailure(error)) throw new NotFoundError('Contact message');
    throw error;
  }
}
