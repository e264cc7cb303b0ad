import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore } from './checkpoint-store';
import { TailingError } from '../tailing/tailing-error';

const entry = (over: Partial<Parameters<CheckpointStore['set']>[0]> = {}) => ({
  flow: 'flow-a',
  path: '/var/log/app.log',
  dev: '2049',
  ino: '1234',
  fingerprintBytes: 1024,
  fingerprint: 'ab'.repeat(32),
  offset: 4096,
  ...over,
});

describe('CheckpointStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-agent-checkpoint-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts empty without a file, and a saved checkpoint is found by flow and identity after reopening', async () => {
    const path = join(dir, 'sub', 'checkpoints.json');
    const store = await CheckpointStore.open({ path });
    expect(store.entriesOf('flow-a')).toEqual([]);
    store.set(entry());
    store.set(entry({ flow: 'flow-b', ino: '99', offset: 7 }));
    await store.flush({ durable: true });

    const again = await CheckpointStore.open({ path });
    expect(again.get('flow-a', '2049', '1234')).toMatchObject({ offset: 4096, path: '/var/log/app.log' });
    expect(again.entriesOf('flow-b')).toHaveLength(1);
    expect(again.get('flow-a', '2049', '99')).toBeUndefined();
    expect((await readdir(join(dir, 'sub'))).sort()).toEqual(['checkpoints.json', 'checkpoints.json.durable']);
  });

  it('makes the directory again when it is removed while the agent runs (made only when missing, not per save)', async () => {
    const path = join(dir, 'sub', 'checkpoints.json');
    const store = await CheckpointStore.open({ path });
    store.set(entry());
    await store.flush({ durable: true });
    await rm(join(dir, 'sub'), { recursive: true });
    store.set(entry({ offset: 8192 }));
    await store.flush({ durable: true });
    expect((await CheckpointStore.open({ path })).get('flow-a', '2049', '1234')).toMatchObject({ offset: 8192 });
    expect((await readdir(join(dir, 'sub'))).sort()).toEqual(['checkpoints.json', 'checkpoints.json.durable']);
  });

  it('makes a version visible before its fsync: the file is renamed at once, the fsynced copy follows', async () => {
    const path = join(dir, 'checkpoints.json');
    const store = await CheckpointStore.open({ path });
    store.set(entry({ offset: 10 }));
    await store.flush();
    expect(JSON.parse(await readFile(path, 'utf8')).files[0].offset).toBe(10);
    await store.flush({ durable: true });
    expect(JSON.parse(await readFile(`${path}.durable`, 'utf8')).files[0].offset).toBe(10);
  });

  it.each([
    ['empty (a power cut before the renamed data reached the disk)', ''],
    ['torn', '{"version":1,"files":[{"fl'],
  ])('reads the fsynced copy when the file is %s', async (_name, torn) => {
    const path = join(dir, 'checkpoints.json');
    const store = await CheckpointStore.open({ path });
    store.set(entry({ offset: 300 }));
    await store.flush({ durable: true });
    await writeFile(path, torn);
    expect((await CheckpointStore.open({ path })).get('flow-a', '2049', '1234')?.offset).toBe(300);
    await rm(path);
    expect((await CheckpointStore.open({ path })).get('flow-a', '2049', '1234')?.offset).toBe(300);
  });

  it('refuses a torn file when there is no fsynced copy to fall back on, and never bypasses an SQLite file', async () => {
    const path = join(dir, 'checkpoints.json');
    await writeFile(path, '{"version":1,');
    await expect(CheckpointStore.open({ path })).rejects.toMatchObject({ code: 'CHECKPOINT_UNREADABLE' });
    await writeFile(`${path}.durable`, JSON.stringify({ version: 1, files: [] }));
    await writeFile(path, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(84)]));
    await expect(CheckpointStore.open({ path })).rejects.toThrow(/SQLite database/);
  });

  it('ignores and deletes a torn temp file left by a crash mid-write, keeping the last whole version', async () => {
    const path = join(dir, 'checkpoints.json');
    const store = await CheckpointStore.open({ path });
    store.set(entry({ offset: 100 }));
    await store.flush({ durable: true });
    const whole = await readFile(path, 'utf8');
    // A crash between write and rename leaves a torn .tmp beside the good file (of either step).
    await writeFile(`${path}.tmp`, whole.replace('"offset": 100', '"offset": 999').slice(0, whole.length / 2));
    await writeFile(`${path}.durable.tmp`, whole.slice(0, 10));

    const again = await CheckpointStore.open({ path });
    expect(again.get('flow-a', '2049', '1234')?.offset).toBe(100);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('writes every change made before a flush call even while another write is running', async () => {
    const path = join(dir, 'checkpoints.json');
    const store = await CheckpointStore.open({ path, fsync: false });
    store.set(entry({ offset: 1 }));
    const first = store.flush();
    store.set(entry({ offset: 2 }));
    const second = store.flush();
    await Promise.all([first, second]);
    await store.flush({ durable: true });
    expect((await CheckpointStore.open({ path })).get('flow-a', '2049', '1234')?.offset).toBe(2);
  });

  it('drops entries older than the TTL at open (the agent deletes checkpoints older than 7 days)', async () => {
    const path = join(dir, 'checkpoints.json');
    let now = 1_000_000_000_000;
    const clock = { now: () => now };
    const store = await CheckpointStore.open({ path, clock, fsync: false });
    store.set(entry({ ino: 'old' }));
    now += 6 * 86_400_000;
    store.set(entry({ ino: 'recent' }));
    await store.flush();
    now += 2 * 86_400_000;
    const again = await CheckpointStore.open({ path, clock, ttlDays: 7, fsync: false });
    expect(again.entriesOf('flow-a').map((e) => e.ino)).toEqual(['recent']);
  });

  it('does not rewrite the file when nothing changed', async () => {
    const path = join(dir, 'checkpoints.json');
    const store = await CheckpointStore.open({ path, fsync: false });
    store.set(entry());
    await store.flush();
    await rm(path);
    store.set(entry());
    await store.flush();
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
    store.remove('flow-a', '2049', '1234');
    await store.flush();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ version: 1, files: [] });
    await store.flush({ durable: true });
  });

  it.each([
    ['the Java agent SQLite database', Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(84)]), /SQLite database/],
    ['text that is not JSON', Buffer.from('{"version":1,"files":[{"flow"'), /not JSON/],
    ['JSON of another layout', Buffer.from('{"checkpoints":[]}'), /not a version 1/],
    ['an entry with a negative offset', Buffer.from(JSON.stringify({ version: 1, files: [{ ...entry(), offset: -1, updatedAt: 1 }] })), /entry 0 is malformed/],
  ])('refuses %s by name instead of starting over', async (_name, bytes, message) => {
    const path = join(dir, 'checkpoints.json');
    await writeFile(path, bytes);
    const error = await CheckpointStore.open({ path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TailingError);
    expect(error).toMatchObject({ code: 'CHECKPOINT_UNREADABLE', retriable: false });
    expect((error as Error).message).toMatch(message);
  });

  it('reports a failed write as retriable and writes again at the next flush', async () => {
    const path = join(dir, 'missing-parent-is-a-file', 'checkpoints.json');
    const store = await CheckpointStore.open({ path, fsync: false });
    await writeFile(join(dir, 'missing-parent-is-a-file'), 'x');
    store.set(entry());
    await expect(store.flush()).rejects.toMatchObject({ code: 'CHECKPOINT_WRITE_FAILED', retriable: true });
    await rm(join(dir, 'missing-parent-is-a-file'));
    await store.flush();
    expect((await CheckpointStore.open({ path })).get('flow-a', '2049', '1234')?.offset).toBe(4096);
  });
});
