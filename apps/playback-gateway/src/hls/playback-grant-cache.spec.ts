import { AuthError, signPlaybackToken } from '@tributary/auth';
import { FakeTimers } from '@tributary/runtime/testing';
import { PlaybackGrantCache } from './playback-grant-cache';

const KEY = 'grant-cache-test-key-of-at-least-32-bytes';
const SESSION = 'http://kvs.test/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=abc';

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof AuthError) return err.code;
    throw err;
  }
  throw new Error('expected an AuthError');
};

describe('PlaybackGrantCache', () => {
  let clock: FakeTimers;
  beforeEach(() => {
    clock = new FakeTimers(Date.UTC(2026, 0, 1));
  });
  const token = (extra: { session?: string; ttlSeconds?: number; key?: string } = {}) =>
    signPlaybackToken({ streamName: 'cam-1', ttlSeconds: extra.ttlSeconds ?? 60, ...(extra.session !== '' ? { session: extra.session ?? SESSION } : {}) }, extra.key ?? KEY, { clock });

  it('verifies a token once and serves its grant and session until it expires, then refuses it', async () => {
    const cache = new PlaybackGrantCache(KEY, { clock });
    const t = await token();
    const first = await cache.verify(t);
    expect(first.grant.streamName).toBe('cam-1');
    expect(first.session).toEqual({ base: 'http://kvs.test/hls/v1/', sessionToken: 'abc' });
    expect(await cache.verify(t)).toBe(first);
    await clock.advance(60_000 - 1);
    expect(await cache.verify(t)).toBe(first);
    await clock.advance(1);
    expect(await code(cache.verify(t))).toBe('EXPIRED_CREDENTIALS');
    expect(cache.size).toBe(0);
  });

  it('knows a token only once verified, and not past its expiry', async () => {
    const cache = new PlaybackGrantCache(KEY, { clock });
    const t = await token();
    expect(cache.known(t)).toBeUndefined();
    const verified = await cache.verify(t);
    expect(cache.known(t)).toBe(verified);
    await clock.advance(60_000 - 1);
    expect(cache.known(t)).toBe(verified);
    await clock.advance(1);
    expect(cache.known(t)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it.each<[string, () => Promise<string>, string]>([
    ['another key', () => token({ key: 'another-key-of-at-least-32-bytes-long!!' }), 'INVALID_CREDENTIALS'],
    ['no session', () => token({ session: '' }), 'INVALID_CREDENTIALS'],
    ['a session that is not a KVS URL', () => token({ session: 'https://example.test/x' }), 'INVALID_CREDENTIALS'],
  ])('refuses a token with %s, and keeps nothing of it', async (_what, make, expected) => {
    const cache = new PlaybackGrantCache(KEY, { clock });
    const t = await make();
    expect(await code(cache.verify(t))).toBe(expected);
    expect(await code(cache.verify(t))).toBe(expected);
    expect(cache.size).toBe(0);
  });

  it('refuses a tampered copy of a token it holds', async () => {
    const cache = new PlaybackGrantCache(KEY, { clock });
    const t = await token();
    await cache.verify(t);
    const [h, p, s] = t.split('.');
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), str: 'cam-2' })).toString('base64url');
    expect(await code(cache.verify(`${h}.${other}.${s}`))).toBe('INVALID_CREDENTIALS');
  });

  it('keeps at most maxEntries tokens, the least recently verified going first', async () => {
    const cache = new PlaybackGrantCache(KEY, { clock, maxEntries: 2 });
    const tokens: string[] = [];
    for (let i = 1; i <= 3; i++) {
      tokens.push(await token({ ttlSeconds: 60 + i }));
      await cache.verify(tokens[i - 1]);
    }
    expect(cache.size).toBe(2);
  });
});
