/**
 * A Kinesis Video stream: its control-plane record as persisted (plain JSON, kvs-reference.md §2.3) and the
 * runtime object that adds the fragment log and the live connections (PutMedia sessions, GetMedia readers).
 */
import type { FragmentLog } from '../storage/fragment-log';

export type KvsStreamStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';
export type StorageTier = 'HOT' | 'WARM';

export interface KvsStreamMeta {
  name: string;
  arn: string;
  region: string;
  accountId: string;
  status: KvsStreamStatus;
  /** Epoch ms; also the last part of the ARN. */
  createdAt: number;
  /** 20 alphanumerics, new on every metadata change. */
  version: string;
  deviceName?: string;
  mediaType?: string;
  kmsKeyId: string;
  retentionHours: number;
  tags: Record<string, string>;
  storageTier: StorageTier;
  /** Folder of the fragment log, relative to the data dir. */
  dir: string;
}

/**
 * A live connection of the stream that must hear when the stream goes away: `deleted` (DeleteStream: PutMedia
 * answers an ERROR ack, GetMedia ends) or `shutdown` (the emulator closes: connections are dropped, so clients
 * reconnect rather than give up).
 */
export interface StreamConnection {
  streamGone(reason: 'deleted' | 'shutdown'): void;
}

export class KvsStream {
  readonly putMediaSessions = new Set<StreamConnection>();
  readonly getMediaReaders = new Set<StreamConnection>();
  /** Next fragment sequence (bits 92–155 of a fragment number) and the latest server timestamp handed out. */
  private nextSequence: number;
  private lastServerTimestampMs: number;

  constructor(
    public meta: KvsStreamMeta,
    readonly log: FragmentLog,
  ) {
    this.nextSequence = log.length;
    this.lastServerTimestampMs = log.last?.serverTimestampMs ?? 0;
  }

  /**
   * The sequence and server timestamp of a fragment whose first byte arrived at `nowMs`. Server timestamps never
   * go back (the log seeks by them), even if the clock does.
   */
  allocateFragment(nowMs: number): { sequence: number; serverTimestampMs: number } {
    this.lastServerTimestampMs = Math.max(this.lastServerTimestampMs, nowMs);
    return { sequence: this.nextSequence++, serverTimestampMs: this.lastServerTimestampMs };
  }

  get active(): boolean {
    return this.meta.status === 'ACTIVE' || this.meta.status === 'UPDATING';
  }

  /** Tells every live connection the stream is gone. */
  disconnectAll(reason: 'deleted' | 'shutdown'): void {
    for (const c of [...this.putMediaSessions, ...this.getMediaReaders]) c.streamGone(reason);
    this.putMediaSessions.clear();
    this.getMediaReaders.clear();
  }
}
