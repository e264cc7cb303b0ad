/**
 * DynamoDB for the emulator's port: dynalite's store and operations embedded in process, so that KCL-style
 * consumers keep their lease tables next to the streams they read (one endpoint, one `dataDir`).
 *
 * The service owns the store's lifecycle: it opens LevelDB under `<dataDir>/dynamodb` (memory-level without a
 * data dir) before the port opens, finishes table status changes a previous run was stopped in the middle of,
 * and closes the database cleanly, so a restart on the same folder sees every table and item. Table status
 * delays are 0 by default; with a delay of 0 an answer is sent only once the table has left CREATING /
 * UPDATING / DELETING, so the next call sees ACTIVE (or the table gone), as with the emulator's streams.
 */
import type { Logger } from '../logger';
import { makePrivateDir, tightenTree } from '../storage/private-file-modes';
import { DYNAMODB_SIZES } from '../defaults';
import {
  DYNALITE_OPERATIONS,
  dynaliteDb,
  dynaliteValidations,
  isDynaliteServiceError,
  loadDynaliteOperations,
  type DynaliteOperationModules,
  type DynaliteStore,
} from './dynalite-modules';

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';
export const DYNAMODB_OPERATIONS: readonly string[] = DYNALITE_OPERATIONS;

/** Milliseconds a table spends in CREATING, DELETING and UPDATING. */
export interface DynamoDbDelays {
  create: number;
  delete: number;
  update: number;
}

export interface DynamoDbServiceOptions {
  /** LevelDB folder (created if missing); in memory when absent. */
  dir?: string;
  delays: DynamoDbDelays;
  accountId: string;
  /** The region in table ARNs. Tables form one namespace whatever region a request is signed for. */
  region: string;
  /** DynamoDB's item size limit, `DYNAMODB_SIZES.maxItemSizeKb` (400) unless set. */
  maxItemSizeKb?: number;
  logger: Logger;
}

/** An answer to send: the HTTP status and the JSON text of the body (an item or an error envelope). */
export interface DynamoDbAnswer {
  status: number;
  body: string;
}

type TableDescription = Record<string, unknown> & {
  TableName?: string;
  TableStatus?: string;
  GlobalSecondaryIndexes?: Array<Record<string, unknown> & { IndexStatus?: string }>;
  LocalSecondaryIndexes?: Array<Record<string, unknown> & { IndexName?: string }>;
};

const TRANSITIONAL = new Set(['CREATING', 'UPDATING', 'DELETING']);
/** With a delay of 0, how long an answer may wait for dynalite's status timer and write (normally ~1 ms). */
const SETTLE_LIMIT_MS = 2_000;

let operationModules: Map<string, DynaliteOperationModules> | undefined;

export class DynamoDbService {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly store: DynaliteStore,
    private readonly options: DynamoDbServiceOptions,
    private readonly operations: Map<string, DynaliteOperationModules>,
  ) {}

  /** Opens (recovering, with `dir`) the store. Fails when the folder is in use by another open store. */
  static async open(options: DynamoDbServiceOptions): Promise<DynamoDbService> {
    if (options.dir) makePrivateDir(options.dir);
    const store = dynaliteDb.create({
      path: options.dir,
      createTableMs: options.delays.create,
      deleteTableMs: options.delays.delete,
      updateTableMs: options.delays.update,
      maxItemSizeKb: options.maxItemSizeKb ?? DYNAMODB_SIZES.maxItemSizeKb,
    });
    store.tableDb.awsAccountId = options.accountId;
    store.tableDb.awsRegion = options.region;
    try {
      await store.db.open();
    } catch (err) {
      throw new Error(
        `The DynamoDB store in ${options.dir ?? '(memory)'} could not be opened; is another emulator using this data dir?`,
        { cause: (err as Error).cause ?? err },
      );
    }
    // LevelDB creates its files under the umask (leveldown has no mode option): the 0700 folder is what keeps
    // them private, and they are made 0600 here and on close.
    if (options.dir) tightenTree(options.dir);
    operationModules ??= loadDynaliteOperations();
    const service = new DynamoDbService(store, options, operationModules);
    try {
      await service.finishInterruptedTransitions();
    } catch (err) {
      await service.close();
      throw err;
    }
    return service;
  }

  has(operation: string): boolean {
    return this.operations.has(operation);
  }

  /**
   * Runs one operation on a parsed JSON body. Service errors (validation, conditional check, missing table…)
   * are answers, with dynalite's status and `__type`; the promise rejects only on a store failure.
   */
  async call(operation: string, body: Record<string, unknown>): Promise<DynamoDbAnswer> {
    const modules = this.operations.get(operation);
    if (!modules) return answer(400, { __type: 'com.amazon.coral.service#UnknownOperationException' });
    if (this.closing) throw new Error('The DynamoDB store is closed.');
    let data: Record<string, unknown>;
    try {
      data = dynaliteValidations.checkTypes(body, modules.validation.types);
      dynaliteValidations.checkValidations(data, modules.validation.types, modules.validation.custom, this.store);
    } catch (err) {
      if (isDynaliteServiceError(err)) return answer(err.statusCode, err.body);
      // dynalite's validations assume JSON it can walk: a null where it expects an object (`"Item":{"a":null}`,
      // `"RequestItems":{"my-table":null}`) throws a TypeError there. That is the client's unreadable request, not a store
      // failure: answer 400 as DynamoDB does for a body it cannot read, not 500 (found by dynamodb-http fuzzing).
      if (err instanceof TypeError) return answer(400, { __type: 'com.amazon.coral.service#SerializationException', message: 'The request could not be read: a value is null or of the wrong type.' });
      throw err;
    }
    const result = await new Promise<unknown>((resolve, reject) => {
      let done = false;
      try {
        modules.action(this.store, data, (err, out) => {
          if (done) return;
          done = true;
          if (err) reject(err);
          else resolve(out);
        });
      } catch (err) {
        done = true;
        reject(err);
      }
    }).catch((err: unknown) => {
      if (isDynaliteServiceError(err)) return err;
      throw err;
    });
    if (isDynaliteServiceError(result)) return answer(result.statusCode, result.body);
    // Serialized now: dynalite's status timer later mutates the description it answered with.
    const text = JSON.stringify(result ?? {});
    const tableName = typeof data['TableName'] === 'string' ? data['TableName'] : undefined;
    if (tableName !== undefined) await this.settle(operation, tableName);
    return { status: 200, body: text };
  }

  /** Waits for the store's pending writes, then closes it. Idempotent. */
  close(): Promise<void> {
    const dir = this.options.dir;
    return (this.closing ??= this.store.lifecycleManager.gracefulClose().then(() => {
      if (dir) tightenTree(dir);
    }));
  }

  /** With a delay of 0, waits until dynalite's status timer has written the table's new state. */
  private async settle(operation: string, tableName: string): Promise<void> {
    const delays = this.options.delays;
    const zero =
      (operation === 'CreateTable' && delays.create === 0) ||
      (operation === 'UpdateTable' && delays.update === 0) ||
      (operation === 'DeleteTable' && delays.delete === 0);
    if (!zero) return;
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    while (Date.now() < deadline) {
      const table = await this.readTable(tableName);
      if (operation === 'DeleteTable' ? table === undefined : table === undefined || !isTransitional(table)) return;
      await new Promise((r) => setTimeout(r, 1));
    }
    this.options.logger.warn({ component: 'dynamodb', tableName, operation }, 'table status did not settle in time');
  }

  private readTable(name: string): Promise<TableDescription | undefined> {
    return new Promise((resolve, reject) => {
      this.store.tableDb.get(name, (err, value) => {
        if (err) {
          if (err.name === 'NotFoundError' || (err as NodeJS.ErrnoException).code === 'LEVEL_NOT_FOUND') resolve(undefined);
          else reject(err);
          return;
        }
        resolve(value && typeof value === 'object' ? (value as TableDescription) : undefined);
      });
    });
  }

  /**
   * dynalite moves a table out of CREATING / UPDATING / DELETING on a timer; a run stopped before the timer
   * fired left the table in that state on disk. Finishes those changes, as AWS would have.
   */
  private async finishInterruptedTransitions(): Promise<void> {
    const tables: TableDescription[] = [];
    for await (const value of this.store.tableDb.createValueStream() as AsyncIterable<unknown>) {
      if (value && typeof value === 'object') tables.push(value as TableDescription);
    }
    const store = this.store;
    const step = (fn: (cb: (err?: Error | null) => void) => void): Promise<void> =>
      new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
    let finished = 0;
    for (const table of tables) {
      const name = table.TableName;
      if (typeof name !== 'string' || !isTransitional(table)) continue;
      finished++;
      if (table.TableStatus === 'DELETING') {
        await step((cb) => store.deleteItemDb(name, cb));
        await step((cb) => store.deleteTagDb(name, cb));
        for (const index of table.LocalSecondaryIndexes ?? []) {
          if (typeof index.IndexName === 'string') await step((cb) => store.deleteIndexDb('Local', name, index.IndexName as string, cb));
        }
        await step((cb) => store.tableDb.del(name, cb));
        continue;
      }
      table.TableStatus = 'ACTIVE';
      for (const index of table.GlobalSecondaryIndexes ?? []) {
        if (index.IndexStatus && TRANSITIONAL.has(index.IndexStatus)) index.IndexStatus = 'ACTIVE';
      }
      await step((cb) => store.tableDb.put(name, table, cb));
    }
    if (finished > 0) {
      this.options.logger.info({ component: 'dynamodb', tables: finished }, 'finished table status changes interrupted by the last stop');
    }
  }
}

function isTransitional(table: TableDescription): boolean {
  if (table.TableStatus && TRANSITIONAL.has(table.TableStatus)) return true;
  return (table.GlobalSecondaryIndexes ?? []).some((i) => i.IndexStatus !== undefined && TRANSITIONAL.has(i.IndexStatus));
}

function answer(status: number, body: Record<string, unknown>): DynamoDbAnswer {
  return { status, body: JSON.stringify(body) };
}
