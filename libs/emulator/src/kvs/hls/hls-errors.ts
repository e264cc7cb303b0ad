/**
 * Errors of the HLS session call and of the player-facing endpoints, in KVS's envelope (kvs-errors.ts,
 * kvs-http.ts sendKvsError). The player endpoints answer bad or expired session tokens with 403 (observed:
 * "Streaming session token is expired", media-viewer #5). Media errors: ../media-failure.ts.
 */
import { AwsServiceError } from '../../errors';

export const SESSION_EXPIRED = 'Streaming session token is expired';
export const NO_FRAGMENTS = 'No fragments found in the stream for the streaming request.';

export const hlsErrors = {
  /** A token that is missing, malformed, tampered with, or names a stream that is gone or re-created. */
  badToken: (message: string) => new AwsServiceError('NotAuthorizedException', message, 403),
  expired: () => new AwsServiceError('NotAuthorizedException', SESSION_EXPIRED, 403),
} as const;

