/**
 * `tributary api-key create` as users run it (a child process), replacing the README's `tsx -e` one-liner (issue
 * 19). What it prints is checked against the apps' own key store: the store line and the --file document load
 * through @tributary/auth's parseApiKeyRecords (as GATEWAY_API_KEYS / TELEMETRY_API_KEYS and their _FILE forms
 * do) and verify the printed key with its scopes. Nothing is called: no emulator is needed.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InMemoryApiKeyStore, parseApiKeyRecords, verifyApiKey } from '@tributary/auth';
import { REPO_ROOT, emulatorEnv, runCli } from '../testing/stream-cli-kit';

interface Created {
  key: string;
  id: string;
  hash: string;
  scopes: string[];
  name?: string;
  store: string;
}

// Each run starts a CLI process (tsx compiles it): seconds each on a loaded machine.
jest.setTimeout(120_000);

describe('tributary api-key create', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-key-cli-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the key and a store line that the apps accept and that verifies the key', async () => {
    const run = await runCli(['api-key', 'create', '--scope', 'video:read telemetry:read', '--scope', 'stream:camera-1:read', '--name', 'kiosk']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const created = JSON.parse(run.stdout) as Created;
    expect(created.key).toMatch(/^trb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ scopes: ['video:read', 'telemetry:read', 'stream:camera-1:read'], name: 'kiosk' });
    expect(created.store).toBe(`${created.id}:${created.hash}:video:read,telemetry:read,stream:camera-1:read`);
    const store = new InMemoryApiKeyStore(parseApiKeyRecords(created.store));
    await expect(verifyApiKey(created.key, store)).resolves.toMatchObject({ kind: 'api-key', subject: created.id, scopes: created.scopes });
    // Another run, another key.
    const again = JSON.parse((await runCli(['api-key', 'create', '--scope', 'video:read'])).stdout) as Created;
    expect(again.id).not.toBe(created.id);
    await expect(verifyApiKey(again.key, store)).rejects.toThrow(/unknown or wrong API key/);
  });

  it('appends records to a JSON key file, created 0600, that the apps load with names', async () => {
    const file = path.join(dir, 'keys.json');
    const first = JSON.parse((await runCli(['api-key', 'create', '--scope', 'telemetry:write', '--name', 'edge-1', '--file', file])).stdout) as Created;
    const second = JSON.parse((await runCli(['api-key', 'create', '--scope', 'video:read', '--file', file, '--json'])).stdout) as Created;
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const records = parseApiKeyRecords(fs.readFileSync(file, 'utf8'));
    expect(records.map((r) => [r.id, r.name])).toEqual([[first.id, 'edge-1'], [second.id, undefined]]);
    const store = new InMemoryApiKeyStore(records);
    await expect(verifyApiKey(first.key, store)).resolves.toMatchObject({ scopes: ['telemetry:write'], name: 'edge-1' });
    await expect(verifyApiKey(second.key, store)).resolves.toMatchObject({ scopes: ['video:read'] });
    expect(fs.readFileSync(file, 'utf8')).not.toContain(first.key);
  });

  it('refuses no scope, a bad scope and a file that is not a key file with exit code 2, writing nothing', async () => {
    const none = await runCli(['api-key', 'create']);
    expect([none.code, none.stdout]).toEqual([2, '']);
    expect(none.stderr).toContain('--scope is required');
    const bad = await runCli(['api-key', 'create', '--scope', 'video read!']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"read!" is not a scope');
    const notKeys = path.join(dir, 'not-keys.json');
    fs.writeFileSync(notKeys, '{"hello":1}\n');
    const refused = await runCli(['api-key', 'create', '--scope', 'video:read', '--file', notKeys]);
    expect([refused.code, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toContain(`--file ${notKeys} is not an API key file`);
    expect(fs.readFileSync(notKeys, 'utf8')).toBe('{"hello":1}\n');
  });

  it('shows the key and the store line on a terminal', () => {
    // `script` gives the CLI a pseudo-terminal, as a user's shell would.
    const out = execFileSync('script', ['-qec', 'node --require tsx/cjs apps/cli/src/main.ts api-key create --scope video:read', '/dev/null'], {
      cwd: REPO_ROOT,
      env: { ...emulatorEnv(), NO_COLOR: '1', TERM: 'xterm' },
      encoding: 'utf8',
    });
    expect(out).toMatch(/key: {2} trb_[0-9a-f]{16}_\S{43}\r?\n/);
    expect(out).toMatch(/store: [0-9a-f]{16}:[0-9a-f]{64}:video:read\r?\n/);
    expect(out).toContain('for GATEWAY_API_KEYS / TELEMETRY_API_KEYS');
  });
});
