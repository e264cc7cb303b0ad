/**
 * Why an RTSP camera's ffmpeg stopped, read from ffmpeg's own stderr lines (it has no exit codes per cause), and how
 * long to wait before trying the camera again. Pure: the ffmpeg adapter feeds it the lines it has seen.
 *
 * ffmpeg 5.1 (Debian 12) writes, for example:
 *   [rtsp @ 0x…] method DESCRIBE failed: 401 Unauthorized
 *   rtsp://admin:…@cam/stream: Server returned 401 Unauthorized (authorization failed)
 *   rtsp://cam/stream: Connection timed out          (the -timeout socket timeout; ffmpeg then exits 0)
 *   rtsp://cam/stream: Connection refused
 */
import type { VideoProducerErrorCode } from '../video-producer-error';

export interface RtspFailure {
  code: Extract<VideoProducerErrorCode, 'RTSP_UNAUTHORIZED' | 'RTSP_NOT_FOUND' | 'RTSP_TIMEOUT' | 'RTSP_UNREACHABLE'>;
  /** What an operator reads in the log and in /healthz. */
  message: string;
}

const RULES: ReadonlyArray<{ test: RegExp; failure: RtspFailure }> = [
  {
    test: /\b401 Unauthorized\b|authorization failed/i,
    failure: { code: 'RTSP_UNAUTHORIZED', message: 'the camera refused the user name or password (RTSP 401 Unauthorized): check the URL or VIDEO_RTSP_USER / VIDEO_RTSP_PASSWORD' },
  },
  { test: /\b404 Not Found\b/i, failure: { code: 'RTSP_NOT_FOUND', message: 'the camera has no stream at this path (RTSP 404 Not Found)' } },
  {
    test: /Connection timed out|Operation timed out/i,
    failure: { code: 'RTSP_TIMEOUT', message: 'no data from the camera within the RTSP timeout (camera hung, rebooting or unreachable)' },
  },
  {
    test: /Connection refused|No route to host|Network is unreachable|Host is unreachable|Connection reset by peer|Name or service not known|Temporary failure in name resolution/i,
    failure: { code: 'RTSP_UNREACHABLE', message: 'cannot reach the camera (connection refused, reset or no route)' },
  },
];

/** The first rule that matches one of `lines` (newest last), in the rules' order: 401 before the timeouts it can cause. */
export function classifyRtspFailure(lines: readonly string[]): RtspFailure | undefined {
  for (const rule of RULES) if (lines.some((l) => rule.test.test(l))) return rule.failure;
  return undefined;
}

export const RTSP_RETRY_DEFAULTS = {
  /**
   * A refused password is retried, but slowly: 60 s doubling to 10 min. Not retrying would leave a camera dark after
   * its password is fixed on the camera (or after the brief 401s some cameras answer while booting) until someone
   * restarts the producer; retrying at the usual 1–30 s would, with many cameras' lock-out rules (a few failed
   * logins block the client for minutes, sometimes the account), keep the account locked even once the password is
   * right, and flood the camera's security log.
   */
  unauthorizedBaseMs: 60_000,
  unauthorizedMaxMs: 600_000,
} as const;

/**
 * The wait before restart `attempt` (1, 2, …) of a source whose last run failed with `code`: the pipeline's
 * backoff (`baseMs` doubling to 30 s) for everything a restart can cure soon (camera rebooting, network), the slow
 * one above for a refused password.
 */
export function sourceRestartDelayMs(code: string | undefined, attempt: number, baseMs: number, unauthorizedBaseMs: number = RTSP_RETRY_DEFAULTS.unauthorizedBaseMs): number {
  const step = Math.min(Math.max(attempt, 1) - 1, 5);
  if (code === 'RTSP_UNAUTHORIZED') return Math.min(RTSP_RETRY_DEFAULTS.unauthorizedMaxMs, unauthorizedBaseMs * 2 ** step);
  return Math.min(30_000, baseMs * 2 ** step);
}
