/**
 * The real video producer in a child process for the end-to-end suites (apps do not import apps):
 * `tsx apps/video-producer/src/main.ts` with the test pattern, pointed at the emulator through AWS's own variables
 * and dummy credentials, exactly as it is deployed. Ready when it logs `ready`; stop() sends SIGTERM, on which it
 * drains its spool and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '../../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(ROOT, 'apps/video-producer/src/main.ts');

export interface VideoProducerProcessOptions {
  /** AWS_ENDPOINT_URL: the emulator. */
  endpoint: string;
  stream: string;
  /** Fragment length = keyframe interval (500–10 000 ms). Default 1000. */
  fragmentMs?: number;
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  /** How long to wait for `ready`. Default 30 s. */
  startTimeoutMs?: number;
}

export interface VideoProducerProcess {
  /** Its /healthz and /metrics URL. */
  url: string;
  child: ChildProcess;
  /** The last lines it logged (diagnostics when a test fails). */
  recentOutput(): string[];
  /** SIGTERM, then its exit code; removes its spool folder. */
  stop(): Promise<number | null>;
}

export async function startVideoProducerProcess(options: VideoProducerProcessOptions): Promise<VideoProducerProcess> {
  const spoolDir = mkdtempSync(join(tmpdir(), 'gateway-e2e-spool-'));
  // prettier-ignore
  const args = [
    MAIN,
    '--stream', options.stream, '--source', 'testsrc', '--fragment-ms', String(options.fragmentMs ?? 1000),
    '--width', String(options.width ?? 320), '--height', String(options.height ?? 240), '--fps', String(options.fps ?? 25),
    '--bitrate', String(options.bitrateKbps ?? 400), '--preset', 'ultrafast',
    '--spool-dir', spoolDir, '--spool-fsync', 'off', '--create-stream', 'on',
    '--host', '127.0.0.1', '--port', '0', '--shutdown-timeout', '5000', '--log-level', 'info',
  ];
  const child = spawn(TSX, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: options.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  const recent: string[] = [];
  const keep = (line: string): void => {
    recent.push(line);
    if (recent.length > 100) recent.shift();
  };
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', keep);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`video producer not ready after ${options.startTimeoutMs ?? 30_000} ms:\n${recent.join('\n')}`));
    }, options.startTimeoutMs ?? 30_000);
    let ready = false;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      keep(line);
      if (ready) return;
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'ready') {
          ready = true;
          clearTimeout(timer);
          done(entry.url ?? '');
        }
      } catch {
        // not a log line of pino's
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) fail(new Error(`video producer exited with ${code} before ready:\n${recent.join('\n')}`));
    });
  });
  let stopping: Promise<number | null> | undefined;
  return {
    url,
    child,
    recentOutput: () => [...recent],
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const code = await exited;
        clearTimeout(timer);
        rmSync(spoolDir, { recursive: true, force: true });
        return code;
      })()),
  };
}
