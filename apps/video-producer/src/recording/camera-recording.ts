/**
 * One camera's recording, assembled: the recording store (its own retention), the live session's store over it,
 * and, once the live session exists, the scheduled backlog upload. Also what the camera's recording shows on
 * /healthz, /metrics and the dashboard's health item. video-producer-app.ts calls this when the camera's
 * `recording.enabled` is set.
 */
import { join } from 'node:path';
import { Gauge, Counter, type Registry } from 'prom-client';
import type { PutMediaClient, PutMediaSession } from '@tributary/kvs';
import { TokenBucket, type Logger } from '@tributary/runtime';
import { BacklogUploader, type UploadPhase } from '../upload/backlog-uploader';
import { UploadSchedule } from '../upload/upload-schedule';
import type { CameraRecordingConfig } from './recording-config';
import { LiveRecordingStore } from './live-recording-store';
import { RecordingStore } from './recording-store';

/**
 * The live session's options when the camera records: no fresh-fragment cache. The session would otherwise send a
 * fragment from that cache on its first send even after the live store let it go (out of the live window, or live
 * upload off), in front of newer live video and possibly a second time with the backlog. The live store is in
 * memory, so the cache saves nothing here.
 */
export const LIVE_SESSION_OPTIONS = { freshCacheBytes: 0 } as const;

/** Mbit/s (10^6 bits, as links are rated) to bytes per second. */
export function bytesPerSecondFromMbps(mbps: number): number {
  return (mbps * 1_000_000) / 8;
}

export interface CameraRecording {
  config: CameraRecordingConfig;
  store: RecordingStore;
  liveStore: LiveRecordingStore;
  now: () => number;
  /** Set by attach(). */
  uploader?: BacklogUploader;
  /** Starts the backlog upload beside the live session (its turns on the stream's one connection). */
  attach(live: PutMediaSession): BacklogUploader;
}

export interface CameraRecordingDeps {
  stream: string;
  config: CameraRecordingConfig;
  fsync: boolean;
  /** The backlog sessions' client (not the live one: a client keeps one session per stream). */
  backlogClient: PutMediaClient;
  now: () => number;
  logger: Logger;
  /** Each fragment retention deleted before it was uploaded. */
  onLost?: (bytes: number) => void;
  /** Backlog upload loop period (tests shorten it). */
  tickMs?: number;
}

export function createCameraRecording(deps: CameraRecordingDeps): CameraRecording {
  const { config, stream, logger } = deps;
  const store = new RecordingStore({
    dir: join(config.dir, stream),
    maxBytes: config.maxBytes,
    maxAgeMs: config.maxAgeHours * 3_600_000,
    fsync: deps.fsync,
    now: deps.now,
    logger,
    onDelete: (e) => {
      if (!e.uploaded) deps.onLost?.(e.bytes);
    },
  });
  const liveStore = new LiveRecordingStore({ recording: store, windowMs: config.liveUpload ? config.liveWindowMs : 0 });
  const recording: CameraRecording = {
    config,
    store,
    liveStore,
    now: deps.now,
    attach(live) {
      const schedule = new UploadSchedule(config.uploadSchedule, config.uploadWindowSeconds * 1000);
      // The cap in bytes (a second of it may go at once after a quiet time); live video is charged without waiting.
      const capBytesPerSec = config.uploadMaxMbps !== undefined ? bytesPerSecondFromMbps(config.uploadMaxMbps) : undefined;
      const bucket = capBytesPerSec !== undefined ? new TokenBucket(capBytesPerSec, capBytesPerSec, { now: deps.now }) : undefined;
      const uploader = new BacklogUploader({
        stream,
        recording: store,
        liveStore,
        live,
        liveUpload: config.liveUpload,
        schedule,
        ...(bucket ? { bucket } : {}),
        createSession: () => deps.backlogClient.createSession({ streamName: stream, endTimeoutMs: 15_000 }),
        now: deps.now,
        ...(deps.tickMs !== undefined ? { tickMs: deps.tickMs } : {}),
        logger,
      });
      recording.uploader = uploader;
      return uploader;
    },
  };
  return recording;
}

/** A camera's recording on /healthz and in the health item. */
export interface RecordingHealth {
  state: 'recording' | 'stopped';
  fragments: number;
  bytes: number;
  backlogFragments: number;
  backlogBytes: number;
  /** Capture age of the oldest fragment not uploaded. */
  backlogAgeSeconds: number;
  /** Deleted by retention before upload, since start. */
  lostFragments: number;
  upload: {
    phase: UploadPhase;
    windowOpen: boolean;
    windowClosesAt?: string;
    nextWindowAt?: string;
    rateBytesPerSecond: number;
    capMbps?: number;
    liveUpload: boolean;
  };
}

export function recordingHealth(r: CameraRecording, capturing: boolean, nowMs = r.now()): RecordingHealth {
  const s = r.store.stats();
  const u = r.uploader?.stats();
  const iso = (ms: number | undefined) => (ms !== undefined ? new Date(ms).toISOString() : undefined);
  const closes = iso(u?.windowClosesAt);
  const next = iso(u?.nextWindowAt);
  return {
    state: capturing ? 'recording' : 'stopped',
    fragments: s.fragments,
    bytes: s.bytes,
    backlogFragments: s.pendingFragments,
    backlogBytes: s.pendingBytes,
    backlogAgeSeconds: s.oldestPendingMs !== undefined ? Math.max(0, Math.round((nowMs - s.oldestPendingMs) / 1000)) : 0,
    lostFragments: s.deletedNotUploaded,
    upload: {
      phase: u?.phase ?? 'idle',
      windowOpen: u?.windowOpen ?? false,
      ...(closes !== undefined ? { windowClosesAt: closes } : {}),
      ...(next !== undefined ? { nextWindowAt: next } : {}),
      rateBytesPerSecond: Math.round(u?.uploadBytesPerSecond ?? 0),
      ...(r.config.uploadMaxMbps !== undefined ? { capMbps: r.config.uploadMaxMbps } : {}),
      liveUpload: r.config.liveUpload,
    },
  };
}

/** The health item's recording fields (libs/schemas dashboard-items.ts), for the dashboard's camera tile. */
export function recordingHealthItem(r: CameraRecording, capturing: boolean): { recording: 'recording' | 'stopped'; backlogFragments: number; backlogBytes: number; backlogAgeSeconds: number; uploadBytesPerSecond: number } {
  const h = recordingHealth(r, capturing);
  return { recording: h.state, backlogFragments: h.backlogFragments, backlogBytes: h.backlogBytes, backlogAgeSeconds: h.backlogAgeSeconds, uploadBytesPerSecond: h.upload.rateBytesPerSecond };
}

/**
 * The recording's series on the app's registry (label `stream`), read at scrape time:
 * `video_producer_recording_active`, `_recording_bytes`, `_recording_fragments`, `_backlog_bytes`,
 * `_backlog_fragments`, `_backlog_age_seconds`, `_upload_window_open`, `_upload_bytes_per_second`,
 * `_upload_backlog_bytes_total`, `_upload_backlog_fragments_total`, `_recording_lost_fragments_total`.
 */
export function registerRecordingMetrics(registry: Registry, cameras: () => Iterable<{ stream: string; recording: CameraRecording; capturing: boolean }>): void {
  const labelNames = ['stream'] as const;
  const gauge = (name: string, help: string, read: (h: RecordingHealth, r: CameraRecording) => number) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const c of cameras()) this.set({ stream: c.stream }, read(recordingHealth(c.recording, c.capturing), c.recording));
      },
    });
  gauge('video_producer_recording_active', '1 while the camera records to local disk.', (h) => (h.state === 'recording' ? 1 : 0));
  gauge('video_producer_recording_bytes', 'Bytes in the local recording (uploaded or not).', (h) => h.bytes);
  gauge('video_producer_recording_fragments', 'Fragments in the local recording (uploaded or not).', (h) => h.fragments);
  gauge('video_producer_backlog_bytes', 'Recorded bytes not uploaded yet.', (h) => h.backlogBytes);
  gauge('video_producer_backlog_fragments', 'Recorded fragments not uploaded yet.', (h) => h.backlogFragments);
  gauge('video_producer_backlog_age_seconds', 'Capture age of the oldest fragment not uploaded (0: no backlog).', (h) => h.backlogAgeSeconds);
  gauge('video_producer_upload_window_open', '1 while the upload schedule lets the backlog go up.', (h) => (h.upload.windowOpen ? 1 : 0));
  gauge('video_producer_upload_bytes_per_second', 'Upload rate over the last 10 s, live and backlog.', (h) => h.upload.rateBytesPerSecond);
  const total = (name: string, help: string, read: (r: CameraRecording) => number) => {
    const last = new Map<string, number>();
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        for (const c of cameras()) {
          const value = read(c.recording);
          const before = last.get(c.stream) ?? 0;
          if (value > before) this.inc({ stream: c.stream }, value - before);
          else this.inc({ stream: c.stream }, 0);
          last.set(c.stream, Math.max(before, value));
        }
      },
    });
  };
  total('video_producer_upload_backlog_bytes_total', 'Backlog bytes written to PutMedia (resends included).', (r) => r.uploader?.stats().backlogBytesUploaded ?? 0);
  total('video_producer_upload_backlog_fragments_total', 'Backlog fragments PERSISTED.', (r) => r.uploader?.stats().backlogFragmentsUploaded ?? 0);
  total('video_producer_recording_lost_fragments_total', 'Fragments retention deleted before they were uploaded.', (r) => r.store.stats().deletedNotUploaded);
}
