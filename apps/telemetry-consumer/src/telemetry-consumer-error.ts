/**
 * The app's errors: one class with a stable `code` and a `retriable` flag (conventions.md §8), so the handler and
 * the consumer library can tell "try this batch again" (a sink is down) from "this input will never pass" (a
 * record that fails validation goes to the dead-letter destination at once, with its validation issues). On the
 * one base of every lib (@tributary/errors' TributaryError), branded so `instanceof` holds across bundles.
 */
import { TributaryError } from '@tributary/errors';
import type { ValidationIssue } from '@tributary/schemas';

export type TelemetryConsumerErrorCode =
  /** A record is not valid telemetry (bad UTF-8, JSON or envelope); never retriable. */
  | 'INVALID_TELEMETRY'
  /** A file sink could not write, compress, sync or publish a file. */
  | 'FILE_SINK_FAILED'
  /** The device-state table could not be created, read or written. */
  | 'DEVICE_STATE_FAILED'
  /** The rollup table could not be created, read or written. */
  | 'ROLLUP_TABLE_FAILED'
  /** The app could not start (state table, listener, consumer library). */
  | 'STARTUP_FAILED'
  /** A write was attempted after the sink was closed. */
  | 'CLOSED';

export class TelemetryConsumerError extends TributaryError<TelemetryConsumerErrorCode> {
  static override readonly brand: string = 'tributary.telemetry-consumer.TelemetryConsumerError';
  override name = 'TelemetryConsumerError';
  constructor(code: TelemetryConsumerErrorCode, message: string, retriable: boolean, options: { cause?: unknown } = {}) {
    super(code, message, retriable, options);
  }
}

/** A record that is not valid telemetry; `issues` lists every problem with its field path (for the DLQ entry). */
export class InvalidTelemetryError extends TelemetryConsumerError {
  static override readonly brand: string = 'tributary.telemetry-consumer.InvalidTelemetryError';
  override name = 'InvalidTelemetryError';
  constructor(readonly issues: readonly ValidationIssue[]) {
    super('INVALID_TELEMETRY', `invalid telemetry: ${issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ')}`, false);
  }
}
