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
 * Crash safety, in two steps so that a slow disk does not delay what a restart sees:
 * - each save writes `<file>.tmp` and renames it over `<file>`: a process killed (kill -9) at any point leaves
 *   a whole old or a whole new version, and a new version is there for a restart as soon as it is renamed, even
 *   when fsync takes seconds (it did on a busy shared disk: with fsync before the rename, a kill -9 found the
 *   checkpoint seconds old and every line acknowledged since was sent again);
 * - after each save, in the background (one at a time, the latest version each time), the same body is written to
 *   `<file>.durable.tmp`, fsynced, renamed to `<file>.durable`, and the directory fsynced: the power-loss copy.
 *   After a power cut `<file>` may be older than what was renamed last, or empty/torn where the filesystem did not
 *   order the data before the rename; it is then read from `<file>.durable`. An older checkpoint only means more
 *   lines sent again, never lines skipped: checkpoints move forward past acknowledged lines only.
 * `flush({ durable: true })` (shutdown) resolves once the latest version is fsynced. A `.tmp` left by a crash
 * mid-write is torn by definition and deleted unread at open. The Java agent's file at the same path is an SQLite
 * database: it is refused by name rather than overwritten (switching back must stay possible).
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
  /** Keep the fsynced durable copy (default true; off only for benchmarks and tests on throwaway disks). */
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
  private syncing: Promise<void> | undefined;
  private nextDurableBody: string | undefined;
  private syncError: unknown;
  private readonly fsync: boolean;
  private readonly clock: Clock;

  private constructor(
    readonly path: string,
    options: CheckpointStoreOptions,
  ) {
    this.fsync = options.fsync ?? true;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Loads the file (or its durable copy when the file is missing or torn; neither: empty), deleting torn `.tmp`
   * files and entries past their TTL.
   */
  static async open(options: CheckpointStoreOptions): Promise<CheckpointStore> {
    const store = new CheckpointStore(options.path, options);
    await unlink(`${options.path}.tmp`).catch(() => undefined);
    await unlink(`${options.path}.durable.tmp`).catch(() => undefined);
    const oldest = store.clock.now() - (options.ttlDays ?? 7) * DAY_MS;
    for (const entry of await loadEntries(options.path)) {
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
   * Writes the entries if anything changed since the last write (visible to a restart once this resolves). A call
   * while a write runs waits for it and then writes again if needed, so every change made before the call is in
   * the file when the promise resolves; `durable` also waits until that version is fsynced (shutdown).
   */
  async flush(options: { durable?: boolean } = {}): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
    if (this.dirty) {
      this.dirty = false;
      const body = JSON.stringify({ version: 1, files: [...this.entries.values()] }, null, 1);
      this.writing = writeAndRename(this.path, body, false)
        .then(() => this.syncSoon(body))
        .catch((error: unknown) => {
          this.dirty = true;
          throw new TailingError('CHECKPOINT_WRITE_FAILED', `checkpoint file ${this.path} could not be written`, true, { cause: error });
        })
        .finally(() => {
          this.writing = undefined;
        });
      await this.writing;
    }
    if (options.durable) await this.durable();
  }

  /** Resolves once the latest version written is fsynced (its durable copy). */
  private async durable(): Promise<void> {
    while (this.syncing) await this.syncing;
    if (this.syncError) {
      const error = this.syncError;
      this.syncError = undefined;
      throw new TailingError('CHECKPOINT_WRITE_FAILED', `checkpoint file ${this.path}.durable could not be written`, true, { cause: error });
    }
  }

  /** Starts (or queues) the durable copy of `body`; at most one runs, always with the latest body. */
  private syncSoon(body: string): void {
    if (!this.fsync) return;
    this.nextDurableBody = body;
    if (this.syncing) return;
    this.syncing = (async () => {
      while (this.nextDurableBody !== undefined) {
        const latest = this.nextDurableBody;
        this.nextDurableBody = undefined;
        try {
          await writeAndRename(`${this.path}.durable`, latest, true);
        } catch (error) {
          this.syncError = error;
        }
      }
    })().finally(() => {
      this.syncing = undefined;
    });
  }
}

/**
 * Writes `<path>.tmp` and renames it over `path`; with `fsync`, the file before and the directory after. The
 * directory is made only when the open finds it missing (a recursive mkdir before every save cost two syscalls
 * per checkpoint, written after every acknowledgement).
 */
async function writeAndRename(path: string, body: string, fsync: boolean): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w', 0o644).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    return open(tmp, 'w', 0o644);
  });
  try {
    await handle.writeFile(body);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  if (fsync) {
    // The rename is durable only once the directory entry is: fsync the directory too.
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/**
 * The entries of the main file, or of the durable copy when the main file is missing or torn (a power cut after
 * a rename that was not yet fsynced). The Java agent's SQLite file is refused, never bypassed.
 */
async function loadEntries(path: string): Promise<CheckpointEntry[]> {
  const read = async (p: string): Promise<Buffer | undefined> => {
    try {
      return await readFile(p);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TailingError('CHECKPOINT_UNREADABLE', `checkpoint file ${p} cannot be read`, false, { cause: error });
    }
  };
  const main = await read(path);
  if (main && isSqlite(main)) return parseCheckpointFile(path, main);
  try {
    if (main) return parseCheckpointFile(path, main);
  } catch (error) {
    const copy = await read(`${path}.durable`);
    if (!copy) throw error;
    return parseCheckpointFile(`${path}.durable`, copy);
  }
  const copy = await read(`${path}.durable`);
  return copy ? parseCheckpointFile(`${path}.durable`, copy) : [];
}

function isSqlite(bytes: Buffer): boolean {
  return bytes.subarray(0, SQLITE_MAGIC.length).toString('latin1') === SQLITE_MAGIC;
}

function keyOf(flow: string, dev: string, ino: string): string {
  return `${flow}\n${dev}:${ino}`;
}

/** Parses and validates the file's layout; anything else is refused by name (never half-read). */
export function parseCheckpointFile(path: string, bytes: Buffer): CheckpointEntry[] {
  if (isSqlite(bytes)) {
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
