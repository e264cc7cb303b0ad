import { appendFile, readFile, rename, stat, truncate, unlink, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointStore } from '../checkpoint/checkpoint-store';
import type { FileTailer } from './file-tailer';
import { FakeDelivery, makeTempDir, numberedLines, pause, removeDir, startTailer, waitFor } from './tailer-test-kit';

const expectedLines = (prefix: string, from: number, to: number) => numberedLines(prefix, from, to).trimEnd().split('\n');

describe('FileTailer on real files', () => {
  let dir: string;
  let store: CheckpointStore;
  const running: FileTailer[] = [];
  const start = async (...args: Parameters<typeof startTailer> extends [unknown, ...infer R] ? R : never) => {
    const t = await startTailer(store, ...args);
    running.push(t.tailer);
    return t;
  };

  beforeEach(async () => {
    dir = await makeTempDir();
    store = await CheckpointStore.open({ path: join(dir, 'state', 'checkpoints.json') });
  });
  afterEach(async () => {
    for (const t of running.splice(0)) await t.stop();
    await removeDir(dir);
  });

  it('reads existing lines from START_OF_FILE, then appended ones; a partial last line waits for its newline', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 100));
    const { delivery } = await start(join(dir, 'app.log*'));
    await waitFor('100 lines', () => delivery.lines.length === 100);
    await appendFile(log, numberedLines('a', 100, 150) + 'half a li');
    await waitFor('150 lines', () => delivery.lines.length === 150);
    await pause(150);
    expect(delivery.lines).toHaveLength(150);
    await appendFile(log, 'ne\n');
    await waitFor('151 lines', () => delivery.lines.length === 151);
    expect(delivery.texts()).toEqual([...expectedLines('a', 0, 150), 'half a line']);
    expect(delivery.chunks.every((c) => c.chunk[c.chunk.length - 1] === 0x0a)).toBe(true);
  });

  it('starts at the end with END_OF_FILE (at the last newline: the line being written goes out whole)', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('old', 0, 50) + 'being wri');
    const { delivery } = await start(join(dir, 'app.log'), { initialPosition: 'END_OF_FILE' });
    await appendFile(log, 'tten\n' + numberedLines('new', 0, 10));
    await waitFor('11 lines', () => delivery.lines.length === 11);
    expect(delivery.texts()).toEqual(['being written', ...expectedLines('new', 0, 10)]);
  });

  it('at first start tails the newest file from initialPosition and older siblings from their end (as the agent)', async () => {
    await writeFile(join(dir, 'app.log.1'), numberedLines('older', 0, 20));
    await pause(20);
    await writeFile(join(dir, 'app.log'), numberedLines('newest', 0, 5));
    const { delivery } = await start(join(dir, 'app.log*'));
    await waitFor('5 lines', () => delivery.lines.length === 5);
    await appendFile(join(dir, 'app.log.1'), numberedLines('older', 20, 22));
    await waitFor('7 lines', () => delivery.lines.length === 7);
    expect(delivery.texts()).toEqual([...expectedLines('newest', 0, 5), ...expectedLines('older', 20, 22)]);
  });

  it('rename-and-create: the renamed file (outside the glob) is read to its end, then let go; the new file from 0', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 10));
    const { tailer, delivery } = await start(log);
    await waitFor('10 lines', () => delivery.lines.length === 10);
    tailer.pause();
    await appendFile(log, numberedLines('a', 10, 30));
    await rename(log, join(dir, 'app.log.2026-12-07'));
    // The writer still has the old file open for a moment after the rename (logrotate's postrotate HUP).
    await appendFile(join(dir, 'app.log.2026-12-07'), numberedLines('a', 30, 40) + 'no newline at the end');
    await writeFile(log, numberedLines('b', 0, 15));
    tailer.resume();
    await waitFor('old file done', () => delivery.done.length === 1);
    await waitFor('all lines', () => delivery.lines.length === 56);
    const texts = delivery.texts();
    expect(texts.filter((l) => l.startsWith('a-'))).toEqual(expectedLines('a', 0, 40));
    expect(texts.filter((l) => l.startsWith('b-'))).toEqual(expectedLines('b', 0, 15));
    expect(texts).toContain('no newline at the end');
    const last = delivery.chunks.filter((c) => c.endOfFile);
    expect(last).toHaveLength(1);
    expect(last[0].chunk.toString()).toBe('no newline at the end');
    expect(delivery.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['file-rotated', 'file-done']));
    expect(tailer.stats().filesTracked).toBe(1);
  });

  it('copytruncate into a name the glob matches: lines not yet read when the file was truncated are read from the copy', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 40));
    const { tailer, delivery } = await start(join(dir, 'app.log*'));
    await waitFor('40 lines', () => delivery.lines.length === 40);
    tailer.pause();
    await appendFile(log, numberedLines('a', 40, 100));
    await copyFile(log, join(dir, 'app.log.1'));
    await pause(120); // the tailer's scan finds the copy (parked) before the truncation
    await truncate(log, 0);
    await appendFile(log, numberedLines('b', 0, 25));
    tailer.resume();
    await waitFor('all lines', () => delivery.lines.length === 125);
    await pause(200);
    const texts = delivery.texts();
    expect(texts.filter((l) => l.startsWith('a-'))).toEqual(expectedLines('a', 0, 100));
    expect(texts.filter((l) => l.startsWith('b-'))).toEqual(expectedLines('b', 0, 25));
    const truncated = delivery.events.find((e) => e.kind === 'file-truncated');
    expect(truncated).toMatchObject({ readOffset: numberedLines('a', 0, 40).length, unreadBytesLost: 0 });
  });

  it('copytruncate into a name outside the glob: the unread lines are lost and their bytes reported', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 10));
    const { tailer, delivery } = await start(log);
    await waitFor('10 lines', () => delivery.lines.length === 10);
    tailer.pause();
    await appendFile(log, numberedLines('a', 10, 20));
    // A scan while paused (the safety interval) sees the new size: the loss is counted from what was seen.
    await waitFor('the new size seen', () => tailer.stats().files[0]?.bytesBehind === numberedLines('a', 10, 20).length);
    await copyFile(log, join(dir, 'old.txt'));
    await truncate(log, 0);
    await appendFile(log, numberedLines('b', 0, 3));
    await waitFor('truncation seen', () => delivery.events.some((e) => e.kind === 'file-truncated'));
    tailer.resume();
    await waitFor('b lines', () => delivery.texts().filter((l) => l.startsWith('b-')).length === 3);
    expect(delivery.texts()).toEqual([...expectedLines('a', 0, 10), ...expectedLines('b', 0, 3)]);
    expect(delivery.events.find((e) => e.kind === 'file-truncated')).toMatchObject({
      readOffset: numberedLines('a', 0, 10).length,
      unreadBytesLost: numberedLines('a', 10, 20).length,
    });
  });

  it('truncation in place to a smaller size restarts at 0, also when refilled past the old offset (fingerprint)', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 30));
    const { delivery } = await start(log);
    await waitFor('30 lines', () => delivery.lines.length === 30);
    // Rewritten in one step with more bytes than were read: only the first bytes tell.
    await writeFile(log, numberedLines('b', 0, 60));
    await waitFor('60 b lines', () => delivery.texts().filter((l) => l.startsWith('b-')).length === 60);
    expect(delivery.texts()).toEqual([...expectedLines('a', 0, 30), ...expectedLines('b', 0, 60)]);
    const ids = [...new Set(delivery.lines.map((l) => l.file))];
    expect(ids).toHaveLength(2); // a new generation after the truncation
    // The old generation got its last (empty) chunk and was let go, so delivery can flush and forget it.
    const last = delivery.chunks.find((c) => c.file === ids[0] && c.endOfFile);
    expect(last).toMatchObject({ startOffset: numberedLines('a', 0, 30).length, endOffset: numberedLines('a', 0, 30).length });
    expect(last?.chunk.length).toBe(0);
    expect(delivery.done).toEqual([ids[0]]);
  });

  it('a file deleted while pending is read to its end through its open descriptor, then forgotten', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 5));
    const { tailer, delivery } = await start(log);
    await waitFor('5 lines', () => delivery.lines.length === 5);
    tailer.pause();
    await appendFile(log, numberedLines('a', 5, 500));
    await unlink(log);
    tailer.resume();
    await waitFor('done', () => delivery.done.length === 1);
    expect(delivery.texts()).toEqual(expectedLines('a', 0, 500));
    expect(tailer.stats().filesTracked).toBe(0);
  });

  it('a file let go that comes back under a matching name resumes at its end, not at 0', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 20));
    const { delivery } = await start(join(dir, 'app.log*'));
    await waitFor('20 lines', () => delivery.lines.length === 20);
    await rename(log, join(dir, 'parked.txt'));
    await waitFor('let go', () => delivery.done.length === 1);
    await rename(join(dir, 'parked.txt'), join(dir, 'app.log.1'));
    await appendFile(join(dir, 'app.log.1'), numberedLines('a', 20, 22));
    await waitFor('22 lines', () => delivery.lines.length === 22);
    await pause(300);
    expect(delivery.texts()).toEqual(expectedLines('a', 0, 22));
    expect(delivery.events.filter((e) => e.kind === 'file-found').map((e) => e.kind === 'file-found' && e.reason)).toEqual(['initial-position', 'checkpoint']);
  });

  it('reads from 0 a new file on the inode of a file let go (its kept checkpoint has other first bytes)', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 30));
    const { delivery } = await start(join(dir, 'app.log*'));
    await waitFor('30 lines', () => delivery.lines.length === 30);
    const oldIno = (await stat(log)).ino;
    await unlink(log);
    await waitFor('let go', () => delivery.done.length === 1);
    let reused = false;
    for (let i = 0; i < 200 && !reused; i++) {
      const candidate = join(dir, `candidate-${i}`);
      await writeFile(candidate, numberedLines('b', 0, 40));
      if ((await stat(candidate)).ino === oldIno) {
        await rename(candidate, join(dir, 'app.log.1'));
        reused = true;
      }
    }
    expect(reused).toBe(true);
    await waitFor('40 b lines', () => delivery.texts().filter((l) => l.startsWith('b-')).length === 40);
    expect(delivery.events.filter((e) => e.kind === 'file-found').map((e) => e.kind === 'file-found' && e.reason)).toEqual(['initial-position', 'new-file']);
  });

  it('keeps a rotated file until its last records are acknowledged', async () => {
    const log = join(dir, 'app.log');
    const delivery = new FakeDelivery();
    delivery.autoAck = false;
    await writeFile(log, numberedLines('a', 0, 5));
    const { tailer } = await start(log, {}, delivery);
    await waitFor('5 lines', () => delivery.lines.length === 5);
    await unlink(log);
    await pause(400);
    expect(delivery.done).toEqual([]);
    expect(tailer.stats().files[0]).toMatchObject({ rotated: true, bytesBehind: 0, checkpointOffset: 0 });
    delivery.ackAll();
    await waitFor('done', () => delivery.done.length === 1);
  });

  it('pause stops reading; reads are bounded by maxChunkBytes; an over-long line comes in flagged pieces', async () => {
    const log = join(dir, 'app.log');
    const { tailer, delivery } = await start(log, { maxChunkBytes: 1000 });
    tailer.pause();
    await writeFile(log, numberedLines('a', 0, 100) + 'x'.repeat(2500) + '\n');
    await pause(200);
    expect(delivery.chunks).toHaveLength(0);
    tailer.resume();
    await waitFor('all', () => delivery.chunks.length > 0 && delivery.chunks[delivery.chunks.length - 1].endOffset === numberedLines('a', 0, 100).length + 2501);
    expect(Math.max(...delivery.chunks.map((c) => c.chunk.length))).toBeLessThanOrEqual(1000);
    const pieces = delivery.chunks.filter((c) => c.continuesLine);
    expect(pieces.map((c) => c.chunk.length)).toEqual([1000, 1000]);
  });

  it('polls where told to (forcePolling) and picks up files created later, from 0', async () => {
    const { tailer, delivery } = await start(join(dir, '*.log'), { forcePolling: true, initialPosition: 'END_OF_FILE' });
    expect(tailer.stats().watching).toBe(false);
    await writeFile(join(dir, 'later.log'), numberedLines('l', 0, 7));
    await waitFor('7 lines', () => delivery.lines.length === 7);
    expect(delivery.texts()).toEqual(expectedLines('l', 0, 7));
  });

  it('watches with inotify by default on a local filesystem', async () => {
    const { tailer } = await start(join(dir, 'x.log'));
    expect(tailer.stats().watching).toBe(true);
  });

  it('waits for a directory that does not exist yet', async () => {
    const sub = join(dir, 'later');
    const { tailer, delivery } = await start(join(sub, 'app.log'), { pollIntervalMs: 30 });
    expect(tailer.stats().watching).toBe(false);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(sub);
    await writeFile(join(sub, 'app.log'), numberedLines('a', 0, 3));
    await waitFor('3 lines', () => delivery.lines.length === 3);
    await waitFor('watched once it exists', () => tailer.stats().watching);
  });

  it('watches a directory deleted and created again anew (appends are read at once, not at the safety scan)', async () => {
    const sub = join(dir, 'logs');
    const { mkdir, rm } = await import('node:fs/promises');
    await mkdir(sub);
    const { tailer, delivery } = await start(join(sub, 'app.log'), { safetyScanIntervalMs: 60_000, pollIntervalMs: 30 });
    expect(tailer.stats().watching).toBe(true);
    await rm(sub, { recursive: true });
    await mkdir(sub);
    await writeFile(join(sub, 'app.log'), numberedLines('a', 0, 2));
    await waitFor('2 lines', () => delivery.lines.length === 2);
    await waitFor('watched again', () => tailer.stats().watching);
    await appendFile(join(sub, 'app.log'), numberedLines('a', 2, 3));
    await waitFor('the appended line within a second', () => delivery.lines.length === 3, 1000);
  });

  it('resumes after a restart at the acknowledged checkpoint, also for a file renamed while the agent was down', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 10));
    const first = new FakeDelivery();
    const { tailer } = await start(join(dir, 'app.log*'), {}, first);
    await waitFor('10 lines', () => first.lines.length === 10);
    first.autoAck = false;
    await appendFile(log, numberedLines('a', 10, 20));
    await waitFor('20 lines', () => first.lines.length === 20);
    await tailer.stop(); // lines 10..19 were in flight, never acknowledged
    running.splice(running.indexOf(tailer), 1);
    await rename(log, join(dir, 'app.log.1'));
    await writeFile(log, numberedLines('b', 0, 4));

    const reopened = await CheckpointStore.open({ path: store.path });
    store = reopened;
    const second = new FakeDelivery();
    await start(join(dir, 'app.log*'), {}, second);
    await waitFor('in-flight again + new file', () => second.lines.length === 14);
    expect(second.texts().filter((l) => l.startsWith('a-'))).toEqual(expectedLines('a', 10, 20));
    expect(second.texts().filter((l) => l.startsWith('b-'))).toEqual(expectedLines('b', 0, 4));
  });

  it('writes the checkpoint as soon as acks move it (interval 0): after kill -9 only the in-flight lines are re-sent', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 10));
    const delivery = new FakeDelivery();
    const { tailer } = await start(log, { checkpointIntervalMs: 0 }, delivery);
    await waitFor('10 lines', () => delivery.lines.length === 10);
    delivery.autoAck = false;
    await appendFile(log, numberedLines('a', 10, 20));
    await waitFor('20 lines', () => delivery.lines.length === 20);
    // Read as a restarted agent would, without opening a second store on the running one's files.
    const onDisk = async () => (JSON.parse(await readFile(store.path, 'utf8')) as { files: { offset: number }[] }).files[0]?.offset;
    let offset: number | undefined;
    for (let i = 0; i < 50 && offset !== numberedLines('a', 0, 10).length; i++) {
      offset = await onDisk();
      await pause(10);
    }
    expect(offset).toBe(numberedLines('a', 0, 10).length);
    expect(tailer.stats().files[0]).toMatchObject({ readOffset: numberedLines('a', 0, 20).length, checkpointOffset: offset });
    delivery.ackAll();
    for (let i = 0; i < 50 && offset !== numberedLines('a', 0, 20).length; i++) {
      offset = await onDisk();
      await pause(10);
    }
    expect(offset).toBe(numberedLines('a', 0, 20).length);
  });

  it('a checkpoint that cannot be written (disk full) is retried about once a second, not at every ack', async () => {
    store = await CheckpointStore.open({ path: join(dir, 'blocker', 'checkpoints.json') });
    await writeFile(join(dir, 'blocker'), 'a file where the checkpoint directory should be');
    const warnings: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (_o: unknown, msg?: string) => void warnings.push(msg ?? ''), child: () => logger };
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 100));
    const { delivery } = await start(log, { checkpointIntervalMs: 0, logger });
    await waitFor('100 lines', () => delivery.lines.length === 100);
    for (let i = 0; i < 5; i++) {
      await appendFile(log, numberedLines('b', i * 100, i * 100 + 100));
      await pause(100);
    }
    await waitFor('600 lines', () => delivery.lines.length === 600);
    // 600 acks in about 0.6 s: one warning at the first failure, at most one more per second after it.
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(3);
    expect(warnings[0]).toMatch(/checkpoint not written; retrying in 1000 ms/);
  });

  it('does not take a new file on a recycled inode for the checkpointed one', async () => {
    const log = join(dir, 'app.log');
    await writeFile(log, numberedLines('a', 0, 50));
    const first = new FakeDelivery();
    const { tailer } = await start(log, {}, first);
    await waitFor('50 lines', () => first.lines.length === 50);
    await tailer.stop();
    running.splice(running.indexOf(tailer), 1);
    const oldIno = (await stat(log)).ino;
    await unlink(log);
    // ext4 hands a freed inode out again soon; other processes may take it first, so create until one gets it.
    let reused = false;
    for (let i = 0; i < 200 && !reused; i++) {
      const candidate = join(dir, `candidate-${i}`);
      await writeFile(candidate, numberedLines('b', 0, 80));
      if ((await stat(candidate)).ino === oldIno) {
        await rename(candidate, log);
        reused = true;
      }
    }
    expect(reused).toBe(true);
    expect((await stat(log)).ino).toBe(oldIno);

    store = await CheckpointStore.open({ path: store.path });
    const second = new FakeDelivery();
    await start(log, {}, second);
    await waitFor('80 lines', () => second.lines.length === 80);
    expect(second.texts()).toEqual(expectedLines('b', 0, 80));
  });
});
