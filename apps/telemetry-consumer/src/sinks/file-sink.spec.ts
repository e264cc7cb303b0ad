import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { ManualTime } from '../testing/manual-time';
import type { Logger } from '../logger';
import { TelemetryConsumerError } from '../telemetry-consumer-error';
import { FileSink, fileNameSafe, partitionOf, type CommittedFile, type FileSinkOptions } from './file-sink';

const H12 = Date.UTC(2025, 5, 1, 12, 0, 0);
const H13 = H12 + 3_600_000;

let root: string;
let time: ManualTime;
let committed: CommittedFile[];
let sinks: FileSink[];

beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'file-sink-'));
  time = new ManualTime(H12 + 30 * 60_000);
  committed = [];
  sinks = [];
});
afterEach(async () => {
  for (const s of sinks) await s.close().catch(() => undefined);
  await fsp.rm(root, { recursive: true, force: true });
});

function sink(options: Partial<FileSinkOptions> = {}): FileSink {
  const made = new FileSink({
    root,
    prefix: 'telemetry',
    name: 'telemetry',
    workerId: 'w1',
    clock: time,
    timers: time,
    onCommitted: (f) => committed.push(f),
    ...options,
  });
  sinks.push(made);
  return made;
}

const line = (i: number): string => JSON.stringify({ deviceId: `d${i % 3}`, seq: i, pad: 'x'.repeat(20) });
const records = (from: number, count: number, at = H12 + 5 * 60_000) => Array.from({ length: count }, (_, k) => ({ at, line: line(from + k) }));

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(path.relative(root, path.join(d, e.name)).split(path.sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

async function readLines(relative: string): Promise<string[]> {
  const text = zlib.gunzipSync(await fsp.readFile(path.join(root, relative))).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

describe('partitionOf', () => {
  it.each([
    [Date.UTC(2025, 0, 2, 3, 59, 59, 999), '2025/01/02/03'],
    [Date.UTC(2025, 11, 31, 23, 0, 0), '2025/12/31/23'],
    [Date.UTC(2026, 0, 1, 0, 0, 0), '2026/01/01/00'],
  ])('%d → %s (UTC, whatever the local zone)', (at, expected) => {
    expect(partitionOf(at)).toBe(expected);
  });
});

describe('fileNameSafe', () => {
  it.each([
    ['host-1:1234:abcd', 'host-1_1234_abcd'],
    ['../etc', '__etc'],
    ['', '_'],
  ])('%s → %s', (input, expected) => expect(fileNameSafe(input)).toBe(expected));
});

describe('FileSink', () => {
  it('writes NDJSON into <prefix>/YYYY/MM/DD/HH/<name>-<worker>-<n>.ndjson.gz, invisible until published', async () => {
    const s = sink();
    await s.start();
    await s.write(records(0, 3));
    await s.write([{ at: H13 + 1, line: line(100) }, ...records(3, 2)]);
    // Only hidden temporary names exist while the files are open.
    expect(await listFiles(root)).toEqual([
      'telemetry/2025/06/01/12/.telemetry-w1-0.ndjson.gz.inprogress',
      'telemetry/2025/06/01/13/.telemetry-w1-1.ndjson.gz.inprogress',
    ]);
    await s.flush();
    expect(await listFiles(root)).toEqual(['telemetry/2025/06/01/12/telemetry-w1-0.ndjson.gz', 'telemetry/2025/06/01/13/telemetry-w1-1.ndjson.gz']);
    expect(await readLines('telemetry/2025/06/01/12/telemetry-w1-0.ndjson.gz')).toEqual([0, 1, 2, 3, 4].map(line));
    expect(await readLines('telemetry/2025/06/01/13/telemetry-w1-1.ndjson.gz')).toEqual([line(100)]);
    expect(committed.map((c) => [c.partition, c.records, c.reason])).toEqual([
      ['2025/06/01/12', 5, 'flush'],
      ['2025/06/01/13', 1, 'flush'],
    ]);
    expect(s.stats()).toMatchObject({ openFiles: 0, filesCommitted: 2, recordsWritten: 6 });
  });

  it('rotates a file once it holds maxFileBytes of NDJSON', async () => {
    const s = sink({ maxFileBytes: 200 });
    const lineBytes = line(0).length + 1; // 55
    await s.write(records(0, 2)); // 110 bytes: stays open
    expect(committed).toEqual([]);
    await s.write(records(2, 2)); // 220 bytes: published
    expect(committed.map((c) => [path.basename(c.path), c.records, c.bytes, c.reason])).toEqual([['telemetry-w1-0.ndjson.gz', 4, 4 * lineBytes, 'size']]);
    await s.write(records(4, 1));
    await s.close();
    expect(await readLines('telemetry/2025/06/01/12/telemetry-w1-1.ndjson.gz')).toEqual([line(4)]);
  });

  it('rotates a file maxFileAgeMs after it was opened, on the injected timers', async () => {
    const s = sink({ maxFileAgeMs: 60_000 });
    await s.write(records(0, 1));
    await time.advance(30_000);
    await s.write(records(1, 1));
    await time.advance(29_999);
    expect(committed).toEqual([]);
    await time.advance(1);
    await s.settled();
    expect(committed.map((c) => [c.records, c.reason])).toEqual([[2, 'age']]);
    expect(time.pending).toBe(0);
  });

  it('closes the oldest file when more than maxOpenFiles partitions are open', async () => {
    const s = sink({ maxOpenFiles: 2 });
    await s.write([{ at: H12, line: line(0) }]);
    await s.write([{ at: H13, line: line(1) }]);
    await s.write([{ at: H13 + 3_600_000, line: line(2) }]);
    expect(committed.map((c) => [c.partition, c.reason])).toEqual([['2025/06/01/12', 'evicted']]);
    expect(s.stats().openFiles).toBe(2);
  });

  it('keeps several sync-flushed batches readable as one gzip file', async () => {
    const s = sink();
    for (let b = 0; b < 20; b++) await s.write(records(b * 50, 50));
    await s.close();
    const lines = await readLines('telemetry/2025/06/01/12/telemetry-w1-0.ndjson.gz');
    expect(lines).toHaveLength(1000);
    expect(lines[999]).toBe(line(999));
  });

  it('never overwrites an existing file of the same name (a restart with the same worker id)', async () => {
    const dir = path.join(root, 'telemetry/2025/06/01/12');
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(path.join(dir, 'telemetry-w1-0.ndjson.gz'), 'earlier run');
    const s = sink();
    await s.write(records(0, 1));
    await s.close();
    expect(await fsp.readFile(path.join(dir, 'telemetry-w1-0.ndjson.gz'), 'utf8')).toBe('earlier run');
    expect(committed.map((c) => path.basename(c.path))).toEqual(['telemetry-w1-1.ndjson.gz']);
    expect(await readLines('telemetry/2025/06/01/12/telemetry-w1-1.ndjson.gz')).toEqual([line(0)]);
  });

  it('refuses writes after close()', async () => {
    const s = sink();
    await s.close();
    await expect(s.write(records(0, 1))).rejects.toMatchObject({ code: 'CLOSED', retriable: false });
    await expect(s.write(records(0, 1))).rejects.toBeInstanceOf(TelemetryConsumerError);
  });

  describe('orphaned temporary files (a writer that died)', () => {
    const partitionDir = (): string => path.join(root, 'telemetry/2025/06/01/12');

    /** The temporary file of a sink killed after `batches` acknowledged writes, plus a torn tail. */
    async function orphanOf(batches: number, tear: boolean): Promise<string> {
      const other = await fsp.mkdtemp(path.join(os.tmpdir(), 'file-sink-dead-'));
      try {
        const dead = new FileSink({ root: other, prefix: 'telemetry', name: 'telemetry', workerId: 'dead', clock: time, timers: time });
        for (let b = 0; b < batches; b++) await dead.write(records(b * 10, 10));
        const tempName = '.telemetry-dead-0.ndjson.gz.inprogress';
        let bytes = await fsp.readFile(path.join(other, 'telemetry/2025/06/01/12', tempName));
        if (tear) {
          // Half of one more batch's compressed bytes: what a kill in the middle of a write leaves.
          const tail = zlib.deflateRawSync(Buffer.from(records(999, 10).map((r) => `${r.line}\n`).join('')));
          bytes = Buffer.concat([bytes, tail.subarray(0, tail.length >> 1)]);
        }
        await dead.close();
        await fsp.mkdir(partitionDir(), { recursive: true });
        const orphan = path.join(partitionDir(), tempName);
        await fsp.writeFile(orphan, bytes);
        return orphan;
      } finally {
        await fsp.rm(other, { recursive: true, force: true });
      }
    }

    const age = async (file: string, ms: number): Promise<void> => {
      const at = new Date(time.now() - ms);
      await fsp.utimes(file, at, at);
    };

    it('publishes the complete lines of an old orphan at start()', async () => {
      const orphan = await orphanOf(3, true);
      await age(orphan, 6 * 60_000 + 1);
      const s = sink({ maxFileAgeMs: 5 * 60_000, orphanGraceMs: 60_000 });
      expect(await s.start()).toEqual({ recovered: 1 });
      expect(await listFiles(root)).toEqual(['telemetry/2025/06/01/12/telemetry-dead-0.ndjson.gz']);
      const lines = await readLines('telemetry/2025/06/01/12/telemetry-dead-0.ndjson.gz');
      // Every acknowledged batch is there; of the torn one, at most whole lines.
      expect(lines.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => line(i)));
      expect(lines.slice(30)).toEqual(Array.from({ length: lines.length - 30 }, (_, i) => line(999 + i)));
      expect(committed.map((c) => [c.records, c.reason])).toEqual([[lines.length, 'recovered']]);
      expect(s.stats().filesRecovered).toBe(1);
    });

    it('leaves a temporary file that a live writer may still own', async () => {
      const orphan = await orphanOf(1, false);
      await age(orphan, 6 * 60_000 - 1);
      const s = sink({ maxFileAgeMs: 5 * 60_000, orphanGraceMs: 60_000 });
      expect(await s.start()).toEqual({ recovered: 0 });
      expect(await listFiles(root)).toEqual(['telemetry/2025/06/01/12/.telemetry-dead-0.ndjson.gz.inprogress']);
    });

    /** A logger that keeps what was logged at error level. */
    const errorLog = (): { logger: Logger; errors: string[] } => {
      const errors: string[] = [];
      const noop = (): void => undefined;
      return { logger: { debug: noop, info: noop, warn: noop, error: (_o, msg) => errors.push(msg ?? '') }, errors };
    };

    // Regression (issue 12, item 1): two workers starting together both salvaged through the same `<tmp>.salvage`
    // name; the loser failed (ENOENT on link) and some files were published twice. A vanished file was logged as
    // "unreadable; renamed .corrupt".
    it('two sinks sweeping the same orphans at once publish each exactly once, and a lost claim is no error', async () => {
      const made: string[] = [];
      for (let k = 0; k < 20; k++) {
        const orphan = await orphanOf(2, false);
        const renamed = path.join(partitionDir(), `.telemetry-dead${k}-0.ndjson.gz.inprogress`);
        await fsp.rename(orphan, renamed);
        await age(renamed, 3_600_000);
        made.push(renamed);
      }
      const logA = errorLog();
      const logB = errorLog();
      const a = sink({ workerId: 'a', logger: logA.logger, sweepIntervalMs: 0 });
      const b = sink({ workerId: 'b', logger: logB.logger, sweepIntervalMs: 0 });
      const [ra, rb] = await Promise.all([a.start(), b.start()]);
      expect(ra.recovered + rb.recovered).toBe(20);
      const files = await listFiles(root);
      expect(files).toEqual(Array.from({ length: 20 }, (_, k) => `telemetry/2025/06/01/12/telemetry-dead${k}-0.ndjson.gz`).sort());
      for (const f of files) expect(await readLines(f)).toEqual(Array.from({ length: 20 }, (_, i) => line(i)));
      expect([...logA.errors, ...logB.errors]).toEqual([]);
    });

    // Regression (issue 12, item 2): orphans were published only at the next start of a worker; a running worker
    // never looked, so checkpointed records stayed hidden while every live file rotated.
    it('a running sink sweeps orphans every sweepIntervalMs, once they are older than a live file can be', async () => {
      const s = sink({ maxFileAgeMs: 60_000, orphanGraceMs: 10_000, sweepIntervalMs: 5_000 });
      expect(await s.start()).toEqual({ recovered: 0 });
      const orphan = await orphanOf(3, true);
      await age(orphan, 60_000); // written a minute ago: a live writer could still own it for 10 s
      await time.advance(5_000);
      await s.sweep(); // joins the timer's sweep if it is still running
      expect(await listFiles(root)).toEqual(['telemetry/2025/06/01/12/.telemetry-dead-0.ndjson.gz.inprogress']);
      await time.advance(10_000);
      // The first call may join the sweep the timer started a moment earlier; the second starts one at this time.
      await s.sweep();
      await s.sweep();
      expect(await listFiles(root)).toEqual(['telemetry/2025/06/01/12/telemetry-dead-0.ndjson.gz']);
      expect(committed.map((c) => c.reason)).toEqual(['recovered']);
      await s.close();
      expect(time.pending).toBe(0);
    });

    it('takes over the claim of a sweeper that died, and drops a claim whose orphan was published already', async () => {
      const orphan = await orphanOf(2, false);
      const expected = await (async () => {
        const text = zlib.gunzipSync(await fsp.readFile(orphan), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
        return text.slice(0, -1).split('\n');
      })();
      // A sweeper claimed it and died before publishing: its claim is taken over once orphanGraceMs old (ctime).
      const claimed = `${orphan}.claimed-gone-1`;
      await fsp.rename(orphan, claimed);
      // Claims age by their ctime, which the file system sets: this sink reads the real clock.
      const s = sink({ orphanGraceMs: 0, sweepIntervalMs: 0, clock: { now: () => Date.now() } });
      await new Promise((r) => setTimeout(r, 5));
      expect(await s.start()).toEqual({ recovered: 1 });
      expect(await listFiles(root)).toEqual(['telemetry/2025/06/01/12/telemetry-dead-0.ndjson.gz']);
      // Another dead sweeper's claim of the same orphan, after the publication: no second copy.
      await fsp.writeFile(claimed, zlib.gzipSync(`${expected.join('\n')}\n`));
      await fsp.writeFile(`${claimed}.salvage`, 'half a copy');
      await new Promise((r) => setTimeout(r, 5));
      expect(await s.sweep()).toBe(0);
      expect(await listFiles(root)).toEqual(['telemetry/2025/06/01/12/telemetry-dead-0.ndjson.gz']);
      expect(await readLines('telemetry/2025/06/01/12/telemetry-dead-0.ndjson.gz')).toEqual(expected);
    });

    it('publishes an orphan whose final name a different file holds under a -r<k> name (files of an older version)', async () => {
      const orphan = await orphanOf(1, false);
      await age(orphan, 3_600_000);
      await fsp.writeFile(path.join(partitionDir(), 'telemetry-dead-0.ndjson.gz'), zlib.gzipSync('{"other":1}\n'));
      expect(await sink().start()).toEqual({ recovered: 1 });
      expect(await readLines('telemetry/2025/06/01/12/telemetry-dead-0-r1.ndjson.gz')).toEqual(Array.from({ length: 10 }, (_, i) => line(i)));
    });

    it('fails a write to a file another worker claimed instead of acknowledging it', async () => {
      const s = sink();
      await s.write(records(0, 2));
      const temp = path.join(partitionDir(), '.telemetry-w1-0.ndjson.gz.inprogress');
      await fsp.rename(temp, `${temp}.claimed-other-7`);
      await expect(s.write(records(2, 2))).rejects.toMatchObject({ code: 'FILE_SINK_FAILED', retriable: true });
      expect(s.stats()).toMatchObject({ openFiles: 0, filesTakenByOthers: 1 });
      // The retried batch goes to a new file.
      await s.write(records(2, 2));
      await s.close();
      expect(await readLines('telemetry/2025/06/01/12/telemetry-w1-1.ndjson.gz')).toEqual([line(2), line(3)]);
    });

    it('renames an unreadable orphan .corrupt instead of publishing it', async () => {
      await fsp.mkdir(partitionDir(), { recursive: true });
      const orphan = path.join(partitionDir(), '.telemetry-dead-3.ndjson.gz.inprogress');
      await fsp.writeFile(orphan, 'not gzip at all');
      await age(orphan, 3_600_000);
      expect(await sink().start()).toEqual({ recovered: 0 });
      expect(await listFiles(root)).toEqual(['telemetry/2025/06/01/12/.telemetry-dead-3.ndjson.gz.inprogress.corrupt']);
    });
  });
});
