/**
 * Rotation of each kind while a writer appends at 10,000 lines/s, on real files: every line written is counted
 * in what the tailer handed over — none missing, none twice (delivery acknowledges at once here; the end-to-end
 * counts through the emulator are the app's int specs). For plain truncation, lines written after the last read
 * and before the truncation cannot be read by anyone: their count is checked against the tailer's report.
 */
import { open, rename, rm, truncate, copyFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointStore } from '../checkpoint/checkpoint-store';
import type { FileTailer } from './file-tailer';
import { makeTempDir, pause, removeDir, startTailer, waitFor, type FakeDelivery } from './tailer-test-kit';

const LINES_PER_MS = 10; // 10,000 lines/s
/** At most this many lines in one write when the writer catches up (a loaded machine wakes it late). */
const MAX_LINES_PER_WRITE = 1_000;

/** Appends numbered lines through an O_APPEND descriptor, as a logger does; rotations take the lock. */
class LogWriter {
  written = 0;
  private handle!: FileHandle;
  private running = true;
  private loop: Promise<void> | undefined;
  private lock: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async start(): Promise<void> {
    this.handle = await open(this.path, 'a');
    this.loop = this.run();
  }

  /**
   * Keeps to 10,000 lines/s by the clock: every wake-up writes the lines owed since the start, so a machine that
   * wakes the writer late gets bigger writes, not fewer lines (100 lines per 10-ms tick fell to 7,000 lines/s in CI).
   */
  private async run(): Promise<void> {
    const startedAt = Date.now();
    while (this.running) {
      await this.lock;
      const owed = Math.min(MAX_LINES_PER_WRITE, (Date.now() - startedAt) * LINES_PER_MS - this.written);
      let s = '';
      for (let i = 0; i < owed; i++) s += `line-${String(this.written++).padStart(8, '0')} 127.0.0.1 - - "GET / HTTP/1.1" 200 512\n`;
      if (s) await this.handle.write(s);
      await pause(10);
    }
  }

  /** Runs `rotate` with no write in between (the writer's lines go to the file before or after). */
  async exclusive(rotate: () => Promise<void>): Promise<void> {
    let release!: () => void;
    const previous = this.lock;
    this.lock = new Promise((r) => (release = r));
    await previous;
    try {
      await rotate();
    } finally {
      release();
    }
  }

  /** The logger reopens its file by name (after a HUP), continuing with the next line. */
  async reopen(): Promise<void> {
    await this.exclusive(async () => {
      await this.handle.close();
      this.handle = await open(this.path, 'a');
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.handle.close();
  }
}

function counts(delivery: FakeDelivery): { unique: Set<number>; duplicates: number } {
  const unique = new Set<number>();
  let duplicates = 0;
  for (const l of delivery.lines) {
    const n = Number(l.line.slice(5, 13));
    if (unique.has(n)) duplicates++;
    unique.add(n);
  }
  return { unique, duplicates };
}

describe('FileTailer under rotation at 10,000 lines/s', () => {
  let dir: string;
  let store: CheckpointStore;
  let tailer: FileTailer | undefined;
  beforeEach(async () => {
    dir = await makeTempDir();
    store = await CheckpointStore.open({ path: join(dir, 'checkpoints.json'), fsync: false });
  });
  afterEach(async () => {
    await tailer?.stop();
    tailer = undefined;
    await removeDir(dir);
  });

  it('rename-and-create (the writer keeps writing to the renamed file until it reopens): every line once', async () => {
    const log = join(dir, 'access.log');
    const writer = new LogWriter(log);
    await writer.start();
    const started = await startTailer(store, log);
    tailer = started.tailer;
    for (let r = 1; r <= 4; r++) {
      await pause(300);
      tailer.pause(); // behind when the file is renamed away: its backlog is read after the rotation
      await pause(100);
      await rename(log, join(dir, `access.log.${r}`));
      await pause(30); // lines still go to the renamed file
      await writer.reopen();
      tailer.resume();
    }
    await pause(300);
    await writer.stop();
    await waitFor('every line', () => started.delivery.lines.length >= writer.written, 20_000);
    await waitFor('rotated files let go', () => started.delivery.done.length === 4);
    const { unique, duplicates } = counts(started.delivery);
    expect({ written: writer.written, unique: unique.size, duplicates }).toEqual({ written: writer.written, unique: writer.written, duplicates: 0 });
    expect(writer.written).toBeGreaterThan(15_000);
  });

  // Regression: a file renamed within the glob between the scan's readdir and stat (logrotate shifting
  // access.log.3 → access.log.4) looked gone, was let go, and was read again from 0 when the next scan found it
  // (one whole rotated file duplicated per rotation).
  it('rename-and-create with logrotate numbering inside the glob (.1 → .2 …, the oldest deleted): every line once', async () => {
    const log = join(dir, 'access.log');
    const writer = new LogWriter(log);
    await writer.start();
    const started = await startTailer(store, join(dir, 'access.log*'));
    tailer = started.tailer;
    const keep = 3;
    for (let r = 1; r <= 6; r++) {
      await pause(250);
      await writer.exclusive(async () => {
        await rm(join(dir, `access.log.${keep}`), { force: true });
        for (let i = keep - 1; i >= 1; i--) await rename(join(dir, `access.log.${i}`), join(dir, `access.log.${i + 1}`)).catch(() => undefined);
        await rename(log, join(dir, 'access.log.1'));
      });
      await writer.reopen();
    }
    await pause(300);
    await writer.stop();
    await waitFor('every line', () => counts(started.delivery).unique.size >= writer.written, 20_000);
    await pause(500);
    const { unique, duplicates } = counts(started.delivery);
    expect({ unique: unique.size, duplicates }).toEqual({ unique: writer.written, duplicates: 0 });
  });

  it('copytruncate into names the glob matches: every line once (from the file or its copy)', async () => {
    const log = join(dir, 'access.log');
    const writer = new LogWriter(log);
    await writer.start();
    const started = await startTailer(store, join(dir, 'access.log*'));
    tailer = started.tailer;
    for (let r = 1; r <= 4; r++) {
      await pause(300);
      // Delivery is slow for a moment (Kinesis throttling): the tailer is behind when the file is truncated.
      tailer.pause();
      await pause(100);
      await writer.exclusive(async () => {
        await copyFile(log, join(dir, `access.log.${r}`));
        await truncate(log, 0);
        started.tailer.resume();
        // The logger's next line comes once the tailer has seen the truncation. A file refilled past the tailer's
        // offset before it looks again cannot be told from one that grew (its size is all a copytruncate leaves):
        // the writer, keeping 10,000 lines/s by the clock, may refill it in one write after the rotation (CI once timed
        // out waiting for every line here, most likely that way). That race is not what this test is about.
        await waitFor(`truncation ${r} seen`, () => started.delivery.events.filter((e) => e.kind === 'file-truncated').length >= r);
      });
    }
    await pause(300);
    await writer.stop();
    await waitFor('every line', () => counts(started.delivery).unique.size >= writer.written, 20_000);
    await pause(300);
    const { unique, duplicates } = counts(started.delivery);
    expect({ unique: unique.size, duplicates }).toEqual({ unique: writer.written, duplicates: 0 });
    expect(started.delivery.events.filter((e) => e.kind === 'file-truncated')).toHaveLength(4);
    // The lines written while the tailer was paused came from the copies.
    expect(started.delivery.lines.filter((l) => /access\.log\.\d$/.test(l.path)).length).toBeGreaterThan(1000);
  });

  it('truncation in place while behind: lines read before it are kept; what is reported lost is at most what is missing', async () => {
    const log = join(dir, 'access.log');
    const writer = new LogWriter(log);
    await writer.start();
    const started = await startTailer(store, log);
    tailer = started.tailer;
    let pausedMs = 0;
    for (let r = 1; r <= 4; r++) {
      await pause(300);
      const pausedAt = Date.now();
      tailer.pause();
      await pause(100);
      await writer.exclusive(() => truncate(log, 0));
      tailer.resume();
      pausedMs += Date.now() - pausedAt;
    }
    await pause(300);
    await writer.stop();
    await waitFor('the last line', () => counts(started.delivery).unique.has(writer.written - 1), 20_000);
    const { unique, duplicates } = counts(started.delivery);
    expect(duplicates).toBe(0);
    const truncations = started.delivery.events.filter((e) => e.kind === 'file-truncated');
    expect(truncations).toHaveLength(4);
    const missing = writer.written - unique.size;
    const lineBytes = started.delivery.lines[0].end - started.delivery.lines[0].start;
    const reported = truncations.reduce((sum, e) => sum + (e.kind === 'file-truncated' ? e.unreadBytesLost : 0), 0) / lineBytes;
    // The tailer reads within milliseconds: little is lost, and never more than it reports plus what was written
    // after its last stat. What it reports is what it had seen: on a loaded machine (CI) it may not have looked at
    // the file between its last read and the truncation, and then reports nothing (seen once) — so no lower bound.
    expect(reported).toBeLessThanOrEqual(missing);
    // What was written while the tailer was paused before each of the 4 truncations (100 ms asked, longer on a loaded
    // machine) cannot be read, plus what came after its last read before the pause: allow 100 ms of that per truncation.
    expect(missing).toBeLessThan((pausedMs + 4 * 100) * LINES_PER_MS);
  });
});
