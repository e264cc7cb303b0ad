/**
 * Errors of the processing stage (conventions §8: a stable `code`, a `retriable` flag). None is retriable: the same
 * bytes and the same options fail the same way.
 */
import { TributaryError } from '@tributary/errors';

export type ProcessingErrorCode =
  /** A converter could not convert a record (the agent's DataConversionException): the record is sent unconverted. */
  | 'DATA_CONVERSION_FAILED'
  /** A chunk was pushed that does not continue the previous one (a hole or an overlap in the file's offsets). */
  | 'OFFSET_GAP'
  /** A pattern of the configuration (matchPattern, multiLineStartPattern, delimiter) cannot run here. */
  | 'UNSUPPORTED_PATTERN';

export class ProcessingError extends TributaryError<ProcessingErrorCode> {
  static override readonly brand: string = 'tributary.log-agent.ProcessingError';
  override readonly name: string = 'ProcessingError';
  declare readonly retriable: false;
  constructor(code: ProcessingErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, false, options);
  }
}
