/**
 * Opens shard logs (KDS), fragment logs (KVS) and metadata documents under one data dir (or in memory) and applies
 * the fsync policy:
 *
 * - `always`: fdatasync after every append, before the put is acknowledged. Survives power loss; slowest.
 * - `interval` (default): write(2) before acknowledging, fdatasync of every written shard every
 *   `fsyncIntervalMs`. An acknowledged record survives `kill -9` of the emulator (the kernel holds the bytes);
 *   a power loss can lose up to one interval.
 * - `never`: write(2) before acknowledging, the kernel flushes when it likes. Same `kill -9` guarantee.
 */
import * as path from 'node:path';
import { FileSegmentBackend, MemorySegmentBackend, type SegmentBackend } from './segment-backend';
import type { SegmentedLogOptions } from './segmented-log';
import { ShardLog } from './shard-log';
import { FragmentLog } from './fragment-log';
import { FileMetadataStore, MemoryMetadataStore, type MetadataStore } from './metadata-store';
import { STORAGE_DEFAULTS } from '../defaults';

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface StorageOptions {
  /** Folder for all state; undefined means in-memory (nothing survives a restart). */
  dataDir?: string;
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
  segmentBytes?: number;
  onWarning?: (message: string) => void;
}

/** What the engine syncs on its timer and closes with itself. */
interface DurableLog {
  sync(): void;
  close(): void;
  destroy(): void;
}

export class StorageEngine {
  private readonly logs = new Set<DurableLog>();
  private timer: NodeJS.Timeout | undefined;
  readonly policy: FsyncPolicy;

  constructor(private readonly options: StorageOptions) {
    this.policy = options.fsync ?? 'interval';
    if (this.policy === 'interval' && options.dataDir) {
      this.timer = setInterval(() => this.syncAll(), options.fsyncIntervalMs ?? STORAGE_DEFAULTS.fsyncIntervalMs);
      this.timer.unref();
    }
  }

  get persistent(): boolean {
    return this.options.dataDir !== undefined;
  }

  metadata<T>(name: string): MetadataStore<T> {
    return this.options.dataDir
      ? new FileMetadataStore<T>(path.join(this.options.dataDir, `${name}.json`))
      : new MemoryMetadataStore<T>();
  }

  /** Opens (recovering if it exists) the log stored under `relativeDir`. */
  openLog(relativeDir: string): ShardLog {
    return this.track(new ShardLog(this.backend(relativeDir), this.logOptions()));
  }

  /** Opens (recovering if it exists) the fragment log stored under `relativeDir`. */
  openFragmentLog(relativeDir: string): FragmentLog {
    return this.track(new FragmentLog(this.backend(relativeDir), this.logOptions()));
  }

  destroyLog(log: DurableLog): void {
    this.logs.delete(log);
    log.destroy();
  }

  syncAll(): void {
    for (const log of this.logs) log.sync();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const log of this.logs) log.close();
    this.logs.clear();
  }

  private backend(relativeDir: string): SegmentBackend {
    return this.options.dataDir ? new FileSegmentBackend(path.join(this.options.dataDir, relativeDir)) : new MemorySegmentBackend();
  }

  private logOptions(): SegmentedLogOptions {
    return {
      segmentBytes: this.options.segmentBytes,
      syncEveryAppend: this.policy === 'always' && this.persistent,
      checksums: this.persistent,
      onWarning: this.options.onWarning,
    };
  }

  private track<L extends DurableLog>(log: L): L {
    this.logs.add(log);
    return log;
  }
}
