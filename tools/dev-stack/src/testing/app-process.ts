/**
 * Test kit of the cross-app suites: an app's main.ts as operators run it (a child process, `node --require
 * tsx/cjs`, configured by flags and environment alone: apps never import each other), its JSON log lines, and a
 * round-robin HTTP proxy that plays the load balancer in front of several instances.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface LogLine {
  msg?: string;
  [key: string]: unknown;
}

export interface AppProcess {
  readonly name: string;
  readonly process: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: LogLine[];
  output(): string;
  /** The first log line whose msg is `msg` (rejects when the process exits first). */
  waitForLog(msg: string): Promise<LogLine>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `apps/<app>/src/main.ts` with `args` and only `env` (plus PATH and HOME). */
export function startApp(name: string, app: string, args: string[], env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', `apps/${app}/src/main.ts`, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters: { msg: string; resolve: (l: LogLine) => void }[] = [];
  let text = '';
  let pending = '';
  child.stdout?.on('data', (d: Buffer) => {
    text += d.toString();
    pending += d.toString();
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        continue; // not a log line
      }
      logs.push(parsed);
      for (const w of waiters.filter((w) => w.msg === parsed.msg)) w.resolve(parsed);
    }
  });
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    name,
    process: child,
    logs,
    output: () => text,
    waitForLog(msg) {
      const seen = logs.find((l) => l.msg === msg);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ msg, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`${name} exited (${code ?? signal}) before logging "${msg}":\n${text}`)));
      });
    },
    exited,
    async stop(timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface RoundRobinProxy {
  readonly url: string;
  /** Requests forwarded to each backend, by its index. */
  readonly forwarded: number[];
  close(): Promise<void>;
}

/**
 * A load balancer in the small: each request goes to the next backend in turn (per request, not per connection,
 * as an HTTP load balancer does), the answer comes back with `x-backend: <index>`. No retries: a failed upstream
 * request is a 502, as a balancer without retries answers.
 */
export async function startRoundRobinProxy(backends: readonly string[]): Promise<RoundRobinProxy> {
  const forwarded = backends.map(() => 0);
  let next = 0;
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const index = next;
    next = (next + 1) % backends.length;
    forwarded[index] = (forwarded[index] ?? 0) + 1;
    const target = new URL(req.url ?? '/', backends[index]);
    const upstream = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host }, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, { ...up.headers, 'x-backend': String(index) });
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', 'x-backend': String(index) });
      res.end(`upstream ${index} failed: ${err.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The value of a Prometheus sample (`name{labels} value`), or undefined when the text has no such line. */
export function metricValue(metricsText: string, sample: string): number | undefined {
  for (const line of metricsText.split('\n')) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return undefined;
}
