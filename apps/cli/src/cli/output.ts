import pc from 'picocolors';
import { SingleBar, Presets } from 'cli-progress';

export type Colors = ReturnType<typeof pc.createColors>;

/** The stream surface Output uses (process.stdout/stderr in the CLI, fakes in specs). */
export interface OutStream {
  isTTY?: boolean;
  write(chunk: string | Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/**
 * Whether to colour a stream: only a terminal, never with NO_COLOR (any non-empty value, no-color.org), and
 * FORCE_COLOR (non-empty, not "0") for the rare pipe that wants them.
 */
export function colorsEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR']) return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0') return true;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

/** A progress bar on a terminal; the same calls do nothing in a pipe (no bar characters in a log file). */
export interface Progress {
  update(value: number, total?: number): void;
  increment(by?: number): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { update: () => undefined, increment: () => undefined, stop: () => undefined };

/**
 * Where commands write: results on stdout, messages and progress on stderr. Writes to stdout keep Node's
 * backpressure (write returns a promise to await when the pipe is full) and a reader that went away
 * (EPIPE: `tributary tail … | head -1`) is not an error: `onStdoutClosed` fires once, and main.ts ends quietly
 * with exit code 0.
 */
export class Output {
  /** stdout is a terminal: tables and colours there, JSON lines in a pipe. */
  readonly isTty: boolean;
  /** Colours for stdout (no-ops in a pipe or with NO_COLOR). */
  readonly colors: Colors;
  /** Colours for stderr. */
  readonly errColors: Colors;
  private closed = false;
  /** One promise for every writer waiting on a full pipe (a listener each would pile up with many shards). */
  private drained: Promise<void> | undefined;
  private readonly closedListeners: Array<() => void> = [];

  constructor(
    private readonly stdout: OutStream = process.stdout,
    private readonly stderr: OutStream = process.stderr,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.isTty = stdout.isTTY === true;
    this.colors = pc.createColors(colorsEnabled(stdout, env));
    this.errColors = pc.createColors(colorsEnabled(stderr, env));
    stdout.on('error', (error) => this.onStdoutError(error));
  }

  /** Whether stdout's reader has gone; commands stop producing output when it has. */
  get stdoutClosed(): boolean {
    return this.closed;
  }

  /** Calls `listener` once when stdout's reader goes away (EPIPE). */
  onStdoutClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closedListeners.push(listener);
  }

  /**
   * Writes to stdout. Returns undefined when the chunk was taken, or a promise that settles when the pipe has
   * room again (await it before writing more; callers that batch write rarely, so the check is cheap).
   */
  write(chunk: string | Uint8Array): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (this.stdout.write(chunk)) return undefined;
    this.drained ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.drained = undefined;
        resolve();
      };
      this.stdout.once('drain', done);
      this.onStdoutClosed(done);
    });
    return this.drained;
  }

  /** Writes a line to stdout (see write). */
  line(text: string): Promise<void> | undefined {
    return this.write(`${text}\n`);
  }

  /** A message for the user on stderr (not part of the results). */
  info(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** A warning on stderr, `tributary: warning: …`. */
  warn(text: string): void {
    this.stderr.write(`${this.errColors.yellow('tributary: warning:')} ${text}\n`);
  }

  /** An error on stderr, `tributary: …`. */
  error(text: string): void {
    this.stderr.write(`${this.errColors.red('tributary:')} ${text}\n`);
  }

  /** A progress bar on stderr when stderr is a terminal; otherwise a Progress that does nothing. */
  progress(label: string, total: number, unit = ''): Progress {
    if (this.stderr.isTTY !== true || this.env['CI']) return NO_PROGRESS;
    const bar = new SingleBar(
      {
        format: `${label} {bar} {percentage}% | {value}/{total}${unit ? ` ${unit}` : ''} | {eta_formatted}`,
        stream: this.stderr as unknown as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return {
      update: (value, newTotal) => {
        if (newTotal !== undefined) bar.setTotal(newTotal);
        bar.update(value);
      },
      increment: (by = 1) => bar.increment(by),
      stop: () => bar.stop(),
    };
  }

  private onStdoutError(error: NodeJS.ErrnoException): void {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') {
      this.stderr.write(`tributary: cannot write to stdout: ${error.message}\n`);
    }
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closedListeners.splice(0)) listener();
  }
}
