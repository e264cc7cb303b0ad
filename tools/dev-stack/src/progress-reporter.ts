/**
 * dev-stack's own lines (`[dev-stack] <part> starting…`, `… ready in 2.1 s`, `… failed: …`, `… stopped`), so a
 * person sees what the stack is waiting for and the int spec can check the order of the stop.
 */
export type ProgressState = 'starting' | 'ready' | 'failed' | 'stopping' | 'stopped' | 'info';

export interface ProgressReporterOptions {
  write: (line: string) => void;
  color: boolean;
  /** Width the part names are padded to. */
  nameWidth?: number;
  now?: () => number;
}

const STATE_COLORS: Record<ProgressState, number> = { starting: 33, ready: 32, failed: 31, stopping: 33, stopped: 90, info: 39 };

export class ProgressReporter {
  private readonly started = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: ProgressReporterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** `detail` follows the state word; the time since `starting`/`stopping` is added to `ready`/`stopped`. */
  report(part: string, state: ProgressState, detail = ''): void {
    const t = this.now();
    let elapsed = '';
    if (state === 'starting' || state === 'stopping') this.started.set(part, t);
    if (state === 'ready' || state === 'stopped') {
      const since = this.started.get(part);
      if (since !== undefined) elapsed = ` in ${((t - since) / 1000).toFixed(1)} s`;
    }
    if (state === 'ready' || state === 'stopped' || state === 'failed') this.started.delete(part);
    const suffix: Partial<Record<ProgressState, string>> = { starting: '…', stopping: '…', failed: ':' };
    const word = state === 'info' ? '' : `${state}${suffix[state] ?? ''}${elapsed}`;
    const text = [part.padEnd(this.options.nameWidth ?? 0), word, detail].filter((s) => s !== '').join(' ');
    this.options.write(this.tag() + (this.options.color ? `\u001b[${STATE_COLORS[state]}m${text}\u001b[39m` : text));
  }

  /** A free-form line under dev-stack's tag (the banner, hints). */
  line(text: string): void {
    this.options.write(this.tag() + text);
  }

  private tag(): string {
    return this.options.color ? '\u001b[1m[dev-stack]\u001b[22m ' : '[dev-stack] ';
  }
}
