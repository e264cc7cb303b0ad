import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { Clock } from './clock';
import { AuthError } from './errors';
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
  const base = { aud: ['x', 'tributary-api'], sub: 's', exp: S0 + 60 };

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
