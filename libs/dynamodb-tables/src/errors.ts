/**
 * The errors of @tributary/dynamodb-tables, on the one base of every lib (@tributary/errors' TributaryError):
 * a stable `code`, `retriable`, the `cause`, and the table it is about. Callers usually turn it into their own
 * lib's or app's error (a lease table's DependencyError, a sink's TelemetryConsumerError) with its message.
 */
import { TributaryError } from '@tributary/errors';

export type TableErrorCode =
  /** DescribeTable, CreateTable or UpdateTimeToLive failed; `retriable` is what the shared AWS classifier says. */
  | 'TABLE_CALL_FAILED'
  /** The table did not become usable in time (still CREATING): retriable. */
  | 'TABLE_NOT_ACTIVE'
  /** The table is DELETING, ARCHIVED or lost its encryption key: not usable, whatever the wait. */
  | 'TABLE_UNUSABLE'
  /** The table exists with another key schema: every write would fail item by item. */
  | 'TABLE_KEY_MISMATCH';

export class TableError extends TributaryError<TableErrorCode> {
  static override readonly brand: string = 'tributary.dynamodb-tables.TableError';
  override name = 'TableError';
  constructor(
    code: TableErrorCode,
    readonly tableName: string,
    message: string,
    retriable: boolean,
    options: {
      cause?: unknown;
      /** The DynamoDB operation that failed (TABLE_CALL_FAILED). */
      operation?: string;
    } = {},
  ) {
    super(code, message, retriable, options);
    this.operation = options.operation;
  }

  readonly operation: string | undefined;
}
