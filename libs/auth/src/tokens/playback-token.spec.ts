import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import type { Clock } from '@tributary/runtime';
import { AuthError } from '../errors';
import { signPlaybackToken, verifyPlaybackToken } from './playback-token';

const KEY = 'playback-key-of-at-least-32-bytes!!';
const OTHER_KEY = new Uint8Array(32).fill(7);
const T0 = Date.UTC(2025, 0, 31, 12, 0, 0); // epoch ms, a whole second
const at = (ms: number): Clock => ({ now: () => ms });

const failure = async (p: Promise<unknown>): Promise<AuthError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof AuthError) return err;
    throw err;
  }
  throw new Error('expected an AuthError');
};

/** Replaces one character of a token part (0 header, 1 payload, 2 signature) without leaving base64url. */
const tamper = (token: string, part: number): string => {
  const parts = token.split('.');
  const p = parts[part] as string;
  const i = Math.floor(p.length / 2);
  parts[part] = p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1);
  return parts.join('.');
};

describe('playback tokens', () => {
  it('are compact, URL-safe JWTs bound to a stream, with iat and exp from the injected clock', async () => {
    const token = await signPlaybackToken({ streamName: 'cam-1', scopes: ['clips:create'], ttlSeconds: 300 }, KEY, { clock: at(T0 + 400) });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(token.length).toBeLessThan(260);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'trb-playback+jwt' });
    expect(decodeJwt(token)).toEqual({ str: 'cam-1', scope: 'clips:create', aud: 'tributary:playback', iat: T0 / 1000, exp: T0 / 1000 + 300 });
    await expect(verifyPlaybackToken(token, KEY, { clock: at(T0 + 1000), streamName: 'cam-1' })).resolves.toEqual({
      streamName: 'cam-1',
      scopes: ['clips:create'],
      issuedAt: T0,
      expiresAt: T0 + 300_000,
    });
  });

  it.each<[string, number, string]>([
    ['valid up to the last millisecond before exp', T0 + 299_999, 'ok'],
    ['expired at exp', T0 + 300_000, 'EXPIRED_CREDENTIALS'],
    ['expired an hour later', T0 + 3_600_000, 'EXPIRED_CREDENTIALS'],
  ])('%s', async (_name, now, expected) => {
    const token = await signPlaybackToken({ streamName: 'cam-1', ttlSeconds: 300 }, KEY, { clock: at(T0) });
    const result = await verifyPlaybackToken(token, KEY, { clock: at(now) }).then(
      () => 'ok',
      (err: AuthError) => err.code,
    );
    expect(result).toBe(expected);
  });

  it('accepts a token up to clockToleranceSeconds past exp, not beyond', async () => {
    const token = await signPlaybackToken({ streamName: 'cam-1', ttlSeconds: 300 }, KEY, { clock: at(T0) });
    await expect(verifyPlaybackToken(token, KEY, { clock: at(T0 + 304_999), clockToleranceSeconds: 5 })).resolves.toMatchObject({ streamName: 'cam-1' });
    expect((await failure(verifyPlaybackToken(token, KEY, { clock: at(T0 + 305_000), clockToleranceSeconds: 5 }))).code).toBe('EXPIRED_CREDENTIALS');
  });

  it.each<[string, number]>([
    ['header', 0],
    ['payload', 1],
    ['signature', 2],
  ])('detects a tampered %s', async (_name, part) => {
    const token = await signPlaybackToken({ streamName: 'cam-1', ttlSeconds: 300 }, KEY, { clock: at(T0) });
    const err = await failure(verifyPlaybackToken(tamper(token, part), KEY, { clock: at(T0) }));
    expect(err.code).toBe('INVALID_CREDENTIALS');
    expect(err.status).toBe(401);
  });

  it('detects a payload swapped for another stream under the original signature', async () => {
    const token = await signPlaybackToken({ streamName: 'cam-1', ttlSeconds: 300 }, KEY, { clock: at(T0) });
    const [h, p, s] = token.split('.') as [string, string, string];
    const forged = Buffer.from(Buffer.from(p, 'base64url').toString().replace('cam-1', 'cam-2')).toString('base64url');
    expect((await failure(verifyPlaybackToken(`${h}.${forged}.${s}`, KEY, { clock: at(T0) }))).code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a token signed with another key', async () => {
    const token = await signPlaybackToken({ streamName: 'cam-1', ttlSeconds: 300 }, OTHER_KEY, { clock: at(T0) });
    expect((await failure(verifyPlaybackToken(token, KEY, { clock: at(T0) }))).code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a token for another stream with WRONG_STREAM (403)', async () => {
    const token = await signPlaybackToken({ streamName: 'cam-1', ttlSeconds: 300 }, KEY, { clock: at(T0) });
    const err = await failure(verifyPlaybackToken(token, KEY, { clock: at(T0), streamName: 'cam-2' }));
    expect(err.code).toBe('WRONG_STREAM');
    expect(err.status).toBe(403);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['without the playback typ', { alg: 'HS256' }, { aud: 'tributary:playback', str: 'cam-1' }],
    ['with another audience', { alg: 'HS256', typ: 'trb-playback+jwt' }, { aud: 'api', str: 'cam-1' }],
    ['without a stream', { alg: 'HS256', typ: 'trb-playback+jwt' }, { aud: 'tributary:playback' }],
  ])('refuses another JWT signed with the same key: %s', async (_name, header, claims) => {
    const jwt = await new SignJWT(claims)
      .setProtectedHeader(header as { alg: string })
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 60)
      .sign(new TextEncoder().encode(KEY));
    expect((await failure(verifyPlaybackToken(jwt, KEY, { clock: at(T0) }))).code).toBe('INVALID_CREDENTIALS');
  });

  it.each<[string, string, string]>([
    ['not a JWT', 'hello', 'INVALID_CREDENTIALS'],
    ['empty', '', 'INVALID_CREDENTIALS'],
    ['alg none', `${Buffer.from('{"alg":"none","typ":"trb-playback+jwt"}').toString('base64url')}.${Buffer.from('{"str":"cam-1"}').toString('base64url')}.`, 'INVALID_CREDENTIALS'],
  ])('refuses %s', async (_name, token, code) => {
    expect((await failure(verifyPlaybackToken(token, KEY, { clock: at(T0) }))).code).toBe(code);
  });

  it.each<[string, Parameters<typeof signPlaybackToken>[0], string | Uint8Array]>([
    ['ttl 0', { streamName: 'cam-1', ttlSeconds: 0 }, KEY],
    ['ttl over a day', { streamName: 'cam-1', ttlSeconds: 86_401 }, KEY],
    ['fractional ttl', { streamName: 'cam-1', ttlSeconds: 1.5 }, KEY],
    ['a stream name with a slash', { streamName: 'a/b', ttlSeconds: 60 }, KEY],
    ['an empty stream name', { streamName: '', ttlSeconds: 60 }, KEY],
    ['a bad scope', { streamName: 'cam-1', scopes: ['a b'], ttlSeconds: 60 }, KEY],
    ['a 31-byte key', { streamName: 'cam-1', ttlSeconds: 60 }, new Uint8Array(31)],
    ['an empty session', { streamName: 'cam-1', ttlSeconds: 60, session: '' }, KEY],
    ['a session over 2048 characters', { streamName: 'cam-1', ttlSeconds: 60, session: 'x'.repeat(2049) }, KEY],
  ])('signing refuses %s with INVALID_OPTIONS', async (_name, request, key) => {
    expect((await failure(signPlaybackToken(request, key))).code).toBe('INVALID_OPTIONS');
  });

  it('carry an optional opaque session, signed: tampering with it invalidates the token', async () => {
    const session = 'https://b-1.kinesisvideo.example/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=Ci_x~';
    const token = await signPlaybackToken({ streamName: 'cam-1', ttlSeconds: 300, session }, KEY, { clock: at(T0) });
    expect(decodeJwt(token)['ses']).toBe(session);
    await expect(verifyPlaybackToken(token, KEY, { clock: at(T0), streamName: 'cam-1' })).resolves.toMatchObject({ streamName: 'cam-1', session });
    const plain = await signPlaybackToken({ streamName: 'cam-1', ttlSeconds: 300 }, KEY, { clock: at(T0) });
    expect(await verifyPlaybackToken(plain, KEY, { clock: at(T0) })).not.toHaveProperty('session');
    const [h, p, sig] = token.split('.') as [string, string, string];
    const forged = Buffer.from(Buffer.from(p, 'base64url').toString().replace('b-1.', 'evil.')).toString('base64url');
    expect((await failure(verifyPlaybackToken(`${h}.${forged}.${sig}`, KEY, { clock: at(T0) }))).code).toBe('INVALID_CREDENTIALS');
  });

  it('refuse a correctly signed token whose session is not a string', async () => {
    const token = await new SignJWT({ str: 'cam-1', ses: 42 })
      .setProtectedHeader({ alg: 'HS256', typ: 'trb-playback+jwt' })
      .setAudience('tributary:playback')
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 60)
      .sign(new TextEncoder().encode(KEY));
    expect((await failure(verifyPlaybackToken(token, KEY, { clock: at(T0) }))).code).toBe('INVALID_CREDENTIALS');
  });
});
