/**
 * What AWS bills for a DynamoDB call, for the in-memory DynamoDB (in-memory-lease-store.ts). After the DynamoDB
 * Developer Guide, "DynamoDB item sizes and formats" and "DynamoDB read and write operations":
 *
 * - Item size: sum over attributes of the UTF-8 length of the name plus the value's size: a string its UTF-8
 *   bytes, a number 1 byte per two significant digits + 1, binary its raw bytes, boolean / null 1 byte, a set the
 *   sum of its members, a list or map 3 bytes + 1 per element + the elements.
 * - Writes (PutItem, UpdateItem, DeleteItem; per item of a BatchWriteItem): one write unit per KiB of the larger
 *   of the item before and after, at least 1; a write whose condition fails still costs the existing item's size
 *   (at least 1). A transactional write costs twice. Each global secondary index whose entry changes costs its
 *   own write units (a changed index key: delete + put).
 * - Reads: GetItem one read unit per 4 KiB of the item (a missing item still 1), half for an eventually
 *   consistent read, twice for a transactional one; BatchGetItem the same per item. Query and Scan: the total
 *   size of the items read (before any filter), rounded up to 4 KiB, per page, at least one unit; half when
 *   eventually consistent (always for a GSI).
 *
 * On-demand tables bill request units with the same arithmetic, so these figures are both.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Item } from './in-memory-lease-store-expressions';

export const WRITE_UNIT_BYTES = 1024;
export const READ_UNIT_BYTES = 4096;

function numberSize(n: string): number {
  // Fast path: a plain integer without trailing zeros (counters, epoch ms).
  if (/^[1-9]\d*$/.test(n) && n.charCodeAt(n.length - 1) !== 48) return Math.ceil(n.length / 2) + 1;
  const digits = n.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, x) => s + numberSize(x), 0);
  if (v.BS !== undefined) return v.BS.reduce((s, x) => s + x.length, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((s, x) => s + 1 + valueSize(x), 0);
  if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + valueSize(x), 0);
  return 0;
}

/** Sizes of frozen (stored, never changed) items, computed once. */
const frozenSizes = new WeakMap<Item, number>();

export function itemSize(item: Item | undefined): number {
  if (item === undefined) return 0;
  const known = frozenSizes.get(item);
  if (known !== undefined) return known;
  let size = 0;
  for (const name in item) size += Buffer.byteLength(name) + valueSize(item[name]);
  if (Object.isFrozen(item)) frozenSizes.set(item, size);
  return size;
}

export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}

export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
  return consistent ? units : units / 2;
}

/** Usage of one operation on one table (or index: `table/index`). */
export interface OperationUsage {
  calls: number;
  readUnits: number;
  writeUnits: number;
  /** Items read (scanned, before filters) and items returned. */
  itemsRead: number;
  itemsReturned: number;
  conditionalFailures: number;
}

export interface CapacityTotals {
  calls: number;
  readUnits: number;
  writeUnits: number;
  /** Calls that write (PutItem, UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems items), failed ones included. */
  writeCalls: number;
  readCalls: number;
  conditionalFailures: number;
}

const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** Accumulates billed units by table and operation; `snapshot()` and `since()` measure a window. */
export class CapacityMeter {
  private readonly usage = new Map<string, OperationUsage>();

  record(table: string, operation: string, delta: Partial<OperationUsage>): void {
    const key = `${table}\u0000${operation}`;
    let u = this.usage.get(key);
    if (!u) {
      u = { calls: 0, readUnits: 0, writeUnits: 0, itemsRead: 0, itemsReturned: 0, conditionalFailures: 0 };
      this.usage.set(key, u);
    }
    u.calls += delta.calls ?? 0;
    u.readUnits += delta.readUnits ?? 0;
    u.writeUnits += delta.writeUnits ?? 0;
    u.itemsRead += delta.itemsRead ?? 0;
    u.itemsReturned += delta.itemsReturned ?? 0;
    u.conditionalFailures += delta.conditionalFailures ?? 0;
  }

  /** Usage by `table` → `operation` (copies). */
  byOperation(): Map<string, Map<string, OperationUsage>> {
    const out = new Map<string, Map<string, OperationUsage>>();
    for (const [key, u] of this.usage) {
      const [table, operation] = key.split('\u0000');
      const ops = out.get(table) ?? new Map<string, OperationUsage>();
      ops.set(operation, { ...u });
      out.set(table, ops);
    }
    return out;
  }

  /** Totals over every table (or those `tables` names, an index counting as its table's `table/index`). */
  totals(filter?: (table: string) => boolean): CapacityTotals {
    const t: CapacityTotals = { calls: 0, readUnits: 0, writeUnits: 0, writeCalls: 0, readCalls: 0, conditionalFailures: 0 };
    for (const [key, u] of this.usage) {
      const [table, operation] = key.split('\u0000');
      if (filter && !filter(table)) continue;
      t.calls += u.calls;
      t.readUnits += u.readUnits;
      t.writeUnits += u.writeUnits;
      t.conditionalFailures += u.conditionalFailures;
      if (WRITE_OPERATIONS.has(operation)) t.writeCalls += u.calls;
      if (READ_OPERATIONS.has(operation)) t.readCalls += u.calls;
    }
    return t;
  }
}

/** b − a, field by field. */
export function subtractTotals(b: CapacityTotals, a: CapacityTotals): CapacityTotals {
  return {
    calls: b.calls - a.calls,
    readUnits: b.readUnits - a.readUnits,
    writeUnits: b.writeUnits - a.writeUnits,
    writeCalls: b.writeCalls - a.writeCalls,
    readCalls: b.readCalls - a.readCalls,
    conditionalFailures: b.conditionalFailures - a.conditionalFailures,
  };
}
