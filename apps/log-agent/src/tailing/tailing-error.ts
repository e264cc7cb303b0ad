import { TributaryError } from '@tributary/errors';

/**
 * Typed failures of tailing and checkpointing (conventions.md §8): main.ts decides by `code`, never by message.
 */
export type TailingErrorCode =
  /** A flow's filePattern cannot be tailed (no directory part, a glob in the directory part, ends with '/'). */
  | 'INVALID_FILE_PATTERN'
  /** The checkpoint file is not ours (the Java agent's SQLite database) or not valid JSON of our layout. */
  | 'CHECKPOINT_UNREADABLE'
  /** Writing the checkpoint failed (disk full, permissions): retried at the next interval. */
  | 'CHECKPOINT_WRITE_FAILED';

export class TailingError extends TributaryError<TailingErrorCode> {
  static override readonly brand: string = 'tributary.log-agent.TailingError';

  constructor(code: TailingErrorCode, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(code, message, retriable, options);
    this.name = 'TailingError';
  }
}
