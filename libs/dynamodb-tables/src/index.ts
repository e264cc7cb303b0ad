// Public entry point of @tributary/dynamodb-tables: the one "create the table if it is missing, wait until it is
// usable" of every DynamoDB user (lease table, sinks, camera health, dev stack), and its error.
export { ensureTable, type TableClient, type TableDefinition, type TableKey, type EnsureTableOptions, type EnsureTableResult, type TtlOutcome, type TableLogger } from './tables/ensure-table';
export { TableError, type TableErrorCode } from './errors';
export { DYNAMODB_TABLE_DEFAULTS } from './defaults';
