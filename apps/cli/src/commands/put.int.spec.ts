/**
 * `tributary put` as users run it (a child process) against the emulator: records read back with GetRecords and
 * opened with the KPL codec, counted, keys checked; the failure paths give their exit codes and messages.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createActiveStream, startKdsTestEmulator, uniqueStreamName, HTTP1_NODE, type KdsTestEmulator } from '@tributary/emulator/testing';
import { collect, readAllRecords, runCli, spawnCli } from '../testing/stream-cli-kit';

let kds: KdsTestEmulator;
let dir: string;
beforeAll(async () => {
  kds = await startKdsTestEmulator();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-put-'));
});
afterAll(async () => {
  await kds?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const client = () => kds.clients[HTTP1_NODE];
const endpoint = () => ['--endpoint-url', kds.emu.url];
const jsonLines = (n: number, devices: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ device: { id: `dev-${i % devices}` }, n: i })).join('\n') + '\n';

describe('tributary put', () => {
  it('puts stdin lines aggregated, keyed by a JSON path, and says what aggregation saved', async () => {
    const stream = uniqueStreamName('cli-put-agg');
    await createActiveStream(client(), stream, 2);
    const run = await runCli(['put', stream, '--key-path', 'device.id', ...endpoint()], { input: jsonLines(400, 7) });
    expect(run.stderr).toContain(`put 400 of 400 records`);
    expect(run.code).toBe(0);
    // In a pipe: no progress bar, no colour codes.
    for (const marker of ['\r', '\u001b[', '\u2588', '\u2591']) expect(run.stderr).not.toContain(marker);
    const { records, kinesisRecords } = await readAllRecords(client(), stream);
    expect(records).toHaveLength(400);
    expect(records.every((r) => r.aggregated)).toBe(true);
    expect(kinesisRecords).toBeLessThan(40);
    for (const r of records) expect(r.partitionKey).toBe((JSON.parse(r.data) as { device: { id: string } }).device.id);
    // Per key, the lines arrive in the order they were read.
    const byKey = new Map<string, number[]>();
    for (const r of records) byKey.set(r.partitionKey, [...(byKey.get(r.partitionKey) ?? []), (JSON.parse(r.data) as { n: number }).n]);
    for (const ns of byKey.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    const saved = /aggregation: (\d+) Kinesis records, (\d+) PUT payload units instead of 400 \((\d+) saved\)/.exec(run.stderr);
    const [, sent, units, savedUnits] = (saved ?? []).map(Number);
    expect(sent).toBe(kinesisRecords);
    expect(savedUnits).toBe(400 - units);
    expect(savedUnits).toBeGreaterThan(300);
  });

  it('puts the lines of several files without aggregation, one Kinesis record per line, with a fixed key', async () => {
    const stream = uniqueStreamName('cli-put-files');
    await createActiveStream(client(), stream, 1);
    const a = path.join(dir, 'a.txt');
    const b = path.join(dir, 'b.txt');
    await fs.writeFile(a, 'a1\na2\r\n\na3\n');
    await fs.writeFile(b, 'b1\nb2');
    const run = await runCli(['put', stream, a, b, '--no-aggregate', '--key', 'k1', ...endpoint()]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('put 5 of 5 records');
    expect(run.stderr).toContain('no aggregation: 5 Kinesis records, 5 PUT payload units');
    expect(run.stderr).toContain('1 empty line(s) skipped');
    const { records, kinesisRecords } = await readAllRecords(client(), stream);
    expect(kinesisRecords).toBe(5);
    expect(records.map((r) => [r.partitionKey, r.data, r.aggregated])).toEqual(
      ['a1', 'a2', 'a3', 'b1', 'b2'].map((d) => ['k1', d, false]),
    );
  });

  it('reports lines without the key path by number, sends the others, and exits 1', async () => {
    const stream = uniqueStreamName('cli-put-bad');
    await createActiveStream(client(), stream, 1);
    const tooBig = JSON.stringify({ device: { id: 'z' }, pad: 'x'.repeat(1100 * 1024) });
    const input = `{"device":{"id":"x"}}\n{"other":1}\nnot json\n{"device":{"id":"y"}}\n${tooBig}\n`;
    const run = await runCli(['put', stream, '--key-path', 'device.id', ...endpoint()], { input });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('failed: stdin:2: KEY_PATH: no field device.id; the line was not sent');
    expect(run.stderr).toContain('failed: stdin:3: KEY_PATH: the line is not JSON');
    // Above Kinesis's 1 MiB record limit: refused by the producer, reported by line.
    expect(run.stderr).toMatch(/failed: stdin:5: INVALID_RECORD: /);
    expect(run.stderr).toContain('3 record(s) were not stored');
    expect((await readAllRecords(client(), stream)).records.map((r) => r.partitionKey).sort()).toEqual(['x', 'y']);
  });

  it('refuses an unknown stream at once with exit code 3, a missing file too, and bad flags with 2', async () => {
    const unknown = await runCli(['put', 'no-such-stream-here', ...endpoint()], { input: 'a\n' });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('stream no-such-stream-here does not exist');
    const stream = uniqueStreamName('cli-put-nofile');
    await createActiveStream(client(), stream, 1);
    const missing = await runCli(['put', stream, path.join(dir, 'missing.jsonl'), ...endpoint()]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no file');
    const both = await runCli(['put', stream, '--key', 'a', '--key-path', 'b', ...endpoint()], { input: '' });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --key or --key-path, not both');
  });

  it('stops on Ctrl-C while stdin stays open: what was read is delivered, the summary printed, exit 130', async () => {
    const stream = uniqueStreamName('cli-put-stop');
    await createActiveStream(client(), stream, 1);
    const child = spawnCli(['put', stream, '--key', 'k', '--no-aggregate', ...endpoint()]);
    const done = collect(child, Date.now(), null);
    child.stdin?.write('l1\nl2\nl3\n');
    const deadline = Date.now() + 30_000;
    while ((await readAllRecords(client(), stream)).records.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const run = await done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('stopped: the lines read before Ctrl-C were sent');
    expect(run.stderr).toContain('put 3 of 3 records');
    expect((await readAllRecords(client(), stream)).records.map((r) => r.data)).toEqual(['l1', 'l2', 'l3']);
    child.stdin?.destroy();
  });
});
