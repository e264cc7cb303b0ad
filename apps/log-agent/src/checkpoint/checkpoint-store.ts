/**
 * Where each tailed file got to, one JSON file per agent (agent.json `checkpointFile`), so that a restart resumes
 * every file where its acknowledged bytes end.
 *
 * Layout: `{ "version": 1, "files": [ { flow, path, dev, ino, fingerprintBytes, fingerprint, offset,
 * updatedAt } ] }`. An entry is found by flow and identity (dev + inode + fingerprint of the first bytes), never
 * by path: a file renamed by rotation while the agent was down resumes at its offset, and a new file that reuses
 * a recycled inode is not mistaken for it. The agent's SQLiteFileCheckpointStore keys rows by (flow, path) and
 * keeps the inode beside them; its default TTL of 7 days (`checkpointTimeToLiveDays`, deleteOldData) is kept:
 * entries not updated for that long are dropped at load.
 *
 * Crash safety: each save writes `<file>.tmp`, fsyncs it, renames it over the file and fsyncs the directory, so
 * the file on disk is always a whole old or a whole new version. A `.tmp` left by a crash mid-write is torn by
 * definition and is deleted unread at open. The Java agent's file at the same path is an SQLite database: it is
 * refused by name rather than overwritten (switching back must stay possible).
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { systemClock, type Clock } from '@tributary/runtime';
import { TailingError } from '../tailing/tailing-error';

export interface CheckpointEntry {
  flow: string;
  /** The path the file was last seen under (for people reading the file; matching is by identity). */
  path: string;
  dev: string;
  ino: string;
  fingerprintBytes: number;
  fingerprint: string;
  /** Bytes before it were acknowledged by Kinesis (or needed no record). */
  offset: number;
  /** When the entry last changed (ms since the epoch). */
  updatedAt: number;
}

export interface CheckpointStoreOptions {
  path: string;
  /** fsync file and directory on each save (default true; off only for benchmarks on throwaway disks). */
  fsync?: boolean;
  /** Entries not updated for this many days are dropped at open (the agent's checkpointTimeToLiveDays, 7). */
  ttlDays?: number;
  clock?: Clock;
}

const SQLITE_MAGIC = 'SQLite format 3\0';
const DAY_MS = 86_400_000;

export class CheckpointStore {
  private readonly entries = new Map<string, CheckpointEntry>();
  private dirty = false;
  private writing: Promise<void> | undefined;
  private readonly fsync: boolean;
  private readonly clock: Clock;

  private constructor(
    readonly path: string,
    options: CheckpointStoreOptions,
  ) {
    this.fsync = options.fsync ?? true;
    this.clock = options.clock ?? systemClock;
  }

  /** Loads the file (missing: empty), deleting a torn `.tmp` and entries past their TTL. */
  static async open(options: CheckpointStoreOptions): Promise<CheckpointStore> {
    const store = new CheckpointStore(options.path, options);
    await unlink(`${options.path}.tmp`).catch(() => undefined);
    let bytes: Buffer;
    try {
      bytes = await readFile(options.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return store;
      throw new TailingError('CHECKPOINT_UNREADABLE', `checkpoint file ${options.path} cannot be read`, false, { cause: error });
    }
    const oldest = store.clock.now() - (options.ttlDays ?? 7) * DAY_MS;
    for (const entry of parseCheckpointFile(options.path, bytes)) {
      if (entry.updatedAt >= oldest) store.entries.set(keyOf(entry.flow, entry.dev, entry.ino), entry);
    }
    return store;
  }

  /** The entries of one flow (to resume its files). */
  entriesOf(flow: string): CheckpointEntry[] {
    return [...this.entries.values()].filter((e) => e.flow === flow);
  }

  get(flow: string, dev: string, ino: string): CheckpointEntry | undefined {
    return this.entries.get(keyOf(flow, dev, ino));
  }

  /** Records a file's checkpoint in memory; `flush` writes it. */
  set(entry: Omit<CheckpointEntry, 'updatedAt'>): void {
    const key = keyOf(entry.flow, entry.dev, entry.ino);
    const old = this.entries.get(key);
    if (
      old &&
      old.offset === entry.offset &&
      old.path === entry.path &&
      old.fingerprint === entry.fingerprint &&
      old.fingerprintBytes === entry.fingerprintBytes
    ) {
      return;
    }
    this.entries.set(key, { ...entry, updatedAt: this.clock.now() });
    this.dirty = true;
  }

  /** Forgets a file (done, or its inode now holds another file). */
  remove(flow: string, dev: string, ino: string): void {
    if (this.entries.delete(keyOf(flow, dev, ino))) this.dirty = true;
  }

  /**
   * Writes the entries if anything changed since the last write. A call while a write runs waits for it and then
   * writes again if needed, so every change made before the call is on disk when the promise resolves.
   */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
    if (!this.dirty) return;
    this.dirty = false;
    const body = JSON.stringify({ version: 1, files: [...this.entries.values()] }, null, 1);
    this.writing = this.writeAtomically(body)
      .catch((error: unknown) => {
        this.dirty = true;
        throw new TailingError('CHECKPOINT_WRITE_FAILED', `checkpoint file ${this.path} could not be written`, true, { cause: error });
      })
      .finally(() => {
        this.writing = undefined;
      });
    return this.writing;
  }

  private async writeAtomically(body: string): Promise<void> {
    const tmp = `${this.path}.tmp`;
    await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(body);
      if (this.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
    if (this.fsync) {
      // The rename is durable only once the directory entry is: fsync the directory too.
      const dir = await open(dirname(this.path), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
  }
}

function keyOf(flow: string, dev: string, ino: string): string {
  return `${flow}\n${dev}:${ino}`;
}

/** Parses and validates the file's layout; anything else is refused by name (never half-read). */
export function parseCheckpointFile(path: string, bytes: Buffer): CheckpointEntry[] {
  if (bytes.subarray(0, SQLITE_MAGIC.length).toString('latin1') === SQLITE_MAGIC) {
    throw new TailingError(
      'CHECKPOINT_UNREADABLE',
      `checkpoint file ${path} is the Java Kinesis Agent's SQLite database; point checkpointFile at another path ` +
        '(the Java agent keeps its own)',
      false,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new TailingError('CHECKPOINT_UNREADABLE', `checkpoint file ${path} is not JSON`, false, { cause: error });
  }
  const files = (parsed as { version?: unknown; files?: unknown } | null)?.files;
  if ((parsed as { version?: unknown } | null)?.version !== 1 || !Array.isArray(files)) {
    throw new TailingError('CHECKPOINT_UNREADABLE', `checkpoint file ${path} is not a version 1 checkpoint file`, false);
  }
  return files.map((f: unknown, i) => {
    const e = f as Record<string, unknown>;
    const ok =
      typeof e?.flow === 'string' &&
      typeof e.path === 'string' &&
      typeof e.dev === 'string' &&
      typeof e.ino === 'string' &&
      typeof e.fingerprint === 'string' &&
      Number.isSafeInteger(e.fingerprintBytes) &&
      Number.isSafeInteger(e.offset) &&
      (e.offset as number) >= 0 &&
      Number.isFinite(e.updatedAt);
    if (!ok) throw new TailingError('CHECKPOINT_UNREADABLE', `checkpoint file ${path}: entry ${i} is malformed`, false);
    return e as unknown as CheckpointEntry;
  });
}
