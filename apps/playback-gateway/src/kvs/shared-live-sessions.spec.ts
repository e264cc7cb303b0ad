import { FakeTimers } from '@tributary/runtime/testing';
import type { HlsSessionRequest } from './kvs-playback-client';
import { SHARED_LIVE_SESSION_DEFAULTS, SharedLiveSessions } from './shared-live-sessions';

/** A KVS stand-in that hands out numbered session URLs and remembers what it was asked. */
class SessionIssuer {
  readonly requests: HlsSessionRequest[] = [];
  failNext = false;
  async hlsSessionUrl(request: HlsSessionRequest): Promise<string> {
    this.requests.push(request);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('NoDataRetention');
    }
    return `http://kvs.test/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=${request.streamName}-${this.requests.length}`;
  }
}

const TTL = 1_800;

describe('SharedLiveSessions', () => {
  let clock: FakeTimers;
  let kvs: SessionIssuer;
  let sessions: SharedLiveSessions;
  beforeEach(() => {
    clock = new FakeTimers();
    kvs = new SessionIssuer();
    sessions = new SharedLiveSessions({ kvs, clock });
  });

  it('hands one LIVE session of a stream to every viewer within the reuse period, created to outlive their tokens', async () => {
    const urls = await Promise.all([sessions.url('cam-1', TTL), sessions.url('cam-1', TTL), sessions.url('cam-1', TTL)]);
    expect(new Set(urls).size).toBe(1);
    await clock.advance(SHARED_LIVE_SESSION_DEFAULTS.reuseMs - 1);
    expect(await sessions.url('cam-1', TTL)).toBe(urls[0]);
    expect(kvs.requests).toEqual([{ streamName: 'cam-1', mode: 'LIVE', expiresSeconds: TTL + (SHARED_LIVE_SESSION_DEFAULTS.reuseMs + SHARED_LIVE_SESSION_DEFAULTS.marginMs) / 1000 }]);
  });

  it('creates a new session once the reuse period is over', async () => {
    const first = await sessions.url('cam-1', TTL);
    await clock.advance(SHARED_LIVE_SESSION_DEFAULTS.reuseMs);
    const second = await sessions.url('cam-1', TTL);
    expect(second).not.toBe(first);
    expect(kvs.requests).toHaveLength(2);
  });

  it('keeps streams apart', async () => {
    expect(await sessions.url('cam-1', TTL)).not.toBe(await sessions.url('cam-2', TTL));
    expect(kvs.requests.map((r) => r.streamName)).toEqual(['cam-1', 'cam-2']);
  });

  it('never hands out a session that would expire before a token issued now', async () => {
    // KVS's bound leaves no room beyond a 43,200-s token: every viewer gets a session of its own.
    const max = SHARED_LIVE_SESSION_DEFAULTS.maxExpiresSeconds;
    const a = await sessions.url('cam-1', max);
    const b = await sessions.url('cam-1', max);
    expect(a).not.toBe(b);
    expect(kvs.requests.map((r) => r.expiresSeconds)).toEqual([max, max]);
    // Near the bound: shared only while a new token still ends 10 s before the session does.
    const ttl = max - 60;
    const c = await sessions.url('cam-2', ttl);
    await clock.advance(50_000);
    expect(await sessions.url('cam-2', ttl)).toBe(c);
    await clock.advance(1);
    expect(await sessions.url('cam-2', ttl)).not.toBe(c);
  });

  it('forgets a failed creation, so the next viewer asks KVS again', async () => {
    kvs.failNext = true;
    await expect(sessions.url('cam-1', TTL)).rejects.toThrow('NoDataRetention');
    await expect(sessions.url('cam-1', TTL)).resolves.toMatch(/cam-1-2$/);
  });
});
