/**
 * The one error base of @tributary/kvs (conventions.md §8, kafkajs errors.js style): a stable `code`, a
 * `retriable` flag (would trying again later, on a new connection, have a chance?), the `cause`, and context
 * fields on the subclasses. PutMedia acknowledgement errors and HTTP errors live in putmedia-errors.ts.
 */
export type KvsErrorCode =
  /** An option is missing or out of range (raised by a constructor; the message names the setting). */
  | 'INVALID_OPTION'
  /** A call made in the wrong state or with a bad argument (writeFragment before writeHeader, timecode going back). */
  | 'INVALID_ARGUMENT'
  /** An ERROR acknowledgement on the PutMedia response; the subclass says which (putmedia-errors.ts). */
  | 'ACK_ERROR'
  /** The data endpoint answered a non-200 status before the acknowledgement stream (AWS error name in `awsErrorName`). */
  | 'HTTP_ERROR'
  /** The socket failed or closed (errno in `errno`), or the service closed the acknowledgement stream early. */
  | 'CONNECTION_ERROR'
  /** No acknowledgement event for longer than the staleness limit while fragments were outstanding. */
  | 'CONNECTION_STALE'
  /** GetDataEndpoint failed. */
  | 'ENDPOINT_ERROR'
  /** The session gave up: reconnect attempts exhausted, or too many fragments refused in a row. */
  | 'SESSION_FAILED'
  /** write*() or end() after the session was closed or failed. */
  | 'SESSION_CLOSED'
  /** A second session for a stream that already has one in this client (KVS allows one PutMedia per stream). */
  | 'SESSION_EXISTS'
  /** end() did not see every fragment persisted within its time limit; they stay in the fragment store. */
  | 'END_TIMEOUT'
  /** GetMedia returned a chunk with AWS_KINESISVIDEO_ERROR_* tags, or an unreadable stream. */
  | 'GET_MEDIA_ERROR'
  /** A bug: an invariant did not hold. */
  | 'INTERNAL';

export class KvsError extends Error {
  override name = 'KvsError';
  constructor(
    readonly code: KvsErrorCode,
    message: string,
    readonly retriable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
