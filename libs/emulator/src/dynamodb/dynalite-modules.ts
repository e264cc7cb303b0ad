/**
 * Typed access to the parts of dynalite (4.0.0, no type declarations) the emulator embeds: its LevelDB store
 * (`dynalite/db`), its request validation (`dynalite/validations`) and one action module per operation
 * (`dynalite/actions/<operation>`).
 *
 * Why not `dynalite(options)`: it returns an http.Server whose request handler throws from event callbacks (a
 * client abort or a closed database would end the process) and whose `close()` only closes the database of a
 * server that is listening. Embedded on the emulator's port, the emulator owns the HTTP exchange and the store's
 * lifecycle, and calls dynalite the way its handler does: checkTypes → checkValidations → action.
 *
 * The modules are loaded with a `require` made by `createRequire`, so that no ambient declaration of these
 * CommonJS paths has to reach every project that type-checks this library through its path alias.
 */
import { createRequire } from 'node:module';

/** An error dynalite answers with: `statusCode` and the JSON body to send (`__type`, `message`). */
export interface DynaliteServiceError extends Error {
  statusCode: number;
  body: Record<string, unknown>;
}

export type DynaliteCallback = (err: Error | null | undefined, result?: unknown) => void;

/** A LevelDB-like sub-database (a key prefix of the main database). */
export interface DynaliteSubDb {
  get(key: string, cb: (err: Error | null | undefined, value?: unknown) => void): void;
  put(key: string, value: unknown, cb: (err?: Error | null) => void): void;
  del(key: string, cb: (err?: Error | null) => void): void;
  createValueStream(options?: object): NodeJS.ReadableStream;
}

export interface DynaliteTableDb extends DynaliteSubDb {
  /** Used in the ARNs dynalite builds; read from AWS_ACCOUNT_ID / AWS_REGION unless set. */
  awsAccountId: string;
  awsRegion: string;
}

/** The top-level abstract-level database (classic-level on disk, memory-level in memory). */
export interface DynaliteLevel {
  readonly status: string;
  open(): Promise<void>;
}

export interface DynaliteLifecycle {
  /** Waits for pending database operations (bounded by dynalite's shutdown timeout), then closes. */
  gracefulClose(): Promise<void>;
  forceClose(): Promise<void>;
  getState(): 'open' | 'closing' | 'closed';
}

export interface DynaliteStoreOptions {
  /** LevelDB folder; in memory when absent. */
  path?: string;
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
  maxItemSizeKb?: number;
}

export interface DynaliteStore {
  options: DynaliteStoreOptions;
  db: DynaliteLevel;
  tableDb: DynaliteTableDb;
  lifecycleManager: DynaliteLifecycle;
  deleteItemDb(tableName: string, cb: (err?: Error | null) => void): void;
  deleteTagDb(tableName: string, cb: (err?: Error | null) => void): void;
  deleteIndexDb(indexType: 'Local' | 'Global', tableName: string, indexName: string, cb: (err?: Error | null) => void): void;
}

export type DynaliteAction = (store: DynaliteStore, data: Record<string, unknown>, cb: DynaliteCallback) => void;

export interface DynaliteActionValidation {
  types: Record<string, unknown>;
  custom?: (data: Record<string, unknown>, store: DynaliteStore) => string | undefined;
}

interface DynaliteDbModule {
  create(options: DynaliteStoreOptions): DynaliteStore;
}

interface DynaliteValidationsModule {
  checkTypes(data: Record<string, unknown>, types: Record<string, unknown>): Record<string, unknown>;
  checkValidations(
    data: Record<string, unknown>,
    types: Record<string, unknown>,
    custom: DynaliteActionValidation['custom'],
    store: DynaliteStore,
  ): void;
}

/** The operations dynalite implements (its `validOperations`), under the DynamoDB_20120810 API. */
export const DYNALITE_OPERATIONS = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'ListTagsOfResource',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'UpdateItem',
  'UpdateTable',
] as const;

export type DynaliteOperation = (typeof DYNALITE_OPERATIONS)[number];

const load = createRequire(__filename);

export const dynaliteDb = load('dynalite/db') as DynaliteDbModule;
export const dynaliteValidations = load('dynalite/validations') as DynaliteValidationsModule;

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

export interface DynaliteOperationModules {
  action: DynaliteAction;
  validation: DynaliteActionValidation;
}

/** Loads every operation's action and validation once, at first use. */
export function loadDynaliteOperations(): Map<string, DynaliteOperationModules> {
  const map = new Map<string, DynaliteOperationModules>();
  for (const operation of DYNALITE_OPERATIONS) {
    map.set(operation, {
      action: load(`dynalite/actions/${lowerFirst(operation)}`) as DynaliteAction,
      validation: load(`dynalite/validations/${lowerFirst(operation)}`) as DynaliteActionValidation,
    });
  }
  return map;
}

export function isDynaliteServiceError(err: unknown): err is DynaliteServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<DynaliteServiceError>).statusCode === 'number' &&
    typeof (err as Partial<DynaliteServiceError>).body === 'object'
  );
}
