import { generateApiKey, hashApiKey, parseApiKey, secretMatches } from './api-key';
import { InMemoryApiKeyStore, parseApiKeyRecords, verifyApiKey } from './api-key-store';
import { AuthError } from '../errors';

// Deterministic "random" bytes: 0, 1, 2, … (a fresh counter per call).
const counting = (size: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => i);
// sha256sum of the ASCII secret "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" (bytes 0..31 in base64url), computed with coreutils.
const COUNTING_HASH = 'ea866a757e4c38babfa8127cbe9a409d3e1f93a00ff1488ff735fcf917afffd0';

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof AuthError) return err.code;
    throw err;
  }
  return 'resolved';
};

describe('generateApiKey', () => {
  it('builds trb_<hex id>_<base64url secret> and a record holding only the SHA-256 of the secret', () => {
    const { key, record } = generateApiKey({ scopes: ['telemetry:write'], name: 'edge-1', randomBytes: counting });
    expect(key).toBe('trb_0001020304050607_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
    expect(record).toEqual({ id: '0001020304050607', hash: COUNTING_HASH, scopes: ['telemetry:write'], name: 'edge-1' });
    expect(JSON.stringify(record)).not.toContain('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
    expect(hashApiKey(key)).toBe(COUNTING_HASH);
  });

  it('draws 8 + 32 bytes from the CSPRNG by default: distinct keys every time', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey({ scopes: [] }).key));
    expect(keys.size).toBe(200);
    for (const key of keys) expect(key).toMatch(/^trb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  });

  it.each(['', 'a b', 'stream::read', 'x,y'])('refuses the scope %j', (scope) => {
    expect(() => generateApiKey({ scopes: [scope] })).toThrow(AuthError);
  });
});

describe('parseApiKey', () => {
  it.each<[string, { id: string; secret: string } | undefined]>([
    ['trb_0001020304050607_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', { id: '0001020304050607', secret: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8' }],
    ['trb_0001020304050607_AAEC_wQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-h8', { id: '0001020304050607', secret: 'AAEC_wQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-h8' }],
    ['trb_0001020304050607_short', undefined],
    ['trb_000102030405060_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', undefined],
    ['TRB_0001020304050607_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', undefined],
    ['trb_0001020304050607_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 ', undefined],
    ['', undefined],
  ])('%j', (key, expected) => {
    expect(parseApiKey(key)).toEqual(expected);
  });
});

describe('secretMatches', () => {
  it.each<[string, string | undefined, boolean]>([
    ['AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', COUNTING_HASH, true],
    ['AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9', COUNTING_HASH, false],
    ['AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', undefined, false],
    ['AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', 'not-hex', false],
    // An all-zero stored hash must not match anything (it is the dummy compared against for unknown ids).
    ['x', '0'.repeat(64), false],
  ])('%s vs %s → %s', (secret, hash, expected) => {
    expect(secretMatches(secret, hash)).toBe(expected);
  });
});

describe('verifyApiKey', () => {
  const a = generateApiKey({ scopes: ['telemetry:write', 'stream:*:read'], name: 'a' });
  const b = generateApiKey({ scopes: ['streams:read'] });
  const store = new InMemoryApiKeyStore([a.record, b.record]);

  it('returns the principal of a valid key, with its scopes', async () => {
    await expect(verifyApiKey(a.key, store)).resolves.toEqual({
      kind: 'api-key',
      subject: a.record.id,
      scopes: ['telemetry:write', 'stream:*:read'],
      name: 'a',
    });
    await expect(verifyApiKey(b.key, store)).resolves.toEqual({ kind: 'api-key', subject: b.record.id, scopes: ['streams:read'] });
  });

  it.each<[string, () => string]>([
    ['the wrong secret for a known id', () => `trb_${a.record.id}_${parseApiKey(b.key)?.secret}`],
    ['an unknown id', () => `trb_ffffffffffffffff_${parseApiKey(a.key)?.secret}`],
    ['a malformed key', () => 'trb_nope'],
    ['a key with a changed last character', () => a.key.slice(0, -1) + (a.key.endsWith('A') ? 'B' : 'A')],
  ])('refuses %s with INVALID_CREDENTIALS', async (_name, key) => {
    await expect(codeOf(verifyApiKey(key(), store))).resolves.toBe('INVALID_CREDENTIALS');
  });

  it('stops accepting a removed key', async () => {
    const c = generateApiKey({ scopes: [] });
    const s = new InMemoryApiKeyStore([c.record]);
    await expect(verifyApiKey(c.key, s)).resolves.toMatchObject({ subject: c.record.id });
    expect(s.remove(c.record.id)).toBe(true);
    await expect(codeOf(verifyApiKey(c.key, s))).resolves.toBe('INVALID_CREDENTIALS');
  });
});

describe('parseApiKeyRecords / InMemoryApiKeyStore loading', () => {
  const id = '0123456789abcdef';
  const hash = 'ab'.repeat(32);

  it.each<[string, string]>([
    ['a JSON array', JSON.stringify([{ id, hash, scopes: ['telemetry:write', 'stream:cam-1:read'] }])],
    ['a JSON document with keys', JSON.stringify({ keys: [{ id, hash: hash.toUpperCase(), scopes: ['telemetry:write', 'stream:cam-1:read'] }] })],
    ['the compact form', `${id}:${hash}:telemetry:write,stream:cam-1:read`],
    ['the compact form with spaces, new lines and a trailing ;', `\n  ${id}:${hash}:telemetry:write stream:cam-1:read ;\n`],
  ])('reads %s', (_name, text) => {
    expect(parseApiKeyRecords(text)).toEqual([{ id, hash, scopes: ['telemetry:write', 'stream:cam-1:read'] }]);
    expect(InMemoryApiKeyStore.fromEnv(text).find(id)).toEqual({ id, hash, scopes: ['telemetry:write', 'stream:cam-1:read'] });
  });

  it('reads several compact entries, and a key without scopes', () => {
    const other = 'fedcba9876543210';
    expect(parseApiKeyRecords(`${id}:${hash}:a;${other}:${hash}:`)).toEqual([
      { id, hash, scopes: ['a'] },
      { id: other, hash, scopes: [] },
    ]);
  });

  it('an unset or empty variable is an empty store', () => {
    expect(InMemoryApiKeyStore.fromEnv(undefined).size).toBe(0);
    expect(InMemoryApiKeyStore.fromEnv('  ').size).toBe(0);
  });

  it.each<[string, string, string]>([
    ['a plaintext key', JSON.stringify([{ id, hash: generateApiKey({ scopes: [] }).key, scopes: [] }]), 'plaintext key'],
    ['a plaintext key in the compact form', generateApiKey({ scopes: [] }).key, 'plaintext key'],
    ['a short hash', `${id}:abc:x`, '0.hash: must be a SHA-256 hash: 64 hex digits'],
    ['a bad id', JSON.stringify([{ id: 'XYZ', hash, scopes: [] }]), '0.id: must be 16 lowercase hex digits'],
    ['a bad scope', JSON.stringify([{ id, hash, scopes: ['a b'] }]), '0.scopes.0: is not a valid scope'],
    ['an unknown member (e.g. "key")', JSON.stringify([{ id, hash, scopes: [], key: 'x' }]), 'Unrecognized key: "key"'],
    ['invalid JSON', '[{', 'not valid JSON'],
    ['a duplicate id', `${id}:${hash}:a;${id}:${hash}:b`, `duplicate API key id ${id}`],
  ])('refuses %s', (_name, text, fragment) => {
    let error: unknown;
    try {
      parseApiKeyRecords(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('INVALID_KEY_STORE');
    expect((error as AuthError).message).toContain(fragment);
    expect((error as AuthError).retriable).toBe(false);
  });
});
