/**
 * The app, assembled: per camera a spool, a PutMedia session and a capture pipeline (`startCamera`); one HTTP
 * listener for /healthz and /metrics (`createHealthServer`); and the shutdown order (`drainAndClose`). main.ts hands
 * `startVideoProducer` to the runtime's service runner; tests call the same factory in process with the emulator's
 * endpoint.
 *
 * Shutdown (`close()`, SIGTERM/SIGINT through the service runner):
 * 1. /healthz turns 503;
 * 2. every camera's ffmpeg is asked to stop (SIGINT) and what it produced is cut and spooled;
 * 3. every session sends what is spooled and waits until each fragment is PERSISTED, up to `shutdownTimeoutMs`
 *    (what is not persisted by then stays in the spool and goes first at the next start);
 * 4. the camera-health reporter (when `--health-table` is set) writes each camera's last item;
 * 5. the listener closes.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { KinesisVideoClient, type KinesisVideoClientConfig } from '@aws-sdk/client-kinesis-video';
import pino, { type Logger } from 'pino';
import { PutMediaClient, type PutMediaSession } from '@tributary/kvs';
import { createHttpServer, createOpsEndpoints, listenHttp, redactUrl, systemClock, type Clock } from '@tributary/runtime';
import { CameraPipeline, maxFragmentMs } from './camera/camera-pipeline';
import { CameraHealthReporter } from './health/camera-health-reporter';
import { createCameraRecording, LIVE_SESSION_OPTIONS, recordingHealth, recordingHealthItem, registerRecordingMetrics, type CameraRecording, type RecordingHealth } from './recording/camera-recording';
import { ReachabilityTracker } from './health/reachability-tracker';
import { findFont, resolveFfmpegPath, type FfmpegProcess } from './ffmpeg/ffmpeg-adapter';
import { startProbedFfmpeg } from './ffmpeg/probed-ffmpeg';
import { resolveFfprobePath } from './ffmpeg/source-probe';
import { FragmentSpool } from './spool/fragment-spool';
import { secretMasker } from './rtsp/rtsp-credentials';
import { ensureKvsStream } from './stream-bootstrap';
import type { CameraConfig, VideoProducerConfig } from './video-producer-config';
import { VideoMetrics } from './video-metrics';

export interface VideoProducerDeps {
  config: VideoProducerConfig;
  logger?: Logger;
  /**
   * Overrides of what the AWS SDK otherwise reads from the environment (region, endpoint, credentials). main.ts
   * passes none; tests point it at the emulator.
   */
  kinesisVideo?: KinesisVideoClientConfig;
  /** The same for the camera-health table's DynamoDB client. */
  dynamoDb?: DynamoDBClientConfig;
  /** Camera-health write interval (tests shorten it); 5 s. */
  healthIntervalMs?: number;
  /** Replaces ffmpeg (tests feed recorded Matroska). */
  startSource?: (camera: CameraConfig) => FfmpegProcess;
  /** First wait after an RTSP camera refused the password (60 s; tests shorten it). */
  unauthorizedRetryDelayMs?: number;
  /** PutMedia reconnect backoff (tests shorten it). */
  reconnectBaseDelayMs?: number;
  reconnectMaxDelayMs?: number;
  defaultMetrics?: boolean;
  /** Time for the health report's outage figures; the system clock by default. */
  clock?: Clock;
  /** Backlog upload loop period (tests shorten it); 250 ms. */
  uploadTickMs?: number;
}

export interface CameraHandle {
  config: CameraConfig;
  spool: FragmentSpool;
  session: PutMediaSession;
  pipeline: CameraPipeline;
  /** Whether KVS takes this camera's video (PutMedia failures vs PERSISTED acks). */
  reachability: ReachabilityTracker;
  /** Local recording and scheduled upload, when the camera records (then the spool is not used). */
  recording?: CameraRecording;
}

export interface CameraHealth {
  stream: string;
  source: string;
  capturing: boolean;
  error?: string;
  /** The source's failure code while it is down (RTSP_UNAUTHORIZED, RTSP_TIMEOUT, SOURCE_ENDED, …). */
  errorCode?: string;
  /** Since when the source has been down (ISO time), until it produces a fragment again. */
  sourceDownSince?: string;
  /** PutMedia's backend: unreachable from the first failed connection until a fragment is PERSISTED again. */
  backend: { reachable: boolean; unreachableSince?: string; lastError?: string; failures: number };
  session: ReturnType<PutMediaSession['stats']>;
  spool: { fragments: number; bytes: number; full: boolean };
  pipeline: ReturnType<CameraPipeline['stats']>;
  recording?: RecordingHealth;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'closing';
  uptimeSeconds: number;
  ffmpeg: string;
  cameras: CameraHealth[];
}

export interface DrainReport {
  /** Per stream: fragments left in the spool (not PERSISTED) after the drain. */
  left: Record<string, number>;
  timedOut: boolean;
}

export interface RunningVideoProducer {
  cameras: CameraHandle[];
  metrics: VideoMetrics;
  /** Writes each camera's health item; undefined without `--health-table`. */
  healthReporter: CameraHealthReporter | undefined;
  server: Server;
  url: string;
  port: number;
  health(): HealthReport;
  /** The whole shutdown sequence; safe to call twice. */
  close(): Promise<DrainReport>;
}

/**
 * How long ffmpeg gets to finish after SIGINT before SIGKILL (the camera pipeline's stop grace): the service
 * runner's stop deadline is --shutdown-timeout (the drain) plus this, as the systemd unit's TimeoutStopSec is.
 */
export const FFMPEG_STOP_GRACE_MS = 5_000;

/** What every camera shares: the clients, the ffmpeg binary, the clock font, the metrics and the logger. */
interface CameraContext {
  config: VideoProducerConfig;
  deps: VideoProducerDeps;
  logger: Logger;
  clock: Clock;
  metrics: VideoMetrics;
  control: KinesisVideoClient;
  client: PutMediaClient;
  /** Backlog uploads' PutMedia client (a client keeps one session per stream; live has the other). */
  backlogClient: PutMediaClient;
  ffmpegPath: string;
  /** For the copy decision's probe (`--copy auto|on`); undefined when there is none. */
  ffprobePath: string | undefined;
  fontFile: string | undefined;
}

export async function startVideoProducer(deps: VideoProducerDeps): Promise<RunningVideoProducer> {
  const { config } = deps;
  const logger = deps.logger ?? pino({ level: 'silent' });
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  const metrics = new VideoMetrics({ defaultMetrics: deps.defaultMetrics });
  const ffmpeg = deps.startSource ? { path: '(injected)', origin: 'configured' as const } : resolveFfmpegPath({ configured: config.ffmpegPath });
  const fontFile = findFont();
  const ffprobePath = deps.startSource ? undefined : resolveFfprobePath(ffmpeg.path);
  if (!deps.startSource) logger.info({ ffmpeg: ffmpeg.path, origin: ffmpeg.origin, ffprobe: ffprobePath ?? null, clockFont: fontFile ?? null }, 'ffmpeg');

  const control = new KinesisVideoClient({ ...(deps.kinesisVideo ?? {}) });
  const client = createPutMediaClient(control, deps, logger);
  const backlogClient = createPutMediaClient(control, deps, logger);
  const context: CameraContext = { config, deps, logger, clock, metrics, control, client, backlogClient, ffmpegPath: ffmpeg.path, ffprobePath, fontFile };
  const cameras: CameraHandle[] = [];
  let closing = false;
  const health = (): HealthReport => {
    const list = cameras.map(cameraHealth);
    const status = closing ? 'closing' : list.some(needsAttention) ? 'degraded' : 'ok';
    return { status, uptimeSeconds: Math.round((clock.now() - startedAt) / 1000), ffmpeg: ffmpeg.path, cameras: list };
  };
  const server = createHealthServer(health, metrics, logger);
  let listening: { url: string; port: number };
  try {
    for (const camera of config.cameras) {
      await ensureKvsStream({ client: control, streamName: camera.stream, create: config.createStream, retentionHours: config.retentionHours, logger });
    }
    for (const camera of config.cameras) cameras.push(await startCamera(camera, context));
    listening = await listenHttp(server, config.port, config.host);
  } catch (err) {
    client.destroy();
    backlogClient.destroy();
    control.destroy();
    throw err;
  }
  for (const c of cameras) c.pipeline.start();
  for (const c of cameras) c.recording?.uploader?.start();
  registerRecordingMetrics(
    metrics.registry,
    () => cameras.flatMap((c) => (c.recording ? [{ stream: c.config.stream, recording: c.recording, capturing: c.pipeline.stats().running }] : [])),
  );

  const dynamo = config.healthTable !== undefined ? new DynamoDBClient({ ...(deps.dynamoDb ?? {}) }) : undefined;
  const healthReporter = dynamo !== undefined ? createHealthReporter(dynamo, cameras, context) : undefined;
  healthReporter?.start();

  let closed: Promise<DrainReport> | undefined;
  const close = (): Promise<DrainReport> =>
    (closed ??= (async () => {
      closing = true;
      const report = await drainCameras(cameras, logger);
      // Never fails: a write that does not go through is logged by the reporter.
      await healthReporter?.stop();
      dynamo?.destroy();
      client.destroy();
      backlogClient.destroy();
      control.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return report;
    })());

  return { cameras, metrics, healthReporter, server, url: listening.url, port: listening.port, health, close };
}

function createPutMediaClient(control: KinesisVideoClient, deps: VideoProducerDeps, logger: Logger): PutMediaClient {
  return new PutMediaClient({
    kinesisVideoClient: control,
    logger,
    sessionDefaults: {
      timecodeType: 'ABSOLUTE',
      endTimeoutMs: Math.max(1, deps.config.shutdownTimeoutMs),
      ...(deps.reconnectBaseDelayMs !== undefined ? { reconnectBaseDelayMs: deps.reconnectBaseDelayMs } : {}),
      ...(deps.reconnectMaxDelayMs !== undefined ? { reconnectMaxDelayMs: deps.reconnectMaxDelayMs } : {}),
    },
  });
}

/** One camera: its spool, its PutMedia session (opened), its reachability and its capture pipeline (not started). */
async function startCamera(camera: CameraConfig, context: CameraContext): Promise<CameraHandle> {
  const { config, metrics } = context;
  const log = context.logger.child({ stream: camera.stream });
  const spool = new FragmentSpool({
    dir: join(config.spoolDir, camera.stream),
    maxBytes: config.spoolMaxBytes,
    policy: config.spoolPolicy,
    fsync: config.spoolFsync,
    logger: log,
    onDrop: () => metrics.fragmentsDropped.inc({ stream: camera.stream, reason: 'spool_evicted' }),
  });
  const recording = camera.recording?.enabled
    ? createCameraRecording({
        stream: camera.stream,
        config: camera.recording,
        fsync: config.spoolFsync,
        backlogClient: context.backlogClient,
        now: () => context.clock.now(),
        logger: log,
        onLost: () => metrics.fragmentsDropped.inc({ stream: camera.stream, reason: 'recording_retention' }),
        ...(context.deps.uploadTickMs !== undefined ? { tickMs: context.deps.uploadTickMs } : {}),
      })
    : undefined;
  const session = context.client.createSession({ streamName: camera.stream, store: recording?.liveStore ?? spool, ...(recording ? LIVE_SESSION_OPTIONS : {}) });
  metrics.bindCamera(camera.stream, session, spool);
  const reachability = trackReachability(session, spool, context.clock, log);
  metrics.bindReachability(camera.stream, reachability);
  await session.open();
  recording?.attach(session);
  const injected = context.deps.startSource;
  const startSource =
    injected !== undefined
      ? () => injected(camera)
      : () =>
          // Probe, decide copy or re-encode (logged with the reason), then ffmpeg: ffmpeg/probed-ffmpeg.ts.
          startProbedFfmpeg({
            camera,
            ffmpegPath: context.ffmpegPath,
            ffprobePath: context.ffprobePath,
            fontFile: context.fontFile,
            maxKeyframeIntervalMs: maxFragmentMs(camera.fragmentMs),
            logger: log,
            frameClusters: context.config.sendMode === 'frames',
            mask: secretMasker(camera.source.kind === 'rtsp' ? camera.source.url : ''),
          });
  const pipeline = new CameraPipeline({
    stream: camera.stream,
    session,
    startSource,
    fragmentMs: camera.fragmentMs,
    frameStreaming: context.config.sendMode === 'frames',
    restartOnExit: !(camera.source.kind === 'file' && !camera.source.loop),
    ...(context.deps.unauthorizedRetryDelayMs !== undefined ? { unauthorizedRetryDelayMs: context.deps.unauthorizedRetryDelayMs } : {}),
    logger: log,
    onFragment: () => metrics.fragmentsCut.inc({ stream: camera.stream }),
    onDrop: (reason) => metrics.fragmentsDropped.inc({ stream: camera.stream, reason }),
    onSourceRestart: () => metrics.sourceRestarts.inc({ stream: camera.stream }),
    onError: (code) => metrics.errors.inc({ stream: camera.stream, code }),
  });
  return { config: camera, spool, session, pipeline, reachability, ...(recording ? { recording } : {}) };
}

/** The outage is logged once when it starts and once when it ends; libs/kvs logs each failed attempt. */
function trackReachability(session: PutMediaSession, spool: FragmentSpool, clock: Clock, log: Logger): ReachabilityTracker {
  const reachability = new ReachabilityTracker(clock);
  session.on('reconnect', (e) => {
    const change = reachability.failure(e.reason);
    if (change?.kind === 'outage') {
      log.warn({ reason: e.reason, since: new Date(change.sinceMs).toISOString(), spooled: spool.size }, 'PutMedia unreachable: fragments wait in the spool until it is back');
    }
  });
  session.on('fragment-persisted', () => {
    const change = reachability.success();
    if (change?.kind === 'recovered') {
      log.info({ downForMs: change.downForMs, failures: change.failures, lastError: change.lastError, spooled: spool.size }, 'PutMedia reachable again');
    }
  });
  return reachability;
}

/** A failing source, a failed session, an unreachable KVS or a stopped camera: the device needs attention. */
function needsAttention(c: CameraHealth): boolean {
  return c.error !== undefined || !c.capturing || !c.backend.reachable;
}

function cameraHealth(c: CameraHandle): CameraHealth {
  const s = c.spool;
  const pipeline = c.pipeline.stats();
  const backend = c.reachability.state();
  const since = backend.unreachableSinceMs !== undefined ? new Date(backend.unreachableSinceMs).toISOString() : undefined;
  const unreachable = since !== undefined ? `PutMedia unreachable since ${since} (${backend.lastError ?? 'unknown'}); ${s.size} fragments spooled` : undefined;
  const error = c.pipeline.error?.message ?? (c.session.state === 'failed' ? 'PutMedia session failed' : (pipeline.sourceError ?? unreachable));
  return {
    stream: c.config.stream,
    // A camera URL's password must not be served over HTTP.
    source: redactUrl(c.config.sourceText),
    capturing: pipeline.running,
    ...(error ? { error } : {}),
    ...(pipeline.sourceErrorCode !== undefined ? { errorCode: pipeline.sourceErrorCode } : {}),
    ...(pipeline.sourceDownSinceMs !== undefined ? { sourceDownSince: new Date(pipeline.sourceDownSinceMs).toISOString() } : {}),
    backend: {
      reachable: backend.reachable,
      ...(since !== undefined ? { unreachableSince: since } : {}),
      ...(backend.lastError !== undefined ? { lastError: backend.lastError } : {}),
      failures: backend.failures,
    },
    session: c.session.stats(),
    spool: { fragments: s.size, bytes: s.bytes, full: s.isFull },
    pipeline,
    ...(c.recording ? { recording: recordingHealth(c.recording, pipeline.running) } : {}),
  };
}

/**
 * /healthz (and /readyz, the name the other apps give their readiness answer; here the two are one, see README,
 * Health), /metrics: the runtime's ops endpoints, timeouts (headers 10 s, request 30 s, idle 60 s) and security headers.
 */
function createHealthServer(health: () => HealthReport, metrics: VideoMetrics, logger: Logger): Server {
  return createHttpServer(
    createOpsEndpoints({
      liveness: () => {
        const report = health();
        return { ok: report.status === 'ok', body: report };
      },
      metrics,
      logger,
    }),
  );
}

function createHealthReporter(dynamo: DynamoDBClient, cameras: readonly CameraHandle[], context: CameraContext): CameraHealthReporter {
  const { config, deps } = context;
  return new CameraHealthReporter({
    client: dynamo,
    tableName: config.healthTable as string,
    producerId: config.producerId,
    ...(deps.healthIntervalMs !== undefined ? { intervalMs: deps.healthIntervalMs } : {}),
    logger: context.logger.child({ component: 'camera-health' }),
    cameras: cameras.map((c) => ({
      streamName: c.config.stream,
      session: c.session,
      spooledFragments: () => c.spool.size,
      capturing: () => c.pipeline.stats().running,
      lastFragmentAt: () => c.pipeline.stats().lastFragmentMs,
      ...(c.recording
        ? {
            recording: () => recordingHealthItem(c.recording as CameraRecording, c.pipeline.stats().running),
            disconnectedByDesign: () => c.session.stats().held === true || c.recording?.config.liveUpload === false,
          }
        : {}),
    })),
  });
}

/** Steps 2 and 3 of the shutdown: ffmpeg stops, then every session drains its spool (bounded by the session's end timeout). */
async function drainCameras(cameras: readonly CameraHandle[], logger: Logger): Promise<DrainReport> {
  await Promise.all(cameras.map((c) => c.pipeline.stop(FFMPEG_STOP_GRACE_MS)));
  // A backlog turn ends (its session ended) before the live session drains: one connection per stream.
  await Promise.all(cameras.map((c) => c.recording?.uploader?.stop()));
  let timedOut = false;
  await Promise.all(
    cameras.map(async (c) => {
      try {
        await c.session.end();
      } catch (err) {
        timedOut = true;
        logger.warn({ stream: c.config.stream, err: (err as Error).message, spooled: c.spool.size }, 'drain incomplete: fragments stay in the spool for the next start');
        c.session.destroy();
      }
    }),
  );
  return { left: Object.fromEntries(cameras.map((c) => [c.config.stream, c.spool.size])), timedOut };
}
