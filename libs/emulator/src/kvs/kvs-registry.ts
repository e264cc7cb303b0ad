/**
 * The KVS control-plane state: streams with their fragment logs, persisted through the storage engine under
 * `<dataDir>/kvs` (`streams.json` replaced atomically, one folder of fragment segments per stream), the status
 * machine (CREATING → ACTIVE → UPDATING → ACTIVE, DELETING → gone; kvs-reference.md §2.2) and retention.
 * Operations (the other files of this folder) read and change it; nothing here speaks HTTP.
 */
import { createHash, randomInt } from 'node:crypto';
import type { StorageEngine } from '../storage/storage-engine';
import type { MetadataStore } from '../storage/metadata-store';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { kvsErrors, STREAM_NOT_FOUND } from './kvs-errors';
import { KvsStream, type KvsStreamMeta } from './kvs-stream';
import { StatusTimers } from '../status-timers';

export interface KvsRegistryOptions {
  clock: Clock;
  logger: Logger;
  /** Status-machine delays in ms; 0 makes a transition happen before the call returns. */
  createDelayMs: number;
  deleteDelayMs: number;
  updateDelayMs: number;
  /** How long fragments of a stream with DataRetentionInHours 0 stay readable. */
  hostBufferMs: number;
  /** Randomness for versions and fragment numbers; crypto by default. */
  randomInt?: (maxExclusive: number) => number;
  /** Retention also runs on this timer (besides before every read), so unread streams free their disk. */
  retentionCheckIntervalMs?: number;
}

interface PersistedState {
  version: 1;
  streams: KvsStreamMeta[];
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ARN_STREAM = /^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:stream\/([a-zA-Z0-9_.-]+)\/[0-9]+$/;

export class KvsRegistry {
  readonly streams = new Map<string, KvsStream>();
  private readonly store: MetadataStore<PersistedState>;
  private readonly statusTimers = new StatusTimers(() => this.persist());
  private readonly sweep: NodeJS.Timeout | undefined;
  readonly randomInt: (maxExclusive: number) => number;

  constructor(
    private readonly storage: StorageEngine,
    readonly options: KvsRegistryOptions,
  ) {
    this.randomInt = options.randomInt ?? ((max) => randomInt(max));
    this.store = storage.metadata<PersistedState>('kvs/streams');
    for (const meta of this.store.load()?.streams ?? []) {
      const stream = new KvsStream(meta, storage.openFragmentLog(meta.dir));
      this.streams.set(meta.name, stream);
      // A transition that was pending when the process stopped completes now.
      if (meta.status === 'CREATING' || meta.status === 'UPDATING') meta.status = 'ACTIVE';
      if (meta.status === 'DELETING') this.remove(stream);
    }
    this.persist();
    if (options.retentionCheckIntervalMs) {
      this.sweep = setInterval(() => {
        for (const s of this.streams.values()) this.applyRetention(s);
      }, options.retentionCheckIntervalMs);
      this.sweep.unref();
    }
  }

  get clock(): Clock {
    return this.options.clock;
  }

  persist(): void {
    this.store.save({ version: 1, streams: [...this.streams.values()].map((s) => s.meta) });
  }

  /** `arn:aws:kinesisvideo:<region>:<account>:stream/<name>/<creation epoch ms>` (kvs-reference.md §2.2). */
  streamArn(region: string, accountId: string, name: string, createdAt: number): string {
    return `arn:aws:kinesisvideo:${region}:${accountId}:stream/${name}/${createdAt}`;
  }

  /** A stream version: 20 random alphanumerics, like `3Ikjs9sOSk6Q4Alisl0d`. */
  newVersion(): string {
    let v = '';
    for (let i = 0; i < 20; i++) v += ALPHANUMERIC[this.randomInt(ALPHANUMERIC.length)];
    return v;
  }

  /** Adds a stream (CREATING, ACTIVE after the create delay) with an empty fragment log. */
  add(meta: Omit<KvsStreamMeta, 'dir' | 'status' | 'version'>): KvsStream {
    const digest = createHash('sha256').update(meta.name).digest('hex').slice(0, 8);
    // Names may be `..` or 256 characters long: the folder name is bounded and never a path step.
    const dir = `kvs/streams/${meta.name.slice(0, 100)}-${meta.createdAt}-${digest}`;
    const full: KvsStreamMeta = { ...meta, dir, status: 'CREATING', version: this.newVersion() };
    const stream = new KvsStream(full, this.storage.openFragmentLog(dir));
    this.streams.set(meta.name, stream);
    this.later(this.options.createDelayMs, () => {
      if (full.status === 'CREATING') full.status = 'ACTIVE';
    });
    return stream;
  }

  /**
   * Finds the stream named by StreamName or StreamARN. Both absent is an InvalidArgumentException; both present
   * must agree. A stream being deleted is already gone for every caller (its data is inaccessible at once).
   */
  find(input: { StreamName?: unknown; StreamARN?: unknown }): KvsStream {
    const name = typeof input.StreamName === 'string' ? input.StreamName : undefined;
    const arn = typeof input.StreamARN === 'string' ? input.StreamARN : undefined;
    if (name === undefined && arn === undefined) {
      throw kvsErrors.invalidArgument('Either the StreamName or the StreamARN must be specified.');
    }
    let stream: KvsStream | undefined;
    if (arn !== undefined) {
      stream = this.findByArn(arn);
      if (stream && name !== undefined && stream.meta.name !== name) {
        throw kvsErrors.invalidArgument(`StreamARN ${arn} does not match StreamName ${name}.`);
      }
    } else if (name !== undefined) stream = this.streams.get(name);
    if (!stream || stream.meta.status === 'DELETING') throw kvsErrors.resourceNotFound(STREAM_NOT_FOUND);
    return stream;
  }

  findByArn(arn: string): KvsStream | undefined {
    const name = ARN_STREAM.exec(arn)?.[1];
    const stream = name === undefined ? undefined : this.streams.get(name);
    return stream && stream.meta.arn === arn ? stream : undefined;
  }

  /** Runs `apply` after `delayMs` (or now, when 0), then persists. Timers are unref'd and cleared on close. */
  later(delayMs: number, apply: () => void): void {
    this.statusTimers.later(delayMs, apply);
  }

  /** Deletes the stream's fragments and ends its connections (not persisted: callers persist). */
  remove(stream: KvsStream): void {
    stream.disconnectAll('deleted');
    this.storage.destroyLog(stream.log);
    if (this.streams.get(stream.meta.name) === stream) this.streams.delete(stream.meta.name);
  }

  /** Start of the readable window: retention, or the host buffer when retention is 0. */
  retentionCutoff(stream: KvsStream): number {
    const now = this.clock.now();
    return stream.meta.retentionHours > 0 ? now - stream.meta.retentionHours * 3600_000 : now - this.options.hostBufferMs;
  }

  /** Hides fragments older than the readable window and deletes whole segments of them. Cheap: call before reads. */
  applyRetention(stream: KvsStream): void {
    const log = stream.log;
    const first = log.entry(log.firstOrdinal);
    const cutoff = this.retentionCutoff(stream);
    if (first && first.serverTimestampMs < cutoff) log.trimBefore(cutoff);
  }

  close(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.statusTimers.clear();
    for (const s of this.streams.values()) s.disconnectAll('shutdown');
  }
}
