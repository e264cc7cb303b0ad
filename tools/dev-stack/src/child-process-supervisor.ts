/**
 * Runs the stack's parts as child processes: spawns each (`node --import tsx <entry>`: one process per part, so a
 * signal reaches the app itself and not a wrapper that relays it), pipes its output through the log prefixer, polls
 * its readiness URL, notices when it dies, and stops the parts stage by stage.
 *
 * Each child gets its own process group (`detached`): a Ctrl-C in the terminal then reaches dev-stack alone, which
 * stops the parts in order instead of all at once. The price is that dev-stack must never leave them behind: a
 * forced stop kills the groups (the app and its ffmpeg), and so does dev-stack's own exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { DevStackError } from './dev-stack-error';
import { createLogPrefixer, LineSplitter, PART_COLORS } from './log-prefixer';
import type { ProgressReporter } from './progress-reporter';
import type { PartSpec } from './stack-plan';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SupervisorOptions {
  rootDir: string;
  /** Inherited environment (already cleaned); each part's env goes on top. */
  baseEnv: Record<string, string>;
  /** Writes one line of output (no newline). */
  write: (line: string) => void;
  progress: ProgressReporter;
  color: boolean;
  /** Width of the `[part]` prefix. */
  nameWidth: number;
  /** How long a part may take to answer its readiness URL (default 120 s: tsx compiles on first start). */
  readyTimeoutMs?: number;
  /** How long a part may take to stop after SIGINT before it is killed (default 45 s: producers drain). */
  stopTimeoutMs?: number;
  /** Called when a part exits on its own after it was ready. */
  onUnexpectedExit?: (part: string, reason: string) => void;
  /** Called whenever the set of running children changes (for the pid file). */
  onChildrenChanged?: (pids: number[]) => void;
}

interface RunningPart {
  spec: PartSpec;
  child: ChildProcess;
  /** Last output lines, for a failure message. */
  tail: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  stopping: boolean;
}

const TAIL_LINES = 15;

export class ChildProcessSupervisor {
  private readonly parts = new Map<string, RunningPart>();
  private readonly ready = new Set<RunningPart>();
  private colorIndex = 0;
  private stoppingAll = false;

  constructor(private readonly options: SupervisorOptions) {}

  /** Spawns the part and resolves once its readiness URL answers 200; rejects (naming the part and why) otherwise. */
  async start(spec: PartSpec): Promise<void> {
    const { progress } = this.options;
    progress.report(spec.name, 'starting', `(${spec.entry}, port ${spec.port})`);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(this.options.rootDir, spec.entry), ...spec.args], {
      cwd: this.options.rootDir,
      env: { ...this.options.baseEnv, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const format = createLogPrefixer({
      app: spec.name,
      width: this.options.nameWidth,
      color: this.options.color,
      colorCode: PART_COLORS[this.colorIndex++ % PART_COLORS.length],
    });
    const part: RunningPart = {
      spec,
      child,
      tail: [],
      stopping: false,
      exited: new Promise((resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal }));
        // spawn itself failed (no node?): report it as an exit.
        child.once('error', () => resolve({ code: null, signal: null }));
      }),
    };
    this.parts.set(spec.name, part);
    this.childrenChanged();
    for (const stream of [child.stdout, child.stderr]) {
      const splitter = new LineSplitter();
      const emit = (lines: string[]): void => {
        for (const line of lines) {
          part.tail.push(line);
          if (part.tail.length > TAIL_LINES) part.tail.shift();
          this.options.write(format(line));
        }
      };
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => emit(splitter.push(chunk)));
      stream?.on('end', () => emit(splitter.flush()));
    }
    void part.exited.then((exit) => {
      part.exit = exit;
      this.childrenChanged();
      if (!part.stopping && !this.stoppingAll && this.ready.has(part)) {
        this.options.onUnexpectedExit?.(spec.name, `${describeExit(exit)}${lastLines(part)}`);
      }
    });

    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 120_000);
    for (;;) {
      if (part.exit) {
        throw new DevStackError('PART_FAILED', `${spec.name} ${describeExit(part.exit)} before it was ready${lastLines(part)}`, false, { part: spec.name });
      }
      if (this.stoppingAll) throw new DevStackError('PART_NOT_READY', `${spec.name}: the stack is stopping`, false, { part: spec.name });
      if (await answers200(spec.readyUrl)) break;
      if (Date.now() > deadline) {
        throw new DevStackError('PART_NOT_READY', `${spec.name} did not answer ${spec.readyUrl} with 200 within ${(this.options.readyTimeoutMs ?? 120_000) / 1000} s${lastLines(part)}`, true, {
          part: spec.name,
        });
      }
      await Promise.race([sleep(250), part.exited]);
    }
    this.ready.add(part);
    progress.report(spec.name, 'ready', `(${spec.readyUrl.replace(/\/(healthz|readyz)$/, '')})`);
  }

  /** pids of the children still running. */
  pids(): number[] {
    return [...this.parts.values()].filter((p) => !p.exit && p.child.pid !== undefined).map((p) => p.child.pid as number);
  }

  /**
   * Stops every part, stage by stage (PartSpec.stopStage, ascending; a stage's parts together): SIGINT, then a
   * wait for the exit, up to the stop timeout, after which the part's process group is killed.
   */
  async stopAll(): Promise<void> {
    this.stoppingAll = true;
    const stages = [...new Set([...this.parts.values()].map((p) => p.spec.stopStage))].sort((a, b) => a - b);
    for (const stage of stages) {
      const parts = [...this.parts.values()].filter((p) => p.spec.stopStage === stage);
      await Promise.all(parts.map((p) => this.stopPart(p)));
    }
  }

  private async stopPart(part: RunningPart): Promise<void> {
    const { progress } = this.options;
    if (part.exit) {
      progress.report(part.spec.name, 'stopped', `(earlier: it ${describeExit(part.exit)})`);
      return;
    }
    part.stopping = true;
    progress.report(part.spec.name, 'stopping');
    signal(part, 'SIGINT', false);
    const timeoutMs = this.options.stopTimeoutMs ?? 45_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([part.exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      progress.report(part.spec.name, 'failed', `did not stop within ${timeoutMs / 1000} s: killed`);
      signal(part, 'SIGKILL', true);
      await part.exited;
      return;
    }
    progress.report(part.spec.name, 'stopped', `(${describeExit(result)})`);
  }

  /** The second Ctrl-C: kill every part's process group now (the app and anything it started, e.g. ffmpeg). */
  forceStopAll(): void {
    this.stoppingAll = true;
    for (const part of this.parts.values()) {
      if (!part.exit) {
        part.stopping = true;
        signal(part, 'SIGKILL', true);
      }
    }
  }

  /** Resolves once every spawned child has exited. */
  async allExited(): Promise<void> {
    await Promise.all([...this.parts.values()].map((p) => p.exited));
  }

  private childrenChanged(): void {
    this.options.onChildrenChanged?.(this.pids());
  }
}

function signal(part: RunningPart, sig: NodeJS.Signals, group: boolean): void {
  const pid = part.child.pid;
  if (pid === undefined) return;
  try {
    // A negative pid addresses the process group the detached child leads.
    process.kill(group ? -pid : pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.code === null) return 'could not be started';
  return `exited with code ${exit.code}`;
}

function lastLines(part: RunningPart): string {
  return part.tail.length === 0 ? '' : `; its last output:\n    ${part.tail.join('\n    ')}`;
}

async function answers200(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

