/**
 * An in-memory DynamoDB that LeaseTable (and any other code of ours taking a DynamoDBClient) runs on unchanged:
 * `send()` takes the SDK's own command objects and answers as DynamoDB does, so the lease protocol under test is
 * the real one down to its UpdateExpressions and ConditionExpressions, and every call is billed as AWS would bill
 * it (in-memory-lease-store-capacity.ts). Used by the scale simulation (tools/bench/src/scale-*.ts), where
 * thousands of leases and a hundred workers run for an hour of virtual time in seconds: dynalite over HTTP could not.
 *
 * Why a fake client rather than an in-memory LeaseStore: LeaseTable's conditional writes, its consistent-read
 * check after a failed condition, its paging and its item layout all stay in the loop, and a new protocol that
 * adds items, tables, indexes or calls is measured without this file knowing about it.
 *
 * Supported: CreateTable (hash / hash+range keys, global secondary indexes), DescribeTable, UpdateTable (new GSIs,
 * backfilled), DeleteTable, UpdateTimeToLive / DescribeTimeToLive (recorded, items never expire), PutItem,
 * GetItem, UpdateItem, DeleteItem (conditions, ReturnValues, ReturnValuesOnConditionCheckFailure), Query (table or
 * GSI; key condition, filter, Limit, paging, ScanIndexForward), Scan (filter, Limit, 1-MB pages), BatchGetItem,
 * BatchWriteItem, TransactWriteItems, TransactGetItems, projections and Select COUNT. Not modelled: throttling,
 * parallel scan segments, LSIs, item size limits, GSI propagation delay (GSI reads see writes at once).
 * Errors are the SDK's exception classes (ConditionalCheckFailedException, ResourceNotFoundException, ...).
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type KeySchemaElement,
  type Projection,
} from '@aws-sdk/client-dynamodb';
import { CapacityMeter, itemSize, readUnits, writeUnits } from './in-memory-lease-store-capacity';
import {
  binarySearch,
  frozenCopy,
  indexDelete,
  indexEntry,
  indexPut,
  keyString,
  keysOf,
  mapIn,
  pick,
  sameItem,
  validation,
  type Index,
  type Keys,
} from './in-memory-lease-store-items';
import { ExpressionError, applyUpdate, compareValues, conditionHolds, partitionValue, project, sameValue, type ExpressionInput, type Item } from './in-memory-lease-store-expressions';

export { CapacityMeter, itemSize, subtractTotals, type CapacityTotals, type OperationUsage } from './in-memory-lease-store-capacity';
export type { Item } from './in-memory-lease-store-expressions';

const SCAN_PAGE_BYTES = 1024 * 1024;

interface Table {
  name: string;
  keys: Keys;
  attributeDefinitions: AttributeDefinition[];
  keySchema: KeySchemaElement[];
  items: Map<string, Item>;
  /** Primary keys in order (Scan order, and where a page resumes). */
  order: string[];
  /** hash value → primary key → item, when the table has a range key. */
  partitions: Map<string, Map<string, Item>> | undefined;
  indexes: Map<string, Index>;
  ttlAttribute?: string;
  createdAt: number;
}

export interface InMemoryDynamoDbOptions {
  /** Awaited before each call takes effect and before its answer (a simulation's latency on virtual time). */
  beforeCall?: (operation: string) => Promise<void>;
  afterCall?: (operation: string) => Promise<void>;
  meter?: CapacityMeter;
}

/** A command as the SDK builds it: its class says the operation, `input` the request. */
interface AnyCommand {
  input: unknown;
}

type Operation = (input: never) => unknown;

function serviceError<T extends DynamoDBServiceException>(Ctor: new (opts: { message: string; $metadata: object }) => T, message: string, extra: object = {}): T {
  return Object.assign(new Ctor({ message, $metadata: { httpStatusCode: 400 } }), extra);
}


export class InMemoryDynamoDb {
  readonly meter: CapacityMeter;
  private readonly tables = new Map<string, Table>();
  private readonly beforeCall: InMemoryDynamoDbOptions['beforeCall'];
  private readonly afterCall: InMemoryDynamoDbOptions['afterCall'];
  private readonly operations = new Map<unknown, [string, Operation]>([
    [CreateTableCommand, ['CreateTable', (i) => this.createTable(i)]],
    [DescribeTableCommand, ['DescribeTable', (i) => this.describeTable(i)]],
    [UpdateTableCommand, ['UpdateTable', (i) => this.updateTable(i)]],
    [DeleteTableCommand, ['DeleteTable', (i) => this.deleteTable(i)]],
    [UpdateTimeToLiveCommand, ['UpdateTimeToLive', (i) => this.updateTtl(i)]],
    [DescribeTimeToLiveCommand, ['DescribeTimeToLive', (i) => this.describeTtl(i)]],
    [PutItemCommand, ['PutItem', (i) => this.putItem(i)]],
    [GetItemCommand, ['GetItem', (i) => this.getItem(i)]],
    [UpdateItemCommand, ['UpdateItem', (i) => this.updateItem(i)]],
    [DeleteItemCommand, ['DeleteItem', (i) => this.deleteItem(i)]],
    [QueryCommand, ['Query', (i) => this.query(i)]],
    [ScanCommand, ['Scan', (i) => this.scan(i)]],
    [BatchGetItemCommand, ['BatchGetItem', (i) => this.batchGet(i)]],
    [BatchWriteItemCommand, ['BatchWriteItem', (i) => this.batchWrite(i)]],
    [TransactWriteItemsCommand, ['TransactWriteItems', (i) => this.transactWrite(i)]],
    [TransactGetItemsCommand, ['TransactGetItems', (i) => this.transactGet(i)]],
  ]);

  constructor(options: InMemoryDynamoDbOptions = {}) {
    this.meter = options.meter ?? new CapacityMeter();
    this.beforeCall = options.beforeCall;
    this.afterCall = options.afterCall;
  }

  /** The DynamoDBClient API this fake answers (cast it where a DynamoDBClient is expected: see `asClient`). */
  async send(command: AnyCommand): Promise<never> {
    const entry = this.operations.get(command.constructor);
    if (!entry) {
      throw new DynamoDBServiceException({
        name: 'UnknownOperationException',
        $fault: 'client',
        message: `In-memory DynamoDB: ${command.constructor.name} is not supported`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    const [name, run] = entry;
    if (this.beforeCall) await this.beforeCall(name);
    let result: unknown;
    let error: unknown;
    try {
      result = run(command.input as never);
    } catch (err) {
      error = err instanceof ExpressionError ? validation(err.message) : err;
    }
    if (this.afterCall) await this.afterCall(name);
    if (error !== undefined) throw error;
    return { $metadata: { httpStatusCode: 200 }, ...(result as object) } as never;
  }

  /** A handle that looks like a DynamoDBClient to the code under test (only `send` is used). */
  asClient<T>(): T {
    return this as unknown as T;
  }

  destroy(): void {
    // Nothing to close: no sockets.
  }

  /** Every item of a table (tests and reports), in key order. */
  items(tableName: string): Item[] {
    const table = this.table(tableName);
    return table.order.map((k) => table.items.get(k) as Item);
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  // ---- tables ----

  private table(name: string | undefined): Table {
    const table = name === undefined ? undefined : this.tables.get(name);
    if (!table) throw serviceError(ResourceNotFoundException, `Requested resource not found: Table: ${name} not found`);
    return table;
  }

  private createTable(input: CreateTableCommand['input']): unknown {
    const name = input.TableName as string;
    if (this.tables.has(name)) throw serviceError(ResourceInUseException, `Table already exists: ${name}`);
    const keys = keysOf(input.KeySchema);
    const table: Table = {
      name,
      keys,
      attributeDefinitions: [...(input.AttributeDefinitions ?? [])],
      keySchema: [...(input.KeySchema ?? [])],
      items: new Map(),
      order: [],
      partitions: keys.range === undefined ? undefined : new Map(),
      indexes: new Map(),
      createdAt: Date.now(),
    };
    for (const gsi of input.GlobalSecondaryIndexes ?? []) this.addIndex(table, gsi.IndexName as string, gsi.KeySchema, gsi.Projection);
    this.tables.set(name, table);
    return { TableDescription: this.description(table) };
  }

  private addIndex(table: Table, name: string, schema: KeySchemaElement[] | undefined, projection: Projection | undefined): void {
    const index: Index = { name, keys: keysOf(schema), projection: projection ?? { ProjectionType: 'ALL' }, partitions: new Map() };
    table.indexes.set(name, index);
    for (const [pk, item] of table.items) indexPut(index, pk, item);
  }

  private description(table: Table): object {
    return {
      TableName: table.name,
      TableStatus: 'ACTIVE',
      KeySchema: table.keySchema,
      AttributeDefinitions: table.attributeDefinitions,
      ItemCount: table.items.size,
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      CreationDateTime: new Date(table.createdAt),
      ...(table.indexes.size > 0
        ? {
            GlobalSecondaryIndexes: [...table.indexes.values()].map((i) => ({
              IndexName: i.name,
              IndexStatus: 'ACTIVE',
              KeySchema: [{ AttributeName: i.keys.hash, KeyType: 'HASH' }, ...(i.keys.range ? [{ AttributeName: i.keys.range, KeyType: 'RANGE' }] : [])],
              Projection: i.projection,
            })),
          }
        : {}),
    };
  }

  private describeTable(input: DescribeTableCommand['input']): unknown {
    return { Table: this.description(this.table(input.TableName)) };
  }

  private updateTable(input: UpdateTableCommand['input']): unknown {
    const table = this.table(input.TableName);
    for (const def of input.AttributeDefinitions ?? []) {
      if (!table.attributeDefinitions.some((d) => d.AttributeName === def.AttributeName)) table.attributeDefinitions.push(def);
    }
    for (const update of input.GlobalSecondaryIndexUpdates ?? []) {
      if (update.Create) this.addIndex(table, update.Create.IndexName as string, update.Create.KeySchema, update.Create.Projection);
      if (update.Delete) table.indexes.delete(update.Delete.IndexName as string);
    }
    return { TableDescription: this.description(table) };
  }

  private deleteTable(input: DeleteTableCommand['input']): unknown {
    const table = this.table(input.TableName);
    this.tables.delete(table.name);
    return { TableDescription: { ...this.description(table), TableStatus: 'DELETING' } };
  }

  private updateTtl(input: UpdateTimeToLiveCommand['input']): unknown {
    const table = this.table(input.TableName);
    table.ttlAttribute = input.TimeToLiveSpecification?.Enabled ? input.TimeToLiveSpecification.AttributeName : undefined;
    return { TimeToLiveSpecification: input.TimeToLiveSpecification };
  }

  private describeTtl(input: DescribeTimeToLiveCommand['input']): unknown {
    const table = this.table(input.TableName);
    return {
      TimeToLiveDescription: table.ttlAttribute ? { TimeToLiveStatus: 'ENABLED', AttributeName: table.ttlAttribute } : { TimeToLiveStatus: 'DISABLED' },
    };
  }

  // ---- items ----

  private primaryKey(table: Table, key: Item | undefined): string {
    const hash = key?.[table.keys.hash];
    if (hash === undefined || (table.keys.range !== undefined && key?.[table.keys.range] === undefined)) {
      throw validation('The provided key element does not match the schema');
    }
    return table.keys.range === undefined ? keyString(hash) : `${keyString(hash)}\u0000${keyString(key?.[table.keys.range])}`;
  }

  private keyItem(table: Table, item: Item): Item {
    const key: Item = { [table.keys.hash]: item[table.keys.hash] };
    if (table.keys.range !== undefined) key[table.keys.range] = item[table.keys.range];
    return key;
  }

  /** Stores (or deletes, item undefined) and bills the GSIs; items are never mutated in place. */
  private store(table: Table, pk: string, before: Item | undefined, written: Item | undefined, operation: string, factor = 1): Item | undefined {
    const after = written && frozenCopy(written);
    if (after === undefined) {
      table.items.delete(pk);
      const at = binarySearch(table.order, pk);
      if (table.order[at] === pk) table.order.splice(at, 1);
    } else {
      if (before === undefined) table.order.splice(binarySearch(table.order, pk), 0, pk);
      table.items.set(pk, after);
    }
    if (table.partitions) {
      if (before) table.partitions.get(keyString(before[table.keys.hash]))?.delete(pk);
      if (after) mapIn(table.partitions, keyString(after[table.keys.hash])).set(pk, after);
    }
    for (const index of table.indexes.values()) {
      const oldEntry = before && indexEntry(index, table, before);
      const newEntry = after && indexEntry(index, table, after);
      if (before) indexDelete(index, pk, before);
      if (after) indexPut(index, pk, after);
      let units = 0;
      const keyChanged = oldEntry && newEntry && (!sameValue(before?.[index.keys.hash], after?.[index.keys.hash]) || !sameValue(before?.[index.keys.range ?? ''], after?.[index.keys.range ?? '']));
      if (oldEntry && newEntry && !keyChanged) units = sameItem(oldEntry, newEntry) ? 0 : writeUnits(Math.max(itemSize(oldEntry), itemSize(newEntry)));
      else units = (oldEntry ? writeUnits(itemSize(oldEntry)) : 0) + (newEntry ? writeUnits(itemSize(newEntry)) : 0);
      if (units > 0) this.meter.record(`${table.name}/${index.name}`, operation, { writeUnits: units * factor });
    }
    return after;
  }

  private conditionFailed(table: Table, operation: string, current: Item | undefined, returnOld: string | undefined, factor = 1): never {
    this.meter.record(table.name, operation, { calls: 1, writeUnits: writeUnits(itemSize(current)) * factor, conditionalFailures: 1 });
    throw serviceError(ConditionalCheckFailedException, 'The conditional request failed', returnOld === 'ALL_OLD' && current ? { Item: current } : {});
  }

  private putItem(input: PutItemCommand['input']): unknown {
    const table = this.table(input.TableName);
    const item = input.Item as Item;
    const pk = this.primaryKey(table, item);
    const before = table.items.get(pk);
    const names: ExpressionInput = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
    if (!conditionHolds(input.ConditionExpression, before, names)) this.conditionFailed(table, 'PutItem', before, input.ReturnValuesOnConditionCheckFailure);
    this.store(table, pk, before, item, 'PutItem');
    this.meter.record(table.name, 'PutItem', { calls: 1, writeUnits: writeUnits(Math.max(itemSize(before), itemSize(item))) });
    return input.ReturnValues === 'ALL_OLD' && before ? { Attributes: before } : {};
  }

  private updateItem(input: UpdateItemCommand['input']): unknown {
    const table = this.table(input.TableName);
    const pk = this.primaryKey(table, input.Key);
    const before = table.items.get(pk);
    const names: ExpressionInput = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
    if (!conditionHolds(input.ConditionExpression, before, names)) this.conditionFailed(table, 'UpdateItem', before, input.ReturnValuesOnConditionCheckFailure);
    const base: Item = before ?? { ...(input.Key as Item) };
    const { item: updated, touched } = input.UpdateExpression ? applyUpdate(input.UpdateExpression, base, names) : { item: base, touched: [] };
    for (const key of [table.keys.hash, table.keys.range]) {
      if (key !== undefined && touched.includes(key)) throw validation(`Cannot update attribute ${key}. This attribute is part of the key`);
    }
    const after = this.store(table, pk, before, updated, 'UpdateItem') as Item;
    this.meter.record(table.name, 'UpdateItem', { calls: 1, writeUnits: writeUnits(Math.max(itemSize(before), itemSize(after))) });
    switch (input.ReturnValues) {
      case 'ALL_NEW':
        return { Attributes: after };
      case 'ALL_OLD':
        return before ? { Attributes: before } : {};
      case 'UPDATED_NEW':
        return { Attributes: pick(after, touched) };
      case 'UPDATED_OLD':
        return before ? { Attributes: pick(before, touched) } : {};
      default:
        return {};
    }
  }

  private deleteItem(input: DeleteItemCommand['input']): unknown {
    const table = this.table(input.TableName);
    const pk = this.primaryKey(table, input.Key);
    const before = table.items.get(pk);
    const names: ExpressionInput = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
    if (!conditionHolds(input.ConditionExpression, before, names)) this.conditionFailed(table, 'DeleteItem', before, input.ReturnValuesOnConditionCheckFailure);
    if (before) this.store(table, pk, before, undefined, 'DeleteItem');
    this.meter.record(table.name, 'DeleteItem', { calls: 1, writeUnits: writeUnits(itemSize(before)) });
    return input.ReturnValues === 'ALL_OLD' && before ? { Attributes: before } : {};
  }

  private getItem(input: GetItemCommand['input']): unknown {
    const table = this.table(input.TableName);
    const item = table.items.get(this.primaryKey(table, input.Key));
    this.meter.record(table.name, 'GetItem', { calls: 1, readUnits: readUnits(itemSize(item), input.ConsistentRead === true), itemsRead: item ? 1 : 0, itemsReturned: item ? 1 : 0 });
    const names: ExpressionInput = { names: input.ExpressionAttributeNames };
    return item ? { Item: project(item, input.ProjectionExpression, names) } : {};
  }

  private query(input: QueryCommand['input']): unknown {
    const table = this.table(input.TableName);
    const index = input.IndexName === undefined ? undefined : table.indexes.get(input.IndexName);
    if (input.IndexName !== undefined && !index) throw validation(`The table does not have the specified index: ${input.IndexName}`);
    if (index && input.ConsistentRead) throw validation('Consistent reads are not supported on global secondary indexes');
    const keys = index ? index.keys : table.keys;
    const names: ExpressionInput = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
    if (!input.KeyConditionExpression) throw validation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
    const hash = partitionValue(input.KeyConditionExpression, keys.hash, names);
    if (hash === undefined) throw validation('Query condition missed key schema element');
    let partition: Item[];
    if (index) partition = [...(index.partitions.get(keyString(hash))?.values() ?? [])];
    else if (table.partitions) partition = [...(table.partitions.get(keyString(hash))?.values() ?? [])];
    else partition = [table.items.get(keyString(hash))].filter((i): i is Item => i !== undefined);
    let matching = partition.filter((item) => conditionHolds(input.KeyConditionExpression, item, names));
    const rangeKey = keys.range;
    const tableKey = (i: Item): string => this.primaryKey(table, i);
    matching.sort((a, b) => (rangeKey ? (compareValues(a[rangeKey], b[rangeKey]) ?? 0) : 0) || (tableKey(a) < tableKey(b) ? -1 : 1));
    if (input.ScanIndexForward === false) matching.reverse();
    if (input.ExclusiveStartKey) {
      const start = tableKey(input.ExclusiveStartKey);
      const at = matching.findIndex((i) => tableKey(i) === start);
      matching = at < 0 ? matching : matching.slice(at + 1);
    }
    const label = index ? `${table.name}/${index.name}` : table.name;
    return this.page(table, label, 'Query', matching, input, names, index !== undefined || input.ConsistentRead !== true, index);
  }

  private scan(input: ScanCommand['input']): unknown {
    const table = this.table(input.TableName);
    if (input.IndexName !== undefined) throw validation('In-memory DynamoDB: Scan of an index is not supported');
    if (input.TotalSegments !== undefined) throw validation('In-memory DynamoDB: parallel Scan is not supported');
    const start = input.ExclusiveStartKey ? binarySearch(table.order, this.primaryKey(table, input.ExclusiveStartKey) + '\u0001') : 0;
    const names: ExpressionInput = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
    const candidates = (function* () {
      for (let i = start; i < table.order.length; i++) yield table.items.get(table.order[i]) as Item;
    })();
    return this.page(table, table.name, 'Scan', candidates, input, names, input.ConsistentRead !== true, undefined);
  }

  /** One page of a Query or Scan: up to Limit items or 1 MB read, then the filter; billed by bytes read. */
  private page(
    table: Table,
    label: string,
    operation: string,
    candidates: Iterable<Item>,
    input: QueryCommand['input'] | ScanCommand['input'],
    names: ExpressionInput,
    eventual: boolean,
    index: Index | undefined,
  ): unknown {
    const limit = input.Limit ?? Number.POSITIVE_INFINITY;
    let bytes = 0;
    let read = 0;
    let last: Item | undefined;
    const out: Item[] = [];
    let more = false;
    for (const stored of candidates) {
      if (read >= limit || bytes >= SCAN_PAGE_BYTES) {
        more = true;
        break;
      }
      const item = index ? (indexEntry(index, table, stored) as Item) : stored;
      read++;
      bytes += itemSize(item);
      last = stored;
      if (conditionHolds(input.FilterExpression, item, names)) out.push(item);
    }
    this.meter.record(label, operation, { calls: 1, readUnits: readUnits(bytes, !eventual), itemsRead: read, itemsReturned: out.length });
    const result: Record<string, unknown> = { Count: out.length, ScannedCount: read };
    if (input.Select !== 'COUNT') result.Items = out.map((i) => project(i, input.ProjectionExpression, names));
    if (more && last) {
      const key = this.keyItem(table, last);
      if (index) Object.assign(key, { [index.keys.hash]: last[index.keys.hash] }, index.keys.range ? { [index.keys.range]: last[index.keys.range] } : {});
      result.LastEvaluatedKey = key;
    }
    return result;
  }

  private batchGet(input: BatchGetItemCommand['input']): unknown {
    const responses: Record<string, Item[]> = {};
    for (const [tableName, request] of Object.entries(input.RequestItems ?? {})) {
      const table = this.table(tableName);
      const names: ExpressionInput = { names: request.ExpressionAttributeNames };
      responses[tableName] = [];
      for (const key of request.Keys ?? []) {
        const item = table.items.get(this.primaryKey(table, key));
        this.meter.record(table.name, 'BatchGetItem', { readUnits: readUnits(itemSize(item), request.ConsistentRead === true), itemsRead: item ? 1 : 0, itemsReturned: item ? 1 : 0 });
        if (item) responses[tableName].push(project(item, request.ProjectionExpression, names));
      }
      this.meter.record(table.name, 'BatchGetItem', { calls: 1 });
    }
    return { Responses: responses, UnprocessedKeys: {} };
  }

  private batchWrite(input: BatchWriteItemCommand['input']): unknown {
    for (const [tableName, requests] of Object.entries(input.RequestItems ?? {})) {
      const table = this.table(tableName);
      for (const request of requests) {
        const item = (request.PutRequest?.Item ?? request.DeleteRequest?.Key) as Item;
        const pk = this.primaryKey(table, item);
        const before = table.items.get(pk);
        const after = request.PutRequest ? item : undefined;
        if (before || after) this.store(table, pk, before, after, 'BatchWriteItem');
        this.meter.record(table.name, 'BatchWriteItem', { writeUnits: writeUnits(Math.max(itemSize(before), itemSize(after))) });
      }
      this.meter.record(table.name, 'BatchWriteItem', { calls: 1 });
    }
    return { UnprocessedItems: {} };
  }

  /** All conditions first, then all writes: atomic, as one transaction is. Each item costs twice its write units. */
  private transactWrite(input: TransactWriteItemsCommand['input']): unknown {
    const plans: Array<() => void> = [];
    const reasons: Array<{ Code: string; Message?: string }> = [];
    let failed = false;
    let units = 0;
    const tablesUsed = new Set<string>();
    for (const entry of input.TransactItems ?? []) {
      const spec = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck;
      const table = this.table(spec?.TableName);
      tablesUsed.add(table.name);
      const key = (entry.Put ? entry.Put.Item : (spec as { Key?: Item }).Key) as Item;
      const pk = this.primaryKey(table, key);
      const before = table.items.get(pk);
      const names: ExpressionInput = { names: spec?.ExpressionAttributeNames, values: spec?.ExpressionAttributeValues };
      if (!conditionHolds(spec?.ConditionExpression, before, names)) {
        failed = true;
        reasons.push({ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' });
        units += 2 * writeUnits(itemSize(before));
        continue;
      }
      reasons.push({ Code: 'None' });
      let after: Item | undefined = before;
      if (entry.Put) after = entry.Put.Item as Item;
      else if (entry.Update) after = applyUpdate(entry.Update.UpdateExpression as string, before ?? { ...key }, names).item;
      else if (entry.Delete) after = undefined;
      units += 2 * writeUnits(Math.max(itemSize(before), itemSize(after)));
      if (!entry.ConditionCheck) plans.push(() => (before || after ? this.store(table, pk, before, after, 'TransactWriteItems', 2) : undefined));
    }
    const first = [...tablesUsed][0] ?? '';
    this.meter.record(first, 'TransactWriteItems', { calls: 1, writeUnits: units, conditionalFailures: failed ? 1 : 0 });
    if (failed) {
      throw serviceError(TransactionCanceledException, `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`, {
        CancellationReasons: reasons,
      });
    }
    for (const apply of plans) apply();
    return {};
  }

  private transactGet(input: TransactGetItemsCommand['input']): unknown {
    const responses = (input.TransactItems ?? []).map((entry) => {
      const table = this.table(entry.Get?.TableName);
      const item = table.items.get(this.primaryKey(table, entry.Get?.Key));
      this.meter.record(table.name, 'TransactGetItems', { calls: 0, readUnits: 2 * readUnits(itemSize(item), true), itemsRead: item ? 1 : 0 });
      return item ? { Item: project(item, entry.Get?.ProjectionExpression, { names: entry.Get?.ExpressionAttributeNames }) } : {};
    });
    const first = input.TransactItems?.[0]?.Get?.TableName ?? '';
    this.meter.record(first, 'TransactGetItems', { calls: 1 });
    return { Responses: responses };
  }
}

