/**
 * The progress file of `replay`: the identities (replay-item.ts) of the records Kinesis acknowledged, one per
 * line, after a first line naming the target stream. A re-run with the same file skips them, so a replay stopped
 * with Ctrl-C (which waits for the records in flight and writes their identities) resumes without resending.
 *
 * An identity is written only after its record is acknowledged, in batches every `flushIntervalMs` (fsync'd), so
 * the guarantee has a bound: a crash (kill -9, power) may lose the last interval's lines and those records are
 * sent again on the next run: at least once, never lost; exactly once after a clean stop. A line cut short by a
 * crash is ignored on reading and closed with a newline before appending.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { CliError, usageError } from '../../cli/cli-error';

const HEADER = '# tributary replay progress; target stream: ';

export class ReplayProgressStore {
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly filePath: string,
    private readonly done: Set<string>,
    private readonly handle: FileHandle,
    private readonly flushIntervalMs: number,
  ) {}

  /** Opens (or creates) the file for a replay into `target`; refuses a file written for another target. */
  static async open(filePath: string, target: string, flushIntervalMs = 250): Promise<ReplayProgressStore> {
    const done = new Set<string>();
    let text = '';
    try {
      text = await fs.readFile(filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(filePath, error);
    }
    // After the last newline comes '' or a line torn by a crash: only the lines before it count.
    const complete = text.split('\n').slice(0, -1);
    if (complete.length > 0 && complete[0] !== `${HEADER}${target}`) {
      throw usageError(`${filePath} records a replay into another stream (${complete[0].slice(HEADER.length) || 'unknown'}); give another --progress-file`);
    }
    for (const line of complete.slice(1)) if (line !== '') done.add(line);
    let handle: FileHandle;
    try {
      await fs.mkdir(path.dirname(filePath), { recursive: true });
      handle = await fs.open(filePath, 'a');
      if (text.length > 0 && !text.endsWith('\n')) await handle.write('\n');
      if (complete.length === 0) await handle.write(`${HEADER}${target}\n`);
      await handle.sync();
    } catch (error) {
      throw ioError(filePath, error);
    }
    return new ReplayProgressStore(filePath, done, handle, flushIntervalMs);
  }

  /** Identities already delivered (by earlier runs, or this one). */
  get size(): number {
    return this.done.size;
  }

  has(id: string): boolean {
    return this.done.has(id);
  }

  /** Records an acknowledged identity; written with the next batch. */
  add(id: string): void {
    if (this.done.has(id)) return;
    this.done.add(id);
    this.pending.push(id);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.flushIntervalMs);
  }

  /** Writes and fsyncs what was added so far. */
  flush(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (lines.length === 0) return;
      try {
        await this.handle.write(`${lines.join('\n')}\n`);
        await this.handle.sync();
      } catch (error) {
        throw ioError(this.filePath, error);
      }
    });
    return this.writing;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }
}

function ioError(filePath: string, error: unknown): CliError {
  return new CliError('IO_FAILURE', `cannot use the progress file ${filePath}: ${(error as Error).message}`, { cause: error });
}
