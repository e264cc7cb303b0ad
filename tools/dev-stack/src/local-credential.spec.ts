import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashApiKey, parseApiKeyRecords } from '@tributary/auth';
import { apiKeyListEntry, credentialFile, LOCAL_SCOPES, loadOrCreateCredential } from './local-credential';

describe('loadOrCreateCredential', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-stack-cred-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates a key on the first call, in a 0600 file, and returns the same one afterwards', () => {
    const first = loadOrCreateCredential(dir);
    expect(first.created).toBe(true);
    expect(hashApiKey(first.credential.apiKey)).toBe(first.credential.record.hash);
    expect(first.credential.record.scopes).toEqual(LOCAL_SCOPES);
    expect(Buffer.from(first.credential.playbackKey, 'base64')).toHaveLength(32);
    expect(fs.statSync(credentialFile(dir)).mode & 0o777).toBe(0o600);
    const second = loadOrCreateCredential(dir);
    expect(second.created).toBe(false);
    expect(second.credential).toEqual(first.credential);
  });

  it('makes a loosened file private again', () => {
    loadOrCreateCredential(dir);
    fs.chmodSync(credentialFile(dir), 0o644);
    loadOrCreateCredential(dir);
    expect(fs.statSync(credentialFile(dir)).mode & 0o777).toBe(0o600);
  });

  /** Changes the first character of the key's id or secret part to another valid one. */
  const flip = (part: 'id' | 'secret') => (c: string): string =>
    c.replace(/("apiKey": "trb_)([0-9a-f]{16})_(.)/, (_m, head: string, id: string, first: string) =>
      part === 'id' ? `${head}${id[0] === '0' ? '1' : '0'}${id.slice(1)}_${first}` : `${head}${id}_${first === 'A' ? 'B' : 'A'}`,
    );
  it.each([
    ['not JSON', () => 'nope'],
    ['a key with another id than the record', flip('id')],
    ['a key whose secret does not match the hash', flip('secret')],
    ['missing scopes', (c: string) => c.replace('"telemetry:write"', '"stream:x:read"')],
  ])('replaces %s with a new credential', (_what, edit) => {
    const original = loadOrCreateCredential(dir).credential;
    fs.writeFileSync(credentialFile(dir), edit(fs.readFileSync(credentialFile(dir), 'utf8')));
    const again = loadOrCreateCredential(dir);
    expect(again.created).toBe(true);
    expect(again.credential.apiKey).not.toBe(original.apiKey);
  });

  it('gives the apps a list entry libs/auth parses back to the record', () => {
    const { credential } = loadOrCreateCredential(dir);
    const [parsed] = parseApiKeyRecords(apiKeyListEntry(credential.record));
    expect(parsed).toMatchObject({ id: credential.record.id, hash: credential.record.hash, scopes: credential.record.scopes });
  });
});
