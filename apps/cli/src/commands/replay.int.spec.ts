/**
 * `tributary replay` as a child process against the emulator. The dead letters are written by the consumer
 * library's own sinks (FileDeadLetterSink, KinesisDeadLetterSink) from records that were really stored in a
 * source stream; what arrives in the target is read back and compared.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createActiveStream, startKdsTestEmulator, uniqueStreamName, HTTP1_NODE, type KdsTestEmulator } from '@tributary/emulator/testing';
import { FileDeadLetterSink, KinesisDeadLetterSink, type DeadLetterEntry } from '@tributary/kinesis-consumer';
import { collect, emulatorEnv, readAllRecords, REPO_ROOT, runCli, spawnCli, type StoredRecord } from '../testing/stream-cli-kit';

let kds: KdsTestEmulator;
let dir: string;
beforeAll(async () => {
  kds = await startKdsTestEmulator();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-replay-'));
});
afterAll(async () => {
  await kds?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const client = () => kds.clients[HTTP1_NODE];
const endpoint = () => ['--endpoint-url', kds.emu.url];

/** `n` records put into a new source stream, read back: the records a consumer would have failed on. */
async function storedSourceRecords(n: number): Promise<{ stream: string; records: StoredRecord[] }> {
  const stream = uniqueStreamName('cli-replay-src');
  await createActiveStream(client(), stream, 2);
  const entries = Array.from({ length: n }, (_, i) => ({ PartitionKey: `dev-${i % 5}`, Data: Buffer.from(JSON.stringify({ n: i })) }));
  await client().send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
  return { stream, records: (await readAllRecords(client(), stream)).records };
}

function deadLetterOf(stream: string, r: StoredRecord): DeadLetterEntry {
  return {
    record: {
      shardId: r.shardId,
      data: Buffer.from(r.data),
      partitionKey: r.partitionKey,
      sequenceNumber: r.sequenceNumber,
      subSequenceNumber: 0,
      aggregated: false,
      aggregateSize: 1,
      approximateArrivalTimestamp: new Date(),
    },
    streamName: stream,
    condition: 'RetryAttemptsExhausted',
    error: { name: 'Error', message: 'handler failed' },
    attempts: 4,
    firstFailureAt: new Date(),
    lastFailureAt: new Date(),
  };
}

async function deadLetterFile(name: string, n: number): Promise<{ file: string; records: StoredRecord[] }> {
  const { stream, records } = await storedSourceRecords(n);
  const file = path.join(dir, name);
  const sink = new FileDeadLetterSink({ path: file });
  await sink.send(records.map((r) => deadLetterOf(stream, r)));
  // The same record dead-lettered twice (a lease lost mid-batch): it must go out once.
  await sink.send([deadLetterOf(stream, records[0])]);
  await sink.close();
  return { file, records };
}

const summarySeconds = (stderr: string): number => Number(/replayed \d+ record\(s\) into \S+ in ([\d.]+) s/.exec(stderr)?.[1] ?? NaN);
const payloads = (records: StoredRecord[]) => records.map((r) => `${r.partitionKey} ${r.data}`).sort();

describe('tributary replay', () => {
  it('replays a dead-letter file at the rate asked, once per record, and a re-run sends nothing', async () => {
    const { file, records } = await deadLetterFile('dlq-rate.jsonl', 40);
    const target = uniqueStreamName('cli-replay-dst');
    await createActiveStream(client(), target, 1);
    const run = await runCli(['replay', file, '--to', target, '--rate', '20', ...endpoint()]);
    expect(run.stderr).toContain('replayed 40 record(s)');
    // In a pipe: no progress bar.
    for (const marker of ['\r', '\u2588', '\u2591']) expect(run.stderr).not.toContain(marker);
    expect(run.stderr).toContain('1 skipped: the same record twice in the source');
    expect(run.code).toBe(0);
    // 40 records at 20/s: 39 intervals of 50 ms after the first.
    expect(summarySeconds(run.stderr)).toBeGreaterThanOrEqual(1.9);
    expect(summarySeconds(run.stderr)).toBeLessThan(8);
    const stored = (await readAllRecords(client(), target)).records;
    expect(payloads(stored)).toEqual(payloads(records));
    // Per key, in the order they were dead-lettered.
    for (const key of new Set(records.map((r) => r.partitionKey))) {
      expect(stored.filter((r) => r.partitionKey === key).map((r) => r.data)).toEqual(records.filter((r) => r.partitionKey === key).map((r) => r.data));
    }
    const again = await runCli(['replay', file, '--to', target, '--rate', '20', ...endpoint()]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('replayed 0 record(s)');
    // 41 lines: the 40 records and the duplicate, all delivered before.
    expect(again.stderr).toContain('41 skipped: already replayed');
    expect((await readAllRecords(client(), target)).records).toHaveLength(40);
  });

  it('after Ctrl-C exits 130, and the re-run resumes without resending', async () => {
    const { file, records } = await deadLetterFile('dlq-stop.jsonl', 60);
    const target = uniqueStreamName('cli-replay-stop');
    await createActiveStream(client(), target, 1);
    const progressFile = path.join(dir, 'stop.progress');
    const args = ['replay', file, '--to', target, '--rate', '20', '--progress-file', progressFile, ...endpoint()];
    const started = Date.now();
    const child = spawnCli(args);
    const done = collect(child, started);
    // Stop once some records are acknowledged (the progress file holds their identities), well before the end.
    for (let i = 0; i < 400; i++) {
      const lines = (await fs.readFile(progressFile, 'utf8').catch(() => '')).split('\n').length;
      if (lines > 8) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGINT');
    const stopped = await done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('stopped: run the same command again to resume');
    const first = Number(/replayed (\d+) record/.exec(stopped.stderr)?.[1]);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(60);
    expect((await readAllRecords(client(), target)).records).toHaveLength(first);
    const resumed = await runCli(args);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`replayed ${60 - first} record(s)`);
    // The first record's duplicate line at the end of the file is skipped too.
    expect(resumed.stderr).toContain(`${first + 1} skipped: already replayed`);
    expect(payloads((await readAllRecords(client(), target)).records)).toEqual(payloads(records));
  });

  it('replays a dead-letter stream written by KinesisDeadLetterSink, unwrapping the envelopes', async () => {
    const { stream, records } = await storedSourceRecords(12);
    const dlq = uniqueStreamName('cli-replay-dlq');
    await createActiveStream(client(), dlq, 1);
    const sink = new KinesisDeadLetterSink({ client: client(), streamName: dlq });
    await sink.send(records.map((r) => deadLetterOf(stream, r)));
    await sink.close();
    const target = uniqueStreamName('cli-replay-back');
    await createActiveStream(client(), target, 1);
    const args = ['replay', '--from-stream', dlq, '--from', '-10m', '--to', target, '--rate', '1000', '--progress-file', path.join(dir, 's.progress'), ...endpoint()];
    const run = await runCli(args);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('replayed 12 record(s)');
    expect(payloads((await readAllRecords(client(), target)).records)).toEqual(payloads(records));
  });

  it('reports entries it cannot replay by line (exit 1), and refuses bad input with 2 and a missing file with 3', async () => {
    const { file } = await deadLetterFile('dlq-bad.jsonl', 3);
    await fs.appendFile(file, 'not json\n{"a":1}\n');
    const target = uniqueStreamName('cli-replay-bad');
    await createActiveStream(client(), target, 1);
    const run = await runCli(['replay', file, '--to', target, '--rate', '1000', ...endpoint()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`not replayable: ${file}:5: UNREPLAYABLE: not JSON`);
    expect(run.stderr).toContain(`not replayable: ${file}:6: UNREPLAYABLE: not a dead-letter envelope`);
    expect(run.stderr).toContain('replayed 3 record(s)');
    expect((await readAllRecords(client(), target)).records).toHaveLength(3);
    const missing = await runCli(['replay', path.join(dir, 'nope.jsonl'), '--to', target, ...endpoint()]);
    expect([missing.code, /no file/.test(missing.stderr)]).toEqual([3, true]);
    // Refused before the progress file is created: a typo leaves nothing behind.
    expect(await fs.stat(path.join(dir, `nope.jsonl.replay-${target}.progress`)).catch(() => 'absent')).toBe('absent');
    const badRate = await runCli(['replay', file, '--to', target, '--rate', 'fast', ...endpoint()]);
    expect([badRate.code, /--rate must be a number/.test(badRate.stderr)]).toEqual([2, true]);
    const noTarget = await runCli(['replay', file, '--to', 'no-such-target', '--progress-file', path.join(dir, 'x.progress'), ...endpoint()]);
    expect([noTarget.code, /stream no-such-target does not exist/.test(noTarget.stderr)]).toEqual([3, true]);
  });

  it('shows a progress bar of the records sent on a terminal', async () => {
    const { file } = await deadLetterFile('dlq-tty.jsonl', 10);
    const target = uniqueStreamName('cli-replay-tty');
    await createActiveStream(client(), target, 1);
    // `script` gives the CLI a pseudo-terminal (stdout and stderr); -e returns the CLI's exit code.
    const command = `node --require tsx/cjs apps/cli/src/main.ts replay ${file} --to ${target} --rate 20 --endpoint-url ${kds.emu.url}`;
    const { stdout } = await promisify(execFile)('/usr/bin/script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, env: { ...emulatorEnv(), NO_COLOR: '1' } });
    // 11 lines (the duplicate included), the bar redrawn as they are sent.
    expect(stdout).toMatch(/replay \S+ +0% \| 0\/11 records/);
    expect(stdout).toMatch(/replay \S+ +100% \| 11\/11 records/);
    expect(stdout).toContain('replayed 10 record(s)');
  });
});
