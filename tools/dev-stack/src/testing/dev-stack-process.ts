/**
 * The whole stack for other suites' tests: runs the real `npm start` entry (tools/dev-stack/src/main.ts) as a child
 * process on a temporary data folder and free ports, waits for its "tributary is ready" line and hands back the
 * URLs and the local API key. `stop()` sends SIGINT (the ordered stop) and waits; whatever happens, every process
 * the stack started is gone when the test process exits.
 *
 *   const stack = await startDevStack();
 *   afterAll(() => stack.stop());
 *
 * The entry runs as `node --import tsx main.ts` (what `npm start`'s `tsx` runs, without tsx's CLI wrapper): one
 * process, so SIGINT reaches dev-stack itself; the wrapper would relay it and SIGKILL dev-stack if the relay is
 * not confirmed within 30 ms, which on a busy machine would orphan the stack's children.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts } from '../free-port';
import { READY_LINE } from '../banner';
import { credentialFile, type LocalCredential } from '../local-credential';
import { PORT_SETTINGS, type PortName, type StackPorts } from '../stack-plan';

const ROOT = path.resolve(__dirname, '../../../..');
const ENTRY = path.join(ROOT, 'tools/dev-stack/src/main.ts');

export interface DevStackProcessOptions {
  /** Data folder to use (e.g. a second start on the first one's folder); default a new temporary folder. */
  dataDir?: string;
  /** Remove the data folder after stop() (default: only a folder the starter created). */
  removeDataDir?: boolean;
  /** Extra environment for the stack (e.g. `DEV_STACK_DEVICES`, `LOG_LEVEL`). */
  env?: Record<string, string>;
  /** How long to wait for the ready line (default 180 s: the first start compiles every app with tsx). */
  readyTimeoutMs?: number;
  /** Also write the stack's output to this process's stderr (debugging). */
  echo?: boolean;
}

export interface StopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DevStackProcess {
  emulatorUrl: string;
  gatewayUrl: string;
  dashboardUrl: string;
  telemetryUrl: string;
  /** `/healthz` bases of the two consumer workers and the video producer. */
  consumerUrls: [string, string];
  videoProducerUrl: string;
  ports: StackPorts;
  /** The local credential's plaintext key (scopes video:read telemetry:read telemetry:write). */
  apiKey: string;
  dataDir: string;
  /** The stack's output so far, one entry per line (stdout and stderr), live. */
  logs: string[];
  /** dev-stack's pid. */
  pid: number;
  /** SIGINT, wait for the ordered stop (then force if it takes longer than `timeoutMs`, default 90 s). Idempotent. */
  stop(timeoutMs?: number): Promise<StopResult>;
}

/** Every stack started by this process, for the last-resort cleanup at exit. */
const live = new Set<{ child: ChildProcess; dataDir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const s of live) killEverything(s.child, s.dataDir);
  });
}

export async function startDevStack(options: DevStackProcessOptions = {}): Promise<DevStackProcess> {
  installExitHook();
  const createdDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dev-stack-test-'));
  const ports = {} as StackPorts;
  const portEnv: Record<string, string> = {};
  const names = Object.keys(PORT_SETTINGS) as PortName[];
  const picked = await freePorts(names.length);
  names.forEach((name, i) => {
    ports[name] = picked[i] as number;
    portEnv[PORT_SETTINGS[name].env] = String(ports[name]);
  });
  const env: NodeJS.ProcessEnv = { ...process.env, ...portEnv, TRIBUTARY_DATA_DIR: dataDir, NO_COLOR: '1', ...options.env };
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { child, dataDir };
  live.add(entry);

  const logs: string[] = [];
  const exited = new Promise<StopResult>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        if (options.echo) process.stderr.write(line + '\n');
        if (line.includes(READY_LINE)) readyResolve();
      }
    });
  }

  let stopped: Promise<StopResult> | undefined;
  const stop = (timeoutMs = 90_000): Promise<StopResult> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([exited, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))]);
      clearTimeout(timer);
      if (result === 'timeout') {
        killEverything(child, dataDir);
        await exited;
      }
      // Children of a dev-stack that died abruptly are still recorded in its pid file.
      killEverything(child, dataDir);
      live.delete(entry);
      if (options.removeDataDir ?? createdDir) fs.rmSync(dataDir, { recursive: true, force: true });
      return result === 'timeout' ? { code: null, signal: 'SIGKILL' } : result;
    })();
    return stopped;
  };

  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await stop(15_000);
    const tail = logs.slice(-40).join('\n');
    throw new Error(outcome === 'exited' ? `dev-stack exited before it was ready:\n${tail}` : `dev-stack not ready within ${timeoutMs / 1000} s:\n${tail}`);
  }

  const credential = JSON.parse(fs.readFileSync(credentialFile(dataDir), 'utf8')) as LocalCredential;
  const url = (port: number): string => `http://127.0.0.1:${port}`;
  return {
    emulatorUrl: url(ports.emulator),
    gatewayUrl: url(ports.gateway),
    dashboardUrl: `${url(ports.gateway)}/dashboard`,
    telemetryUrl: url(ports.telemetryProducer),
    consumerUrls: [url(ports.consumer1), url(ports.consumer2)],
    videoProducerUrl: url(ports.videoProducer),
    ports,
    apiKey: credential.apiKey,
    dataDir,
    logs,
    pid: child.pid ?? -1,
    stop,
  };
}

/** SIGKILL dev-stack and the process groups of the children its pid file lists (each child leads its own group). */
function killEverything(child: ChildProcess, dataDir: string): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  let pids: number[] = [];
  try {
    pids = (JSON.parse(fs.readFileSync(path.join(dataDir, 'dev-stack', 'children.json'), 'utf8')) as { children?: number[] }).children ?? [];
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: already gone.
    }
  }
}
