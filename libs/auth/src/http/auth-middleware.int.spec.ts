/**
 * The middleware in a real Express 5 app on port 0, called with the real fetch: every 401/403/200 path for API
 * keys, HS256, RS256 and a JWKS served by a local HTTP server. Verifiers use a fixed clock (T0), so expiry is
 * exact and nothing waits.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { generateApiKey } from '../api-keys/api-key';
import { InMemoryApiKeyStore } from '../api-keys/api-key-store';
import { authenticate, getPrincipal, requireScope, type AuthenticateOptions } from './auth-middleware';
import type { Clock } from '@tributary/runtime';
import { AUTH_CHANNELS, type RejectedEvent } from '../diagnostics';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

const T0 = Date.UTC(2025, 0, 31, 12, 0, 0);
const S0 = T0 / 1000;
const clock: Clock = { now: () => T0 };
const SECRET = 'int-test-hs256-secret-32-bytes!!';
const AUD = 'tributary-api';
const ISS = 'https://idp.test';

interface Running {
  url: string;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function startApp(options: AuthenticateOptions): Promise<Running> {
  const app = express();
  app.use(authenticate(options));
  app.post('/telemetry', requireScope('telemetry:write'), (_req, res) => {
    res.json({ accepted: true });
  });
  app.get('/streams/:name', requireScope((req) => `stream:${req.params['name']}:read`), (req, res) => {
    res.json({ stream: req.params['name'] });
  });
  app.get('/whoami', (req, res) => {
    const p = getPrincipal(req);
    res.json({ kind: p?.kind, subject: p?.subject, scopes: p?.scopes });
  });
  return listen(http.createServer(app));
}

interface Answer {
  status: number;
  contentType: string | null;
  challenge: string | null;
  body: Record<string, unknown>;
}

async function call(base: Running, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base.url}${path}`, { method, headers });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    challenge: res.headers.get('www-authenticate'),
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

const hs256 = (claims: JWTPayload, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
const rs256 = (claims: JWTPayload, key: CryptoKey, kid?: string) =>
  new SignJWT(claims).setProtectedHeader(kid ? { alg: 'RS256', kid } : { alg: 'RS256' }).sign(key);

/** Flips one character in the middle of the signature: still base64url, no longer the signature. */
const tamper = (jwt: string): string => {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const i = Math.floor(s.length / 2);
  return `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
};

const claims = (extra: JWTPayload = {}): JWTPayload => ({ aud: AUD, iss: ISS, sub: 'user-1', iat: S0, exp: S0 + 300, ...extra });

// Both challenges, no error parameters: what a request without credentials gets.
const BOTH_CHALLENGES = 'Bearer realm="tributary", ApiKey realm="tributary"';

describe('authenticate + requireScope: API keys and HS256', () => {
  const writer = generateApiKey({ scopes: ['telemetry:write'], name: 'writer' });
  const reader = generateApiKey({ scopes: ['streams:read', 'stream:cam-1:read'] });
  const allStreams = generateApiKey({ scopes: ['stream:*:read'] });
  let app: Running;
  const rejected: RejectedEvent[] = [];
  const onRejected = (message: unknown): void => {
    rejected.push(message as RejectedEvent);
  };

  beforeAll(async () => {
    subscribe(AUTH_CHANNELS.rejected, onRejected);
    app = await startApp({
      apiKeys: new InMemoryApiKeyStore([writer.record, reader.record, allStreams.record]),
      jwt: { key: { type: 'hs256', secret: SECRET }, audience: AUD, issuer: ISS, clock },
    });
  });
  afterAll(async () => {
    unsubscribe(AUTH_CHANNELS.rejected, onRejected);
    await app.close();
  });

  it('answers 401 with both challenges and a problem document when no credentials are sent', async () => {
    const answer = await call(app, 'POST', '/telemetry');
    expect(answer).toEqual({
      status: 401,
      contentType: 'application/problem+json; charset=utf-8',
      challenge: BOTH_CHALLENGES,
      body: {
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        detail: 'no credentials: send Authorization: Bearer <token> or X-Api-Key: <key>',
        code: 'MISSING_CREDENTIALS',
      },
    });
  });

  it.each<[string, string, string, () => Record<string, string>, number, string | null, string | undefined]>([
    ['X-Api-Key, right scope', 'POST', '/telemetry', () => ({ 'X-Api-Key': writer.key }), 200, null, undefined],
    ['Authorization: ApiKey, right scope', 'POST', '/telemetry', () => ({ Authorization: `ApiKey ${writer.key}` }), 200, null, undefined],
    ['API key as Bearer, right scope', 'POST', '/telemetry', () => ({ Authorization: `Bearer ${writer.key}` }), 200, null, undefined],
    [
      'API key with a wrong secret',
      'POST',
      '/telemetry',
      () => ({ 'X-Api-Key': `${writer.key.slice(0, 21)}${reader.key.slice(21)}` }),
      401,
      'Bearer realm="tributary", ApiKey realm="tributary", error="invalid_token", error_description="unknown or wrong API key"',
      'INVALID_CREDENTIALS',
    ],
    [
      'malformed API key',
      'POST',
      '/telemetry',
      () => ({ 'X-Api-Key': 'trb_123' }),
      401,
      'Bearer realm="tributary", ApiKey realm="tributary", error="invalid_token", error_description="malformed API key"',
      'INVALID_CREDENTIALS',
    ],
    [
      'valid API key without the scope',
      'POST',
      '/telemetry',
      () => ({ 'X-Api-Key': reader.key }),
      403,
      'ApiKey realm="tributary", error="insufficient_scope", scope="telemetry:write", error_description="this request needs the scope telemetry:write"',
      'INSUFFICIENT_SCOPE',
    ],
    ['per-stream scope, its stream', 'GET', '/streams/cam-1', () => ({ 'X-Api-Key': reader.key }), 200, null, undefined],
    [
      'per-stream scope, another stream (streams:read does not imply it)',
      'GET',
      '/streams/cam-2',
      () => ({ 'X-Api-Key': reader.key }),
      403,
      'ApiKey realm="tributary", error="insufficient_scope", scope="stream:cam-2:read", error_description="this request needs the scope stream:cam-2:read"',
      'INSUFFICIENT_SCOPE',
    ],
    ['wildcard stream scope', 'GET', '/streams/cam-2', () => ({ 'X-Api-Key': allStreams.key }), 200, null, undefined],
    [
      'X-Api-Key and Authorization together',
      'POST',
      '/telemetry',
      () => ({ 'X-Api-Key': writer.key, Authorization: `ApiKey ${writer.key}` }),
      400,
      'Bearer realm="tributary", error="invalid_request", error_description="send either X-Api-Key or Authorization, not both", ApiKey realm="tributary", error="invalid_request", error_description="send either X-Api-Key or Authorization, not both"',
      'AMBIGUOUS_CREDENTIALS',
    ],
    ['Basic credentials', 'POST', '/telemetry', () => ({ Authorization: 'Basic dTpw' }), 401, BOTH_CHALLENGES, 'INVALID_CREDENTIALS'],
  ])('%s', async (_name, method, path, headers, status, challenge, code) => {
    const answer = await call(app, method, path, headers());
    expect(answer.status).toBe(status);
    expect(answer.challenge).toBe(challenge);
    if (code === undefined) {
      expect(answer.contentType).toBe('application/json; charset=utf-8');
    } else {
      expect(answer.contentType).toBe('application/problem+json; charset=utf-8');
      expect(answer.body).toMatchObject({ type: 'about:blank', status, code });
    }
  });

  it.each<[string, () => Promise<string>, string, number, string | undefined]>([
    ['scope claim with the scope', () => hs256(claims({ scope: 'streams:read telemetry:write' })), '/telemetry', 200, undefined],
    ['scp array with the scope', () => hs256(claims({ scp: ['telemetry:write'] })), '/telemetry', 200, undefined],
    ['expired token', () => hs256(claims({ exp: S0 - 60 })), '/telemetry', 401, 'the token has expired'],
    ['wrong audience', () => hs256(claims({ aud: 'someone-else' })), '/telemetry', 401, 'unexpected "aud" claim value'],
    ['wrong issuer', () => hs256(claims({ iss: 'https://evil.test', scope: 'telemetry:write' })), '/telemetry', 401, 'unexpected "iss" claim value'],
    ['tampered signature', async () => tamper(await hs256(claims({ scope: 'telemetry:write' }))), '/telemetry', 401, 'signature verification failed'],
    ['signed with another secret', () => hs256(claims({ scope: 'telemetry:write' }), 'x'.repeat(32)), '/telemetry', 401, 'signature verification failed'],
    ['valid token without the scope', () => hs256(claims({ scope: 'streams:read' })), '/telemetry', 403, 'this request needs the scope telemetry:write'],
  ])('HS256 %s', async (_name, token, path, status, detail) => {
    const answer = await call(app, 'POST', path, { Authorization: `Bearer ${await token()}` });
    expect(answer.status).toBe(status);
    if (status === 200) {
      expect(answer.body).toEqual({ accepted: true });
      expect(answer.challenge).toBeNull();
    } else if (status === 401) {
      expect(answer.body).toEqual({ type: 'about:blank', title: 'Unauthorized', status: 401, detail, code: detail === 'the token has expired' ? 'EXPIRED_CREDENTIALS' : 'INVALID_CREDENTIALS' });
      expect(answer.challenge).toBe(`Bearer realm="tributary", error="invalid_token", error_description="${detail?.replace(/"/g, "'")}", ApiKey realm="tributary"`);
    } else {
      expect(answer.body).toEqual({ type: 'about:blank', title: 'Forbidden', status: 403, detail, code: 'INSUFFICIENT_SCOPE' });
      expect(answer.challenge).toBe(`Bearer realm="tributary", error="insufficient_scope", scope="telemetry:write", error_description="${detail}"`);
    }
  });

  it('exposes the principal to handlers', async () => {
    const token = await hs256(claims({ sub: 'user-42', scope: 'a b' }));
    expect((await call(app, 'GET', '/whoami', { Authorization: `Bearer ${token}` })).body).toEqual({ kind: 'jwt', subject: 'user-42', scopes: ['a', 'b'] });
    expect((await call(app, 'GET', '/whoami', { 'X-Api-Key': writer.key })).body).toEqual({ kind: 'api-key', subject: writer.record.id, scopes: ['telemetry:write'] });
  });

  it('publishes rejections on tributary:auth:rejected, without credentials', async () => {
    rejected.length = 0;
    await call(app, 'POST', '/telemetry', { 'X-Api-Key': reader.key });
    await call(app, 'POST', '/telemetry');
    expect(rejected).toEqual([
      { code: 'INSUFFICIENT_SCOPE', status: 403, scheme: 'api-key' },
      { code: 'MISSING_CREDENTIALS', status: 401, scheme: 'none' },
    ]);
  });
});

describe('authenticate: RS256 with a PEM public key', () => {
  let app: Running;
  let key: CryptoKey;
  let otherKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { modulusLength: 2048 });
    key = pair.privateKey;
    otherKey = (await generateKeyPair('RS256', { modulusLength: 2048 })).privateKey;
    app = await startApp({ jwt: { key: { type: 'rs256', publicKeyPem: await exportSPKI(pair.publicKey) }, audience: AUD, clock } });
  });
  afterAll(() => app.close());

  it.each<[string, () => Promise<Record<string, string>>, number, string | undefined]>([
    ['valid token with the scope', async () => ({ Authorization: `Bearer ${await rs256(claims({ scope: 'telemetry:write' }), key)}` }), 200, undefined],
    ['no credentials', async () => ({}), 401, 'MISSING_CREDENTIALS'],
    ['signed by another key', async () => ({ Authorization: `Bearer ${await rs256(claims({ scope: 'telemetry:write' }), otherKey)}` }), 401, 'INVALID_CREDENTIALS'],
    ['expired', async () => ({ Authorization: `Bearer ${await rs256(claims({ exp: S0 - 3600 }), key)}` }), 401, 'EXPIRED_CREDENTIALS'],
    ['wrong audience', async () => ({ Authorization: `Bearer ${await rs256(claims({ aud: 'other' }), key)}` }), 401, 'INVALID_CREDENTIALS'],
    ['tampered signature', async () => ({ Authorization: `Bearer ${tamper(await rs256(claims({ scope: 'telemetry:write' }), key))}` }), 401, 'INVALID_CREDENTIALS'],
    ['HS256 token (algorithm confusion)', async () => ({ Authorization: `Bearer ${await hs256(claims({ scope: 'telemetry:write' }))}` }), 401, 'INVALID_CREDENTIALS'],
    ['an API key where none are accepted', async () => ({ 'X-Api-Key': generateApiKey({ scopes: [] }).key }), 401, 'INVALID_CREDENTIALS'],
    ['valid token without the scope', async () => ({ Authorization: `Bearer ${await rs256(claims(), key)}` }), 403, 'INSUFFICIENT_SCOPE'],
  ])('%s', async (_name, headers, status, code) => {
    const answer = await call(app, 'POST', '/telemetry', await headers());
    expect(answer.status).toBe(status);
    if (code) expect(answer.body).toMatchObject({ status, code });
    // Only the Bearer scheme is offered: this app takes no API keys.
    if (status === 401) expect(answer.challenge?.startsWith('Bearer realm="tributary"')).toBe(true);
    if (status === 401) expect(answer.challenge).not.toContain('ApiKey');
  });
});

describe('authenticate: JWKS URL', () => {
  let jwks: Running;
  let app: Running;
  let rotatingApp: Running;
  let k1: CryptoKey;
  let k2: CryptoKey;
  let k2Public: JWK;
  const served: JWK[] = [];
  let fetches = 0;
  let failWith: number | undefined;

  beforeAll(async () => {
    const p1 = await generateKeyPair('RS256', { modulusLength: 2048 });
    const p2 = await generateKeyPair('RS256', { modulusLength: 2048 });
    k1 = p1.privateKey;
    k2 = p2.privateKey;
    served.push({ ...(await exportJWK(p1.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' });
    // k2 is not published until the rotation test.
    k2Public = { ...(await exportJWK(p2.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' };
    jwks = await listen(
      http.createServer((req, res) => {
        fetches++;
        if (req.url !== '/.well-known/jwks.json' || failWith) {
          res.writeHead(failWith ?? 404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: served }));
      }),
    );
    const url = `${jwks.url}/.well-known/jwks.json`;
    app = await startApp({ jwt: { key: { type: 'jwks', url }, audience: AUD, issuer: ISS, clock } });
    // Cooldown 0: an unknown kid refetches at once, which is how a rotation is picked up.
    rotatingApp = await startApp({ jwt: { key: { type: 'jwks', url, cooldownMs: 0 }, audience: AUD, issuer: ISS, clock } });
  });
  afterAll(async () => {
    await app.close();
    await rotatingApp.close();
    await jwks.close();
  });

  it.each<[string, () => Promise<string>, number, string | undefined]>([
    ['valid token with the scope', () => rs256(claims({ scope: 'telemetry:write' }), k1, 'k1'), 200, undefined],
    ['expired', () => rs256(claims({ exp: S0 - 60, scope: 'telemetry:write' }), k1, 'k1'), 401, 'EXPIRED_CREDENTIALS'],
    ['wrong audience', () => rs256(claims({ aud: 'other', scope: 'telemetry:write' }), k1, 'k1'), 401, 'INVALID_CREDENTIALS'],
    ['wrong issuer', () => rs256(claims({ iss: 'https://other.test', scope: 'telemetry:write' }), k1, 'k1'), 401, 'INVALID_CREDENTIALS'],
    ['tampered signature', async () => tamper(await rs256(claims({ scope: 'telemetry:write' }), k1, 'k1')), 401, 'INVALID_CREDENTIALS'],
    ['a kid the set does not have', () => rs256(claims({ scope: 'telemetry:write' }), k2, 'k2'), 401, 'INVALID_CREDENTIALS'],
    ['the right kid, signed by another key', () => rs256(claims({ scope: 'telemetry:write' }), k2, 'k1'), 401, 'INVALID_CREDENTIALS'],
    ['valid token without the scope', () => rs256(claims({ scope: 'streams:read' }), k1, 'k1'), 403, 'INSUFFICIENT_SCOPE'],
  ])('%s', async (_name, token, status, code) => {
    const answer = await call(app, 'POST', '/telemetry', { Authorization: `Bearer ${await token()}` });
    expect(answer.status).toBe(status);
    if (code) expect(answer.body).toMatchObject({ status, code });
  });

  it('fetched the key set once for all of the above (cached; unknown kids within the cooldown do not refetch)', () => {
    expect(fetches).toBe(1);
  });

  it('picks up a rotated-in key by refetching on an unknown kid', async () => {
    const token = await rs256(claims({ scope: 'telemetry:write' }), k2, 'k2');
    expect((await call(rotatingApp, 'POST', '/telemetry', { Authorization: `Bearer ${token}` })).status).toBe(401);
    served.push(k2Public);
    expect((await call(rotatingApp, 'POST', '/telemetry', { Authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it.each<[string, () => Promise<string>]>([
    ['the JWKS endpoint answers 500', async () => `${jwks.url}/.well-known/jwks.json`],
    [
      'nothing listens at the JWKS URL',
      async () => {
        const dead = await listen(http.createServer());
        await dead.close();
        return `${dead.url}/jwks.json`;
      },
    ],
  ])('answers 503 KEY_SOURCE_UNAVAILABLE (not 401) when %s', async (_name, url) => {
    failWith = 500;
    const unavailable = await startApp({ jwt: { key: { type: 'jwks', url: await url() }, audience: AUD, issuer: ISS, clock } });
    try {
      const answer = await call(unavailable, 'POST', '/telemetry', { Authorization: `Bearer ${await rs256(claims({ scope: 'telemetry:write' }), k1, 'k1')}` });
      expect(answer).toEqual({
        status: 503,
        contentType: 'application/problem+json; charset=utf-8',
        challenge: null,
        body: { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'could not fetch the key set', code: 'KEY_SOURCE_UNAVAILABLE' },
      });
    } finally {
      failWith = undefined;
      await unavailable.close();
    }
  });
});

describe('misconfiguration is a 500 for the app to log, never a 401 or a pass', () => {
  it.each<[string, () => express.Express]>([
    [
      'an unreadable RS256 PEM',
      () => {
        const app = express();
        app.use(authenticate({ jwt: { key: { type: 'rs256', publicKeyPem: 'not a pem' }, audience: AUD, clock } }));
        app.get('/x', (_req, res) => void res.json({}));
        return app;
      },
    ],
    [
      'requireScope without authenticate',
      () => {
        const app = express();
        app.get('/x', requireScope('a'), (_req, res) => void res.json({}));
        return app;
      },
    ],
  ])('%s', async (_name, make) => {
    const errors: unknown[] = [];
    const app = make();
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err);
      res.status(500).json({ error: 'internal' });
    });
    const running = await listen(http.createServer(app));
    try {
      const answer = await call(running, 'GET', '/x', { Authorization: `Bearer ${await hs256(claims())}` });
      expect(answer.status).toBe(500);
      expect(errors).toEqual([expect.objectContaining({ name: 'AuthError', code: 'INVALID_OPTIONS' })]);
    } finally {
      await running.close();
    }
  });
});
