/**
 * Items, keys and global secondary index entries of the in-memory DynamoDB (in-memory-lease-store.ts).
 */
import { DynamoDBServiceException, type AttributeValue, type KeySchemaElement, type Projection } from '@aws-sdk/client-dynamodb';
import { sameValue, type Item } from './in-memory-lease-store-expressions';

export function validation(message: string): DynamoDBServiceException {
  return new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', message, $metadata: { httpStatusCode: 400 } });
}

export interface Keys {
  hash: string;
  range?: string;
}

export interface Index {
  name: string;
  keys: Keys;
  projection: Projection;
  /** hash value → primary key → item */
  partitions: Map<string, Map<string, Item>>;
}

export function keyString(v: AttributeValue | undefined): string {
  if (v === undefined) return '';
  if (v.S !== undefined) return `S${v.S}`;
  if (v.N !== undefined) return `N${Number(v.N)}`;
  if (v.B !== undefined) return `B${Buffer.from(v.B).toString('base64')}`;
  throw validation('The provided key element does not match the schema');
}

export function keysOf(schema: readonly KeySchemaElement[] | undefined): Keys {
  const hash = schema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (!hash) throw validation('No HASH key in the key schema');
  const range = schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  return range === undefined ? { hash } : { hash, range };
}


/**
 * Stored items are copies, frozen: answers hand them out without copying (a scan of thousands of leases per
 * worker and second), and a caller that tried to change one would throw instead of corrupting the table.
 */
export function frozenCopy(item: Item): Item {
  const copy: Item = {};
  for (const name in item) copy[name] = frozenValue(item[name]);
  return Object.freeze(copy);
}

function frozenValue(v: AttributeValue): AttributeValue {
  if (Object.isFrozen(v)) return v;
  let copy: AttributeValue;
  if (v.L !== undefined) copy = { L: Object.freeze(v.L.map(frozenValue)) as AttributeValue[] };
  else if (v.M !== undefined) copy = { M: frozenCopy(v.M) };
  else if (v.SS !== undefined) copy = { SS: Object.freeze([...v.SS]) as string[] };
  else if (v.NS !== undefined) copy = { NS: Object.freeze([...v.NS]) as string[] };
  else if (v.BS !== undefined) copy = { BS: Object.freeze(v.BS.map((b) => Uint8Array.from(b))) as Uint8Array[] };
  else if (v.B !== undefined) copy = { B: Uint8Array.from(v.B) };
  else copy = { ...v };
  return Object.freeze(copy);
}

export function binarySearch(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function mapIn<K, V>(map: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = map.get(key);
  if (!inner) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}

export function pick(item: Item, names: readonly string[]): Item {
  const out: Item = {};
  for (const n of names) if (item[n] !== undefined) out[n] = item[n];
  return out;
}

export function sameItem(a: Item, b: Item): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => sameValue(a[k], b[k]));
}

/** The index's entry for an item (its projection), or undefined when the item lacks the index keys (sparse index). */
export function indexEntry(index: Index, table: { keys: Keys }, item: Item): Item | undefined {
  if (item[index.keys.hash] === undefined || (index.keys.range !== undefined && item[index.keys.range] === undefined)) return undefined;
  const type = index.projection.ProjectionType ?? 'ALL';
  if (type === 'ALL') return item;
  const keep = new Set([table.keys.hash, table.keys.range, index.keys.hash, index.keys.range, ...(type === 'INCLUDE' ? (index.projection.NonKeyAttributes ?? []) : [])]);
  return pick(item, [...keep].filter((k): k is string => k !== undefined));
}

export function indexPut(index: Index, pk: string, item: Item): void {
  if (item[index.keys.hash] === undefined || (index.keys.range !== undefined && item[index.keys.range] === undefined)) return;
  mapIn(index.partitions, keyString(item[index.keys.hash])).set(pk, item);
}

export function indexDelete(index: Index, pk: string, item: Item): void {
  if (item[index.keys.hash] === undefined) return;
  index.partitions.get(keyString(item[index.keys.hash]))?.delete(pk);
}
