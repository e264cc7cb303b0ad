/**
 * The app's typed errors (conventions: `code` + `retriable`), so that main.ts and the pipeline decide by code,
 * never by message text.
 */
export type VideoProducerErrorCode =
  /** ffmpeg could not be found or started. */
  | 'FFMPEG_NOT_FOUND'
  /** ffmpeg exited with an error (bad source, codec, device). */
  | 'FFMPEG_FAILED'
  /** The spool refused a fragment (policy stop-capture, spool full). */
  | 'SPOOL_FULL'
  /** A spool file could not be parsed (truncated by a crash): it is skipped and deleted. */
  | 'SPOOL_CORRUPT'
  /** The stream does not exist and auto-create is off, or it never became ACTIVE. */
  | 'STREAM_UNAVAILABLE'
  /** The RTSP camera refused the credentials (401): retried slowly (rtsp/rtsp-failure.ts says why). */
  | 'RTSP_UNAUTHORIZED'
  /** The RTSP camera has no stream at the URL's path (404). */
  | 'RTSP_NOT_FOUND'
  /** No data from the RTSP camera within the socket timeout (--rtsp-timeout): hung, rebooting or cut off. */
  | 'RTSP_TIMEOUT'
  /** The RTSP camera cannot be reached (refused, reset, no route). */
  | 'RTSP_UNREACHABLE'
  /** A live source ended by itself (the camera closed the stream: reboot, restart): restarted with backoff. */
  | 'SOURCE_ENDED';

export class VideoProducerError extends Error {
  constructor(
    readonly code: VideoProducerErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VideoProducerError';
  }
}
