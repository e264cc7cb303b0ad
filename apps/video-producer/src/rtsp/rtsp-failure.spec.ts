import { classifyRtspFailure, RTSP_RETRY_DEFAULTS, sourceRestartDelayMs } from './rtsp-failure';

describe('RTSP failures from ffmpeg stderr', () => {
  it('types the lines ffmpeg 5.1 prints', () => {
    expect(classifyRtspFailure(['[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized', 'rtsp://a:***@h/s: Server returned 401 Unauthorized (authorization failed)'])?.code).toBe('RTSP_UNAUTHORIZED');
    expect(classifyRtspFailure(['[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found'])?.code).toBe('RTSP_NOT_FOUND');
    expect(classifyRtspFailure(['rtsp://h/s: Connection timed out'])?.code).toBe('RTSP_TIMEOUT');
    expect(classifyRtspFailure(['[tcp @ 0x1] Connection to tcp://127.0.0.1:9?timeout=0 failed: Connection refused', 'rtsp://h/s: Connection refused'])?.code).toBe('RTSP_UNREACHABLE');
    expect(classifyRtspFailure(['[matroska @ 0x1] Timestamps are unset in a packet for stream 0.'])).toBeUndefined();
    expect(classifyRtspFailure([])).toBeUndefined();
  });

  it('a refused password wins over what it leads to', () => {
    expect(classifyRtspFailure(['rtsp://h/s: Connection timed out', 'method DESCRIBE failed: 401 Unauthorized'])?.code).toBe('RTSP_UNAUTHORIZED');
  });

  it('retries a refused password slowly (60 s doubling to 10 min), everything else on the usual backoff (base doubling to 30 s)', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => sourceRestartDelayMs('RTSP_UNAUTHORIZED', a, 1000))).toEqual([60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]);
    expect(sourceRestartDelayMs('RTSP_UNAUTHORIZED', 1, 1000, 200)).toBe(200);
    expect([1, 2, 3, 6, 9].map((a) => sourceRestartDelayMs('RTSP_TIMEOUT', a, 1000))).toEqual([1000, 2000, 4000, 30_000, 30_000]);
    expect(sourceRestartDelayMs(undefined, 1, 100)).toBe(100);
    expect(RTSP_RETRY_DEFAULTS.unauthorizedBaseMs).toBeGreaterThanOrEqual(30_000 * 2);
  });
});
