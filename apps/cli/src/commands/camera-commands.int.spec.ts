/**
 * The camera commands as users run them (a child process) against the emulator, on media the test kit makes:
 * ffmpeg's H.264 test pattern put with PutMedia in two sessions 10 s apart (a 6 s gap between them), a camera
 * with many one-frame fragments (beyond one GetClip), and one with nothing. Files are read back by ffprobe;
 * playlists are fetched; bad input gives its message and exit code.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { promisify } from 'node:util';
import { CreateTableCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import {
  createActiveVideoStream,
  createArchivedMediaClient,
  createDynamoDbClient,
  createKinesisVideoClient,
  ffmpegTestPattern,
  listFragmentsByProducerTime,
  sendPutMedia,
  uniqueStreamName,
  uniqueTableName,
} from '@tributary/emulator/testing';
import { emulatorEnv, REPO_ROOT, runCli, type CliRun } from '../testing/stream-cli-kit';

interface Probe {
  codec: string;
  width: number;
  height: number;
  frames: number;
  durationSec: number;
}

async function probe(file: string): Promise<Probe> {
  const args = ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,nb_read_frames:format=duration', '-of', 'json', file];
  const { stdout } = await promisify(execFile)('/usr/bin/ffprobe', args);
  const out = JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[]; format: { duration?: string } };
  const s = out.streams[0];
  return { codec: s.codec_name, width: s.width, height: s.height, frames: Number(s.nb_read_frames), durationSec: Number(out.format.duration ?? 'NaN') };
}

/** The CLI with its stdout as bytes (clips and images on stdout). */
function runCliBinary(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'apps/cli/src/main.ts', ...args], { cwd: REPO_ROOT, env: emulatorEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

/** The CLI on a pseudo-terminal (`script`), stdout and stderr both the terminal; colours off, times in UTC. */
async function runOnTerminal(args: string[]): Promise<string> {
  const command = ['node', '--require', 'tsx/cjs', 'apps/cli/src/main.ts', ...args].map((a) => `'${a}'`).join(' ');
  const { stdout } = await promisify(execFile)('/usr/bin/script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, env: { ...emulatorEnv(), NO_COLOR: '1', TZ: 'UTC' } });
  return stdout;
}

/**
 * A TCP proxy to the emulator whose answers trickle back at `bytesPerSecond` (a slow download), so a clip is
 * still being written when the test presses Ctrl-C. Requests pass at full speed.
 */
async function startSlowDownloadProxy(targetPort: number, bytesPerSecond: number): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      // Hold the answer back: pause, hand over slices every 50 ms, resume when done.
      upstream.pause();
      const slice = Math.max(1, Math.floor(bytesPerSecond / 20));
      const next = (at: number): void => {
        if (at >= chunk.length || client.destroyed) {
          upstream.resume();
          return;
        }
        client.write(chunk.subarray(at, at + slice));
        setTimeout(() => next(at + slice), 50);
      };
      next(0);
    });
    const done = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const jsonLines = (run: CliRun): Record<string, unknown>[] => run.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

let emu: RunningEmulator;
let kvs: KinesisVideoClient;
let ddb: DynamoDBClient;
let tmp: string;
const prefix = uniqueStreamName('cli-cam');
const cam = `${prefix}-door`;
const busy = `${prefix}-busy`;
const empty = `${prefix}-empty`;
const healthTable = uniqueTableName('cli-camera-health');
/** Producer start of the first session; the second starts 10 s later (fragments of 1 s: a 6 s gap). */
let t0 = 0;
let livePattern: Promise<Buffer>;
const endpoint = (): string[] => ['--endpoint-url', emu.url];

async function putPattern(stream: string, startMs: number, pattern: Buffer): Promise<void> {
  const out = await sendPutMedia(emu.url, { streamName: stream, body: pattern, startTimestamp: (startMs / 1000).toFixed(3) });
  expect(out.status).toBe(200);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-cameras-'));
  const patterns = Promise.all([ffmpegTestPattern({ seconds: 4, fps: 25 }), ffmpegTestPattern({ seconds: 16, fps: 25, gop: 1 })]);
  emu = await startEmulator({ port: 0 });
  kvs = createKinesisVideoClient(emu.url);
  ddb = createDynamoDbClient(emu.url);
  await Promise.all([cam, busy, empty].map((s) => createActiveVideoStream(kvs, s)));
  const [pattern, oneFrameFragments] = await patterns;
  livePattern = Promise.resolve(pattern);
  t0 = Math.floor((Date.now() - 120_000) / 1000) * 1000;
  await putPattern(cam, t0, pattern);
  await putPattern(cam, t0 + 10_000, pattern);
  await putPattern(busy, t0, oneFrameFragments);
  await ddb.send(
    new CreateTableCommand({
      TableName: healthTable,
      KeySchema: [{ AttributeName: 'streamName', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'streamName', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const item = { streamName: cam, producerId: 'edge-1', state: 'streaming', fragmentsAcked: 8, fragmentsPerSecond: 1, bitrateKbps: 300, spooledFragments: 0, intervalMs: 5000, updatedAt: Date.now() };
  await ddb.send(new PutItemCommand({ TableName: healthTable, Item: marshall(item) }));
}, 60_000);

afterAll(async () => {
  kvs?.destroy();
  ddb?.destroy();
  await emu?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('tributary cameras', () => {
  it('lists the cameras as JSON lines in a pipe: status, retention, newest fragment, health, producer state', async () => {
    const run = await runCli(['cameras', '--prefix', prefix, '--health-table', healthTable, ...endpoint()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = jsonLines(run);
    expect(rows.map((r) => r['name'])).toEqual([busy, cam, empty]);
    const door = rows[1];
    expect(door).toMatchObject({ status: 'ACTIVE', retentionHours: 24, mediaType: 'video/h264', health: 'receiving', producer: { state: 'streaming', producerId: 'edge-1' } });
    expect(Date.now() - Date.parse(door['lastFragmentAt'] as string)).toBeLessThan(60_000);
    // The newest fragment of the second session: producer start + 10 s + 3 s.
    expect(door['lastProducerTimestamp']).toBe(iso(t0 + 13_000));
    expect(rows[2]).toMatchObject({ health: 'no data', lastFragmentAt: null, producer: null });
  });

  it('draws a table on a terminal, in local time', async () => {
    // `script` gives the CLI a pseudo-terminal: the same listing as a table.
    const tty = await runOnTerminal(['cameras', '--prefix', prefix, ...endpoint()]);
    const lines = tty.split(/\r?\n/).filter(Boolean);
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+RETENTION\s+LAST FRAGMENT\s+HEALTH$/);
    expect(lines[2]).toMatch(new RegExp(`^${cam}\\s+ACTIVE\\s+24 h\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} \\(.* ago\\)\\s+receiving$`));
    expect(lines[3]).toMatch(new RegExp(`^${empty}\\s+ACTIVE\\s+24 h\\s+-\\s+no data$`));
    expect(tty).not.toContain('\u001b[');
    // --json: the pipe's JSON lines on the terminal too.
    const json = (await runOnTerminal(['cameras', '--prefix', prefix, '--json', ...endpoint()])).split(/\r?\n/).filter(Boolean);
    expect(json.map((l) => (JSON.parse(l) as { name: string }).name)).toEqual([busy, cam, empty]);
  });

  it('says which table is missing (exit 3)', async () => {
    const run = await runCli(['cameras', '--prefix', prefix, '--health-table', 'no-such-table', ...endpoint()]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('table "no-such-table" not found');
  });
});

describe('tributary fragments', () => {
  it('lists every fragment in producer order with the gap marked, ISO UTC in JSON', async () => {
    const run = await runCli(['fragments', cam, '--from', iso(t0 - 1000), '--to', iso(t0 + 30_000), ...endpoint()]);
    expect(run.code).toBe(0);
    const rows = jsonLines(run);
    expect(rows.map((r) => Date.parse(r['producerTimestamp'] as string) - t0)).toEqual([0, 1000, 2000, 3000, 10_000, 11_000, 12_000, 13_000]);
    // The gap is the 6 s between the first session's end and the second's start, give or take a frame (40 ms)
    // of how the fragment duration is counted.
    const gaps = rows.map((r) => r['gapBeforeMs'] as number | undefined);
    expect(gaps.map((g) => g !== undefined)).toEqual([false, false, false, false, true, false, false, false]);
    expect(Math.abs((gaps[4] ?? 0) - 6000)).toBeLessThanOrEqual(40);
    for (const r of rows) {
      expect(r).toMatchObject({ fragmentNumber: expect.stringMatching(/^\d+$/), serverTimestamp: expect.stringMatching(/Z$/) });
      expect(Math.abs((r['durationMs'] as number) - 1000)).toBeLessThanOrEqual(40);
      expect(r['sizeBytes']).toBeGreaterThan(0);
    }
  });

  it('draws the timeline on a terminal: local times, the gap as a line of its own, a summary', async () => {
    const tty = await runOnTerminal(['fragments', cam, '--from', iso(t0 - 1000), '--to', iso(t0 + 30_000), ...endpoint()]);
    const lines = tty.split(/\r?\n/).filter(Boolean);
    expect(lines[0]).toMatch(/^PRODUCER TIME\s+SERVER TIME\s+DURATION\s+SIZE\s+FRAGMENT NUMBER$/);
    // TZ=UTC: local time is the ISO time without its T and Z.
    expect(lines[1]).toMatch(new RegExp(`^${iso(t0).replace('T', ' ').replace('Z', '')}\\s+\\S+ \\S+\\s+(1\\.0 s|960 ms)\\s+[\\d.]+ KiB\\s+\\d+$`));
    expect(lines[5]).toMatch(/^ {2}~~ gap of 6\.0 s ~~$/);
    expect(lines[lines.length - 1]).toMatch(/^8 fragments, .* of media, .*, 1 gap \(6\.0 s\)$/);
  });

  it('refuses a bad time, a reversed range and a bad duration (exit 2), saying what is accepted', async () => {
    // Usage errors end before any AWS call: the three runs go side by side.
    const cases: [string[], RegExp][] = [
      [['--from', 'yesterday'], /--from: cannot read "yesterday" as a time: a time is `now`/],
      [['--from', '-5m', '--to', '-10m'], /--from \(.*\) must be before --to/],
      [['--gap', '5x'], /option '--gap <duration>' argument '5x' is invalid. expected a duration/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(['fragments', cam, ...args, ...endpoint()])));
    runs.forEach((run, i) => {
      expect(run.stderr).toMatch(cases[i][1]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
    });
  });

  it('names an unknown camera and where it looked (exit 3)', async () => {
    const run = await runCli(['fragments', `${prefix}-nope`, ...endpoint()]);
    expect(run.stderr).toContain(`camera "${prefix}-nope" not found: no Kinesis video stream of that name at ${emu.url}`);
    expect(run.code).toBe(3);
  });
});

describe('tributary clip', () => {
  it('writes an MP4 that ffprobe decodes: H.264 320x240, 100 frames, 4 s', async () => {
    const file = path.join(tmp, 'door.mp4');
    const run = await runCli(['clip', cam, '--from', iso(t0), '--to', iso(t0 + 3000), '-o', file, ...endpoint()]);
    expect(run.stderr).toMatch(/^wrote .*door\.mp4: .*, 4 fragments/);
    expect(run.code).toBe(0);
    expect(jsonLines(run)).toEqual([{ file, bytes: fs.statSync(file).size, fragments: 4, from: iso(t0), to: iso(t0 + 3000) }]);
    const p = await probe(file);
    expect(p).toMatchObject({ codec: 'h264', width: 320, height: 240, frames: 100 });
    expect(p.durationSec).toBeCloseTo(4, 1);
    expect(fs.existsSync(`${file}.part`)).toBe(false);
  });

  it('streams the clip to stdout with -o -', async () => {
    const run = await runCliBinary(['clip', cam, '--from', iso(t0 + 10_000), '--to', iso(t0 + 11_000), '-o', '-', ...endpoint()]);
    expect(run.code).toBe(0);
    expect(run.stdout.toString('latin1', 4, 8)).toBe('ftyp');
    const file = path.join(tmp, 'stdout.mp4');
    fs.writeFileSync(file, run.stdout);
    expect(await probe(file)).toMatchObject({ codec: 'h264', frames: 50 });
  });

  it('refuses a range beyond one GetClip with the figures, and --split writes it as numbered files', async () => {
    const file = path.join(tmp, 'busy.mp4');
    const archived = await createArchivedMediaClient(kvs, busy);
    const stored = (await listFragmentsByProducerTime(archived, busy)).length;
    archived.destroy();
    expect(stored).toBeGreaterThan(200);
    const args = ['clip', busy, '--from', iso(t0), '--to', iso(t0 + 16_000), '-o', file, ...endpoint()];
    const refused = await runCli(args);
    expect(refused.stderr).toMatch(/the range holds \d+ fragments \(.*\): more than one GetClip returns \(200 fragments or 100 MB\); narrow --from\/--to, or add --split to write .*busy-1\.mp4 … .*busy-2\.mp4/);
    expect(refused.stderr).toContain(`the range holds ${stored} fragments`);
    expect(refused.code).toBe(2);
    expect(fs.existsSync(file)).toBe(false);
    const split = await runCli([...args, '--split']);
    expect(split.code).toBe(0);
    expect(jsonLines(split).map((r) => r['fragments'])).toEqual([200, stored - 200]);
    // Every frame of the 16 s pattern, each in exactly one of the two files.
    const frames = [(await probe(path.join(tmp, 'busy-1.mp4'))).frames, (await probe(path.join(tmp, 'busy-2.mp4'))).frames];
    expect(frames[0]).toBeGreaterThanOrEqual(200);
    expect(frames[0] + frames[1]).toBe(400);
  });

  it('shows a byte progress bar on a terminal', async () => {
    const tty = await runOnTerminal(['clip', busy, '--from', iso(t0), '--to', iso(t0 + 4000), '-o', path.join(tmp, 'tty.mp4'), ...endpoint()]);
    // The bar's total is the answer's Content-Length: it ends at the file's size, at 100 %.
    const size = fs.statSync(path.join(tmp, 'tty.mp4')).size;
    expect(tty).toContain(`100% | ${size}/${size} bytes`);
    expect(tty).toMatch(/wrote .*tty\.mp4: /);
  });

  it('ends quietly (exit 0) when the reader of stdout goes away', async () => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'apps/cli/src/main.ts', 'clip', busy, '--from', iso(t0), '--to', iso(t0 + 8000), '-o', '-', ...endpoint()], {
      cwd: REPO_ROOT,
      env: emulatorEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Like `| head -c 100`: read the first bytes, then close the pipe while the CLI still has much to write.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('stops on Ctrl-C in the middle of a download: exit 130, no partial file left', async () => {
    const proxy = await startSlowDownloadProxy(Number(new URL(emu.url).port), 100_000);
    const file = path.join(tmp, 'interrupted.mp4');
    try {
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'apps/cli/src/main.ts', 'clip', busy, '--from', iso(t0), '--to', iso(t0 + 8000), '-o', file, '--endpoint-url', proxy.url], {
        cwd: REPO_ROOT,
        env: emulatorEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      // Wait until the clip is being written (the .part file has bytes), then press Ctrl-C.
      for (let i = 0; i < 300 && !(fs.existsSync(`${file}.part`) && fs.statSync(`${file}.part`).size > 0); i++) await new Promise((r) => setTimeout(r, 50));
      expect(fs.statSync(`${file}.part`).size).toBeGreaterThan(0);
      const pressed = Date.now();
      child.kill('SIGINT');
      expect(await closed).toBe(130);
      expect(Date.now() - pressed).toBeLessThan(3000);
      expect(fs.existsSync(`${file}.part`)).toBe(false);
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('says it cannot write a file where no directory is (exit 1)', async () => {
    const file = path.join(tmp, 'no-such-dir', 'door.mp4');
    const run = await runCli(['clip', cam, '--from', iso(t0), '--to', iso(t0 + 1000), '-o', file, ...endpoint()]);
    expect(run.stderr).toContain(`cannot write ${file}: ENOENT`);
    expect(run.stderr).toContain('check the directory exists and is writable');
    expect(run.code).toBe(1);
  });

  it('says when the range holds nothing (exit 3)', async () => {
    const run = await runCli(['clip', cam, '--from', iso(t0 + 5000), '--to', iso(t0 + 8000), '-o', path.join(tmp, 'gap.mp4'), ...endpoint()]);
    expect(run.stderr).toContain(`no fragments of ${cam} between ${iso(t0 + 5000)} and ${iso(t0 + 8000)}`);
    expect(run.code).toBe(3);
  });
});

describe('tributary snapshot', () => {
  it('writes the JPEG of a moment, scaled when asked; the newest fragment without --at', async () => {
    const at = path.join(tmp, 'at.jpg');
    const run = await runCli(['snapshot', cam, '--at', iso(t0 + 1500), '--width', '160', '-o', at, ...endpoint()]);
    expect(run.stderr).toMatch(/^wrote .*at\.jpg: JPEG, /);
    expect(run.code).toBe(0);
    expect(await probe(at)).toMatchObject({ codec: 'mjpeg', width: 160, height: 120 });
    const latest = path.join(tmp, 'latest.jpg');
    const newest = await runCli(['snapshot', cam, '-o', latest, ...endpoint()]);
    expect(newest.code).toBe(0);
    expect(await probe(latest)).toMatchObject({ codec: 'mjpeg', width: 320, height: 240 });
  });

  it('says there is no image in a gap (exit 3)', async () => {
    const run = await runCli(['snapshot', cam, '--at', iso(t0 + 6500), '-o', path.join(tmp, 'none.jpg'), ...endpoint()]);
    expect(run.stderr).toContain(`no image of ${cam} at ${iso(t0 + 6500)}`);
    expect(run.code).toBe(3);
  });
});

describe('tributary watch', () => {
  it('prints only a URL in a pipe, whose live playlist fetches', async () => {
    // LIVE needs a fragment that ended in the last 30 s: a camera put to just now.
    const live = `${prefix}-live`;
    await createActiveVideoStream(kvs, live);
    await putPattern(live, Date.now() - 4000, await livePattern);
    const run = await runCli(['watch', live, ...endpoint()]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const playlist = await fetch(lines[0]);
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toMatch(/^#EXTM3U/);
  });

  it('says a camera with nothing recent is not live, and how to replay (exit 3)', async () => {
    const run = await runCli(['watch', empty, ...endpoint()]);
    expect(run.stderr).toContain(`no live media from ${empty}: no fragment ended in the last 30 s`);
    expect(run.stderr).toContain(`tributary watch ${empty} --from -5m`);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
  });

  it('makes an ON_DEMAND session of --from/--to, and opens it with --player', async () => {
    const opened = path.join(tmp, 'opened.txt');
    const player = path.join(tmp, 'player.sh');
    fs.writeFileSync(player, `#!/bin/sh\nprintf '%s' "$1" > ${opened}\n`, { mode: 0o755 });
    const run = await runCli(['watch', cam, '--from', iso(t0), '--to', iso(t0 + 3000), '--player', player, ...endpoint()]);
    expect(run.code).toBe(0);
    const url = run.stdout.trim();
    const master = await (await fetch(url)).text();
    const media = master.split('\n').find((l) => l && !l.startsWith('#'));
    const playlist = await (await fetch(new URL(media ?? '', url))).text();
    expect(playlist).toContain('#EXT-X-ENDLIST');
    for (let i = 0; i < 50 && !fs.existsSync(opened); i++) await new Promise((r) => setTimeout(r, 20));
    expect(fs.readFileSync(opened, 'utf8')).toBe(url);
  });

  it('refuses a range without its start, a mode against the range and a bad expiry (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--to', '-1m'], /--to needs --from/],
      [['--mode', 'LIVE', '--from', '-1m'], /--mode LIVE plays the live edge/],
      [['--expires', '1m'], /expected 5m to 12h/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(['watch', cam, ...args, ...endpoint()])));
    runs.forEach((run, i) => {
      expect(run.stderr).toMatch(cases[i][1]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
    });
  });

  it('suggests the command meant when one is mistyped (exit 2)', async () => {
    const run = await runCli(['camera', ...endpoint()]);
    expect(run.stderr).toMatch(/unknown command 'camera'[\s\S]*Did you mean cameras\?/);
    expect(run.code).toBe(2);
  });
});
