import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { Clock } from '@tributary/runtime';
import { AuthError } from '../errors';
import { classifyJoseError, JwtVerifier } from './jwt-verifier';

const SECRET = 'an-hs256-secret-of-32-bytes-min!';
const T0 = Date.UTC(2025, 0, 31, 12, 0, 0);
const S0 = T0 / 1000;
const at = (ms: number): Clock => ({ now: () => ms });

const hs = (claims: JWTPayload, header: { alg: string; typ?: string } = { alg: 'HS256' }, secret = SECRET): Promise<string> =>
  new SignJWT(claims).setProtectedHeader(header).sign(new TextEncoder().encode(secret));

const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (err: unknown) => (err instanceof AuthError ? `${err.code}: ${err.message}` : `thrown: ${String(err)}`),
  );

describe('JwtVerifier HS256', () => {
  const verifier = new JwtVerifier({
    key: { type: 'hs256', secret: SECRET },
    audience: 'tributary-api',
    issuer: 'https://issuer.test',
    clock: at(T0),
  });
  const base = { aud: 'tributary-api', iss: 'https://issuer.test', sub: 'device-7', iat: S0, exp: S0 + 300 };

  it('returns the principal with scopes from scope and scp', async () => {
    const token = await hs({ ...base, scope: 'telemetry:write streams:read', scp: ['stream:cam1:read'] });
    await expect(verifier.verify(token)).resolves.toEqual({
      kind: 'jwt',
      subject: 'device-7',
      scopes: ['telemetry:write', 'streams:read', 'stream:cam1:read'],
      expiresAt: (S0 + 300) * 1000,
      claims: { ...base, scope: 'telemetry:write streams:read', scp: ['stream:cam1:read'] },
    });
  });

  it.each<[string, () => Promise<string>, string]>([
    ['valid', () => hs(base), 'ok'],
    ['expired 31 s ago (beyond the 30 s tolerance)', () => hs({ ...base, exp: S0 - 31 }), 'EXPIRED_CREDENTIALS: the token has expired'],
    ['expired 29 s ago (within the tolerance)', () => hs({ ...base, exp: S0 - 29 }), 'ok'],
    ['not yet valid (nbf in 60 s)', () => hs({ ...base, nbf: S0 + 60 }), 'INVALID_CREDENTIALS: "nbf" claim timestamp check failed'],
    ['without exp', () => hs({ ...base, exp: undefined }), 'INVALID_CREDENTIALS: missing required "exp" claim'],
    ['for another audience', () => hs({ ...base, aud: 'other-api' }), 'INVALID_CREDENTIALS: unexpected "aud" claim value'],
    ['without an audience', () => hs({ ...base, aud: undefined }), 'INVALID_CREDENTIALS: missing required "aud" claim'],
    ['from another issuer', () => hs({ ...base, iss: 'https://evil.test' }), 'INVALID_CREDENTIALS: unexpected "iss" claim value'],
    ['signed with another secret', () => hs(base, { alg: 'HS256' }, 'another-secret-that-is-32-bytes!!'), 'INVALID_CREDENTIALS: signature verification failed'],
    ['signed with HS512', () => hs(base, { alg: 'HS512' }), 'INVALID_CREDENTIALS: token algorithm not allowed'],
    ['alg none', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(base)).toString('base64url')}.`, 'INVALID_CREDENTIALS: token algorithm not allowed'],
    ['not a JWT', async () => 'abc', 'INVALID_CREDENTIALS: Invalid Compact JWS'],
  ])('%s', async (_name, token, expected) => {
    await expect(outcome(verifier.verify(await token()))).resolves.toBe(expected);
  });

  // Regression (issue 12, item 9): `exp` = 1e300 and an `iat` a year ahead were accepted. Default bound: 24 h of
  // age (now − iat) and of lifetime (exp − iat), `iat` required; the clock tolerance is 30 s.
  const DAY = 86_400;
  it.each<[string, JWTPayload, string]>([
    ['issued now for 5 minutes', { iat: S0, exp: S0 + 300 }, 'ok'],
    ['issued now for exactly 24 h', { iat: S0, exp: S0 + DAY }, 'ok'],
    ['issued 23 h ago for 24 h', { iat: S0 - 23 * 3600, exp: S0 - 23 * 3600 + DAY }, 'ok'],
    ['issued 20 s ahead (within the tolerance)', { iat: S0 + 20, exp: S0 + 320 }, 'ok'],
    ['exp = 1e300', { iat: S0, exp: 1e300 }, "INVALID_CREDENTIALS: the token's lifetime (exp - iat) exceeds the maximum of 86400 s"],
    ['issued now for 24 h and 1 s', { iat: S0, exp: S0 + DAY + 1 }, "INVALID_CREDENTIALS: the token's lifetime (exp - iat) exceeds the maximum of 86400 s"],
    ['iat a year ahead', { iat: S0 + 365 * DAY, exp: S0 + 365 * DAY + 300 }, 'INVALID_CREDENTIALS: "iat" claim timestamp check failed (it should be in the past)'],
    ['iat 31 s ahead (beyond the tolerance)', { iat: S0 + 31, exp: S0 + 300 }, 'INVALID_CREDENTIALS: "iat" claim timestamp check failed (it should be in the past)'],
    ['issued 25 h ago, still unexpired', { iat: S0 - 25 * 3600, exp: S0 + 3600 }, 'EXPIRED_CREDENTIALS: the token is older than the maximum token age'],
    ['without iat', { iat: undefined, exp: S0 + 300 }, 'INVALID_CREDENTIALS: missing required "iat" claim'],
    ['with a non-numeric iat', { iat: 'now' as unknown as number, exp: S0 + 300 }, 'INVALID_CREDENTIALS: "iat" claim must be a number'],
  ])('token lifetime: %s', async (_name, times, expected) => {
    await expect(outcome(verifier.verify(await hs({ ...base, ...times })))).resolves.toBe(expected);
  });

  it.each<[string, number, JWTPayload, string]>([
    ['a 1 h bound refuses a 2 h token', 3600, { iat: S0, exp: S0 + 7200 }, "INVALID_CREDENTIALS: the token's lifetime (exp - iat) exceeds the maximum of 3600 s"],
    ['no bound (0) accepts exp = 1e300', 0, { iat: S0, exp: 1e300 }, 'ok'],
    ['no bound (0) accepts a token without iat', 0, { iat: undefined, exp: S0 + 300 }, 'ok'],
    ['no bound (0) still refuses an iat a year ahead', 0, { iat: S0 + 365 * DAY, exp: S0 + 365 * DAY + 300 }, 'INVALID_CREDENTIALS: "iat" claim timestamp check failed (it should be in the past)'],
  ])('maxTokenAgeSeconds: %s', async (_name, maxTokenAgeSeconds, times, expected) => {
    const bounded = new JwtVerifier({ key: { type: 'hs256', secret: SECRET }, audience: 'tributary-api', issuer: 'https://issuer.test', clock: at(T0), maxTokenAgeSeconds });
    await expect(outcome(bounded.verify(await hs({ ...base, ...times })))).resolves.toBe(expected);
  });

  it.each<[string, () => unknown]>([
    ['a short secret', () => new JwtVerifier({ key: { type: 'hs256', secret: 'short' }, audience: 'a' })],
    ['an empty audience list', () => new JwtVerifier({ key: { type: 'hs256', secret: SECRET }, audience: [] })],
    ['a JWKS without issuer', () => new JwtVerifier({ key: { type: 'jwks', url: 'http://127.0.0.1:1/jwks' }, audience: 'a' })],
  ])('refuses %s at construction', (_name, make) => {
    expect(make).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});

describe('JwtVerifier RS256', () => {
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  let pem: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    pem = await exportSPKI(pair.publicKey);
    otherKey = (await generateKeyPair('RS256', { modulusLength: 2048 })).privateKey;
  });

  const rs = (claims: JWTPayload, key: () => CryptoKey) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(key());
  const base = { aud: ['x', 'tributary-api'], sub: 's', iat: S0 - 60, exp: S0 + 60 };

  it.each<[string, () => Promise<string>, string]>([
    ['valid (aud as an array)', () => rs(base, () => privateKey), 'ok'],
    ['signed by another key', () => rs(base, () => otherKey), 'INVALID_CREDENTIALS: signature verification failed'],
    ['expired', () => rs({ ...base, exp: S0 - 60 }, () => privateKey), 'EXPIRED_CREDENTIALS: the token has expired'],
    // The classic key-confusion attack: an HS256 token whose "secret" is the RSA public key PEM.
    ['HS256 signed with the public PEM', () => hs(base, { alg: 'HS256' }, pem), 'INVALID_CREDENTIALS: token algorithm not allowed'],
  ])('%s', async (_name, token, expected) => {
    const verifier = new JwtVerifier({ key: { type: 'rs256', publicKeyPem: pem }, audience: 'tributary-api', clock: at(T0) });
    await expect(outcome(verifier.verify(await token()))).resolves.toBe(expected);
  });

  it('a bad PEM fails ready() with INVALID_OPTIONS', async () => {
    const verifier = new JwtVerifier({ key: { type: 'rs256', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, audience: 'a' });
    await expect(outcome(verifier.ready())).resolves.toMatch(/^INVALID_OPTIONS: cannot import the RS256 public key/);
  });
});

describe('classifyJoseError', () => {
  it.each<[unknown, boolean, string | undefined]>([
    [{ code: 'ERR_JWT_EXPIRED', message: 'x' }, false, 'EXPIRED_CREDENTIALS'],
    [{ code: 'ERR_JWKS_TIMEOUT', message: 'x' }, true, 'KEY_SOURCE_UNAVAILABLE'],
    [{ code: 'ERR_JOSE_GENERIC', message: 'Expected 200 OK' }, true, 'KEY_SOURCE_UNAVAILABLE'],
    [new TypeError('fetch failed'), true, 'KEY_SOURCE_UNAVAILABLE'],
    [new TypeError('a bug'), false, undefined],
  ])('%j (remote %s) → %s', (err, remote, code) => {
    expect(classifyJoseError(err, remote)?.code).toBe(code);
  });
});
