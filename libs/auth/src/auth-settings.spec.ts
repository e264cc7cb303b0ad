import { SignJWT } from 'jose';
import { ConfigError } from '@tributary/schemas';
import { generateApiKey } from './api-keys/api-key';
import { verifyApiKey } from './api-keys/api-key-store';
import type { JwtVerifier } from './tokens/jwt-verifier';
import { authSettingsProblems, loadAuthOptions as load, type AuthSettingNames, type AuthSettings, type AuthSettingsIo } from './auth-settings';

const NAMES: AuthSettingNames = {
  apiKeysFile: '--api-keys-file / TELEMETRY_API_KEYS_FILE',
  apiKeys: 'TELEMETRY_API_KEYS',
  jwtSecret: 'TELEMETRY_JWT_SECRET',
  jwtPublicKeyFile: '--jwt-public-key-file / TELEMETRY_JWT_PUBLIC_KEY_FILE',
  jwksUrl: '--jwks-url / TELEMETRY_JWKS_URL',
  jwtIssuer: '--jwt-issuer / TELEMETRY_JWT_ISSUER',
  jwtAudience: '--jwt-audience / TELEMETRY_JWT_AUDIENCE',
  jwtMaxAge: '--jwt-max-age / TELEMETRY_JWT_MAX_AGE_SECONDS',
};
const loadAuthOptions = (settings: AuthSettings, io?: AuthSettingsIo) => load(settings, NAMES, io);

const files = (contents: Record<string, string>): AuthSettingsIo => ({
  readFile: async (path) => {
    if (path in contents) return contents[path];
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  },
});

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadAuthOptions', () => {
  const a = generateApiKey({ scopes: ['telemetry:write'], name: 'a' });
  const b = generateApiKey({ scopes: ['telemetry:write', 'telemetry:read'] });
  const line = (k: typeof a) => `${k.record.id}:${k.record.hash}:${k.record.scopes.join(',')}`;

  it('merges the key file (JSON) and the variable (compact) into one store that verifies both keys', async () => {
    const options = await loadAuthOptions(
      { apiKeysFile: '/etc/keys.json', apiKeys: line(b) },
      files({ '/etc/keys.json': JSON.stringify({ keys: [a.record] }) }),
    );
    expect(options.jwt).toBeUndefined();
    const store = options.apiKeys;
    if (!store) throw new Error('no store');
    expect(await verifyApiKey(a.key, store)).toMatchObject({ kind: 'api-key', subject: a.record.id, name: 'a', scopes: ['telemetry:write'] });
    expect(await verifyApiKey(b.key, store)).toMatchObject({ subject: b.record.id, scopes: ['telemetry:write', 'telemetry:read'] });
  });

  it.each([
    [{ apiKeysFile: '/missing' }, '--api-keys-file / TELEMETRY_API_KEYS_FILE: cannot read "/missing": ENOENT'],
    [{ apiKeys: 'zz:nothex:telemetry:write' }, 'TELEMETRY_API_KEYS: invalid API key list'],
    [{ jwtPublicKeyFile: '/keys/pub.pem', jwtAudience: 'x' }, '--jwt-public-key-file / TELEMETRY_JWT_PUBLIC_KEY_FILE: cannot import the RS256 public key'],
  ])('names the setting when %j is unusable', async (settings, message) => {
    const err = await configErrorOf(loadAuthOptions(settings, files({ '/keys/pub.pem': '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' })));
    expect(err.message).toContain(message);
  });

  it('refuses a plaintext key pasted where its hash belongs, without echoing it', async () => {
    const err = await configErrorOf(loadAuthOptions({ apiKeys: a.key }));
    expect(err.message).toContain('TELEMETRY_API_KEYS: the API key list contains a plaintext key');
    expect(err.message).not.toContain(a.key);
  });

  it('refuses the same key id in the file and the variable', async () => {
    const err = await configErrorOf(loadAuthOptions({ apiKeysFile: 'k', apiKeys: line(a) }, files({ k: line(a) })));
    expect(err.message).toContain(`API key id ${a.record.id} is listed twice`);
  });

  it('builds an HS256 verifier from the secret and audience', async () => {
    const options = await loadAuthOptions({ jwtSecret: 's'.repeat(32), jwtAudience: 'tributary' });
    expect(options.apiKeys).toBeUndefined();
    expect(options.jwt).toBeDefined();
  });

  it('gives the verifier the maximum token age: 24 h unless set', async () => {
    const secret = 's'.repeat(32);
    const now = Math.floor(Date.now() / 1000);
    const token = (lifetime: number) =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience('tributary').setIssuedAt(now).setExpirationTime(now + lifetime).sign(new TextEncoder().encode(secret));
    const byDefault = (await loadAuthOptions({ jwtSecret: secret, jwtAudience: 'tributary' })).jwt as JwtVerifier;
    const oneHour = (await loadAuthOptions({ jwtSecret: secret, jwtAudience: 'tributary', jwtMaxAge: 3600 })).jwt as JwtVerifier;
    await expect(byDefault.verify(await token(86_400))).resolves.toMatchObject({ kind: 'jwt' });
    await expect(byDefault.verify(await token(86_401))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(oneHour.verify(await token(3600))).resolves.toMatchObject({ kind: 'jwt' });
    await expect(oneHour.verify(await token(3601))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});

describe('authSettingsProblems', () => {
  it.each<[string, AuthSettings, boolean, string[]]>([
    ['nothing set where credentials are required', {}, true, ['apiKeysFile']],
    ['nothing set where they are optional', {}, false, []],
    ['API keys only', { apiKeys: 'x' }, true, []],
    ['two JWT key sources', { jwtSecret: 's', jwksUrl: 'https://idp/jwks', jwtAudience: 'a', jwtIssuer: 'i' }, true, ['jwksUrl']],
    ['an issuer without a key source', { apiKeys: 'x', jwtIssuer: 'i' }, true, ['jwtIssuer']],
    ['a JWT key without an audience', { jwtSecret: 's' }, true, ['jwtAudience']],
    ['a JWKS without an issuer', { jwksUrl: 'https://idp/jwks', jwtAudience: 'a' }, true, ['jwtIssuer']],
    ['a maximum token age without a key source', { apiKeys: 'x', jwtMaxAge: 3600 }, true, ['jwtMaxAge']],
    ['a maximum token age with a key source', { jwtSecret: 's', jwtAudience: 'a', jwtMaxAge: 3600 }, true, []],
  ])('%s', (_name, settings, required, keys) => {
    expect(authSettingsProblems(settings, NAMES, { required }).map((p) => p.key)).toEqual(keys);
  });

  it('names the settings by the names the app gives', () => {
    expect(authSettingsProblems({ jwksUrl: 'https://idp/jwks', jwtAudience: 'a' }, NAMES)).toEqual([
      { key: 'jwtIssuer', setting: '--jwt-issuer / TELEMETRY_JWT_ISSUER', message: 'is required with --jwks-url / TELEMETRY_JWKS_URL' },
    ]);
  });
});
