/**
 * The lib's errors: one base class with a stable `code` and a `retriable` flag (conventions.md §8). Validation
 * failures are never retriable: the same input fails the same way.
 */
import { TributaryError } from '@tributary/errors';

export type SchemaErrorCode = 'INVALID_CONFIG';

export class SchemaError extends TributaryError<SchemaErrorCode> {
  static override readonly brand: string = 'tributary.schemas.SchemaError';
  override readonly name: string = 'SchemaError';
  declare readonly retriable: false;
  constructor(code: SchemaErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, false, options);
  }
}

/** One bad setting: its schema key, the flag/env name the user knows it by, and what is wrong. */
export interface ConfigIssue {
  key: string;
  setting: string;
  message: string;
}

/** Thrown once at start-up by `parseConfig`; its message lists every bad setting by the name the user typed. */
export class ConfigError extends SchemaError {
  static override readonly brand: string = 'tributary.schemas.ConfigError';
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly issues: readonly ConfigIssue[] = [],
    options: { cause?: unknown } = {},
  ) {
    super('INVALID_CONFIG', message, options);
  }
}
