/**
 * The worker, assembled: sinks, rollups, the batch handler, the dead-letter destination, the KinesisConsumer, and
 * an HTTP listener for /healthz (liveness), /readyz (readiness: 503 and the failing dependencies while Kinesis,
 * DynamoDB or a sink fails) and /metrics. main.ts hands `startTelemetryConsumer` to the runtime's service runner;
 * tests call the same function in process, with the emulator's endpoint and, where the library is not the subject,
 * a fake consumer.
 *
 * Start, in this order: the listener (so /healthz answers 503 "starting" while the rest comes up), the file sinks
 * (folders, salvage of orphaned files), the device-state and rollup tables (created if missing), the dead-letter sink, then
 * `consumer.start()` (lease table, leases). /healthz turns 200 once the consumer runs.
 *
 * Stop (`close()`, SIGTERM/SIGINT through the service runner), in this order:
 * 1. /healthz turns 503 "stopping";
 * 2. `consumer.stop()`: no more fetching, the batch in flight finishes, final checkpoints, leases released so
 *    other workers take the shards at once;
 * 3. the rollups still open are closed (`closedBy: "shutdown"`, also those of a lease lost during step 2) and
 *    written, after any rollup write still in progress;
 * 4. the file sinks publish their open files; the dead-letter sink is closed;
 * 5. the listener closes, and the AWS clients the app created are destroyed.
 */
import { promises as fsp } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import pino, { type Logger } from 'pino';
import { createHttpServer, createOpsEndpoints, listenHttp, type OpsRequestListener } from '@tributary/runtime';
import {
  consumerLibrary,
  type ConsumerFactory,
  type ConsumerPort,
  type ConsumerStatsView,
  type DeadLetterEntry,
  type DeadLetterSink,
  type KinesisConsumerOptions,
} from './consumer-port';
import { MinuteRollup } from './rollups/minute-rollup';
import { DeviceStateSink } from './sinks/device-state-sink';
import { FileSink } from './sinks/file-sink';
import { RollupTableSink } from './sinks/rollup-table-sink';
import type { TelemetryConsumerConfig } from './telemetry-consumer-config';
import { TelemetryConsumerError } from './telemetry-consumer-error';
import { TelemetryConsumerMetrics } from './telemetry-consumer-metrics';
import { SinkHealth, sinkOf } from './sink-health';
import { TelemetryHandler, type BatchOutcome } from './telemetry-handler';
import { systemClock, systemTimers, type Clock, type Timers } from './time';

export const APP_DEFAULTS = {
  /** How often open rollups of silent devices are checked (their close itself waits --rollup-idle-close). */
  idleSweepMs: 5_000,
} as const;

export type WorkerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What the worker depends on, as readiness and the `telemetry_consumer_dependency_up` gauge name them. */
export const DEPENDENCIES = ['kinesis', 'dynamodb', 'device-state-table', 'rollup-table', 'files'] as const;

/** A dependency that fails now: a service the consumer cannot reach, or a sink that refuses writes. */
export interface DegradedDependency {
  dependency: (typeof DEPENDENCIES)[number];
  /** ISO time of its first failure in this outage. */
  since: string;
  failures: number;
  reason: string;
}

const errorText = (err: unknown): string => {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return `${typeof e?.code === 'string' ? `${e.code}: ` : ''}${typeof e?.message === 'string' ? e.message : String(err)}`;
};

export interface TelemetryConsumerDeps {
  config: TelemetryConsumerConfig;
  /** pino; silent when absent. */
  logger?: Logger;
  /** Makes the KinesisConsumer and the dead-letter sinks; @tributary/kinesis-consumer when absent. */
  consumerFactory?: ConsumerFactory;
  /**
   * KinesisConsumer options beyond the settings (tests: `clientOptions` for the emulator's endpoint, shorter
   * lease and taker intervals). Applied last.
   */
  consumerOptions?: Partial<KinesisConsumerOptions>;
  /**
   * Clients to use instead of the SDK's defaults (AWS_REGION, the credential chain, AWS_ENDPOINT_URL). main.ts
   * passes none; tests point them at an emulator. Clients passed in are not destroyed by `close()`.
   */
  kinesisClient?: KinesisClient;
  dynamoClient?: DynamoDBClient;
  clock?: Clock;
  timers?: Timers;
  idleSweepMs?: number;
  /** Process metrics (CPU, memory, event loop) on /metrics; default true. */
  defaultMetrics?: boolean;
}

export interface HealthReport {
  status: WorkerState;
  workerId: string;
  stream: string;
  applicationName: string;
  retrieval: TelemetryConsumerConfig['retrieval'];
  uptimeSeconds: number;
  consumer?: { leasesHeld: string[]; shards: ConsumerStatsView['shards']; recordsProcessed: number; deadLettered: number; retries: number };
  rollups: { openWindows: number; pending: number };
  files: { telemetry: ReturnType<FileSink['stats']>; rollups: ReturnType<FileSink['stats']> };
  deviceState: { table: string; written: number; stale: number };
  /** Absent when `--rollup-table off`. */
  rollupTable?: { table: string; written: number; superseded: number };
  /** Running with every dependency answering (GET /readyz answers 200 then, 503 otherwise). */
  ready: boolean;
  /** The dependencies failing now, and why (empty unless running). */
  degraded: DegradedDependency[];
}

export interface RunningTelemetryConsumer {
  readonly state: WorkerState;
  workerId: string;
  server: Server;
  /** http://host:port of the listener (127.0.0.1 when listening on every address). */
  url: string;
  port: number;
  consumer: ConsumerPort;
  handler: TelemetryHandler;
  metrics: TelemetryConsumerMetrics;
  files: { telemetry: FileSink; rollups: FileSink };
  deviceState: DeviceStateSink;
  rollupTable: RollupTableSink | undefined;
  health(): HealthReport;
  /** The whole graceful stop; safe to call twice. */
  close(): Promise<void>;
}

/** The worker's parts before the consumer exists: clients, sinks, rollups and the batch handler. */
interface WorkerParts {
  config: TelemetryConsumerConfig;
  logger: Logger;
  clock: Clock;
  timers: Timers;
  metrics: TelemetryConsumerMetrics;
  dynamoClient: DynamoDBClient;
  kinesisClient: KinesisClient | undefined;
  /** Destroyed by close(): the clients the app created itself (not those passed in). */
  ownClients: Array<{ destroy(): void }>;
  files: { telemetry: FileSink; rollups: FileSink };
  deviceState: DeviceStateSink;
  rollupTable: RollupTableSink | undefined;
  rollup: MinuteRollup;
  handler: TelemetryHandler;
  sinkHealth: SinkHealth;
}

/** The worker's lifecycle as its health and its stop see it. */
interface WorkerLife {
  state: WorkerState;
  consumer: ConsumerPort | undefined;
  dlq: DeadLetterSink | undefined;
  sweep: unknown;
}

export async function startTelemetryConsumer(deps: TelemetryConsumerDeps): Promise<RunningTelemetryConsumer> {
  const { config } = deps;
  const parts = createWorkerParts(deps);
  const { logger, timers, metrics, handler, files } = parts;
  const life: WorkerLife = { state: 'starting', consumer: undefined, dlq: undefined, sweep: undefined };
  const health = workerHealth(parts, life);

  // Timeouts from the runtime: headers 10 s, request 30 s, keep-alive 5 s, idle 60 s.
  const server = createHttpServer(createOpsListener({ health, metrics, logger }));
  const listening = await listenHttp(server, config.port, config.host).catch((err: Error) => {
    throw new TelemetryConsumerError('STARTUP_FAILED', `cannot listen on ${config.host}:${config.port}: ${err.message}`, false, { cause: err });
  });
  const releaseAll = async (): Promise<void> => {
    timers.clearTimeout(life.sweep);
    await Promise.allSettled([files.telemetry.close(), files.rollups.close()]);
    await life.dlq?.close?.().catch(() => undefined);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const client of parts.ownClients) client.destroy();
  };

  try {
    await prepareSinks(parts);
    life.dlq = countingDeadLetterSink(await openDeadLetterSink(config, deps.consumerFactory ?? consumerLibrary, parts.kinesisClient), metrics, logger);
    life.consumer = createConsumer(deps, parts, life.dlq);
    bindConsumerEvents(life.consumer, handler, metrics, logger);
    await life.consumer.start();
  } catch (err) {
    life.state = 'failed';
    await releaseAll();
    throw err;
  }
  life.state = 'running';
  const running: ConsumerPort = life.consumer;
  scheduleIdleSweep(parts, life, deps.idleSweepMs ?? APP_DEFAULTS.idleSweepMs);

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= stopWorker(parts, life, running, releaseAll));

  return {
    get state() {
      return life.state;
    },
    workerId: config.workerId,
    server,
    url: listening.url,
    port: listening.port,
    consumer: running,
    handler,
    metrics,
    files,
    deviceState: parts.deviceState,
    rollupTable: parts.rollupTable,
    health,
    close,
  };
}

function createWorkerParts(deps: TelemetryConsumerDeps): WorkerParts {
  const { config } = deps;
  const logger = deps.logger ?? pino({ level: 'silent' });
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemTimers;
  const metrics = new TelemetryConsumerMetrics({ defaultMetrics: deps.defaultMetrics });
  const dynamoClient = deps.dynamoClient ?? new DynamoDBClient({});
  const kinesisClient = deps.kinesisClient ?? (config.dlq.kind === 'stream' ? new KinesisClient({}) : undefined);
  const ownClients = [...(deps.dynamoClient === undefined ? [dynamoClient] : []), ...(deps.kinesisClient === undefined && kinesisClient ? [kinesisClient] : [])];

  const fileSink = (name: 'telemetry' | 'rollups'): FileSink =>
    new FileSink({
      root: config.outputDir,
      prefix: name,
      name,
      workerId: config.workerId,
      maxFileBytes: config.fileMaxBytes,
      maxFileAgeMs: config.fileMaxAgeMs,
      clock,
      timers,
      logger: logger.child({ component: `${name}-files` }),
      onCommitted: (file) => metrics.recordFile(name, file),
    });
  const files = { telemetry: fileSink('telemetry'), rollups: fileSink('rollups') };
  const deviceState = new DeviceStateSink({ client: dynamoClient, tableName: config.stateTable, clock, timers, logger: logger.child({ component: 'device-state' }) });
  const rollupTable =
    config.rollupTable === undefined
      ? undefined
      : new RollupTableSink({
          client: dynamoClient,
          tableName: config.rollupTable,
          ttlSeconds: config.rollupTtlDays * 86_400,
          clock,
          timers,
          logger: logger.child({ component: 'rollup-table' }),
          onWritten: (r) => metrics.recordRollupTableWrites(r),
        });
  const rollup = new MinuteRollup({ allowedLatenessMs: config.rollupLatenessMs, idleCloseMs: config.rollupIdleCloseMs });
  const sinkHealth = new SinkHealth();
  const trackSinks = sinkOutageLogger(sinkHealth, clock, logger);
  const handler = new TelemetryHandler({
    rollup,
    telemetryFiles: files.telemetry,
    rollupFiles: files.rollups,
    deviceState,
    ...(rollupTable ? { rollupTable } : {}),
    clock,
    logger: logger.child({ component: 'handler' }),
    onBatch: (o) => {
      metrics.recordBatch(o);
      trackSinks(o);
    },
    onRollupsWritten: (r) => metrics.recordRollups(r),
  });
  return { config, logger, clock, timers, metrics, dynamoClient, kinesisClient, ownClients, files, deviceState, rollupTable, rollup, handler, sinkHealth };
}

/** Sink outages, logged once when they start and once when they end (the handler logs each failure at debug). */
function sinkOutageLogger(sinkHealth: SinkHealth, clock: Clock, logger: Logger): (o: BatchOutcome) => void {
  return (o) => {
    const now = clock.now();
    if (o.error === undefined) {
      for (const t of sinkHealth.accepted(now)) if (t.kind === 'up') logger.info({ sink: t.sink, downForMs: t.downForMs, failedBatches: t.failures }, `${t.sink} accepts writes again`);
      return;
    }
    const sink = sinkOf(o.error);
    const t = sink === undefined ? undefined : sinkHealth.failed(sink, errorText(o.error), now);
    if (t?.kind === 'down') logger.warn({ sink: t.outage.sink, err: t.outage.reason }, `${t.outage.sink} refuses writes; batches wait and are retried (logged once per outage)`);
  };
}

/** The health report (/healthz, /readyz) and the metrics' scrape-time sources. */
function workerHealth(parts: WorkerParts, life: WorkerLife): () => HealthReport {
  const { config, clock, files, rollup, handler, deviceState, rollupTable } = parts;
  const startedAt = clock.now();
  /** What makes the worker not ready: services the consumer cannot reach, sinks that refuse writes. */
  const degraded = (): DegradedDependency[] => {
    const services = (life.consumer?.stats().services ?? [])
      .filter((s) => !s.healthy)
      .map((s) => ({ dependency: s.service, since: new Date(s.since).toISOString(), failures: s.failures, reason: s.lastError ? `${s.lastError.code}: ${s.lastError.message}` : 'failing' }));
    const sinks = parts.sinkHealth.current().map((o) => ({ dependency: o.sink, since: new Date(o.since).toISOString(), failures: o.failures, reason: o.reason }));
    return [...services, ...sinks];
  };
  const readiness = (): { ready: boolean; degraded: DegradedDependency[] } => {
    const list = life.state === 'running' ? degraded() : [];
    return { ready: life.state === 'running' && list.length === 0, degraded: list };
  };
  parts.metrics.bindSources({
    consumerStats: () => life.consumer?.stats(),
    openRollupWindows: () => rollup.openWindows,
    pendingRollups: () => handler.pendingRollups,
    openFiles: () => files.telemetry.stats().openFiles + files.rollups.stats().openFiles,
    dependencies: () => {
      const down = new Set(degraded().map((d) => d.dependency));
      return [...DEPENDENCIES].filter((d) => d !== 'rollup-table' || rollupTable !== undefined).map((dependency) => ({ dependency, up: !down.has(dependency) }));
    },
    ready: () => readiness().ready,
  });
  return (): HealthReport => {
    const s = life.consumer?.stats();
    const ds = deviceState.stats();
    return {
      status: life.state,
      workerId: config.workerId,
      stream: config.stream,
      applicationName: config.applicationName,
      retrieval: config.retrieval,
      uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
      ...(s
        ? { consumer: { leasesHeld: s.leasesHeld, shards: s.shards, recordsProcessed: s.recordsProcessed, deadLettered: s.deadLettered, retries: s.retries } }
        : {}),
      rollups: { openWindows: rollup.openWindows, pending: handler.pendingRollups },
      files: { telemetry: files.telemetry.stats(), rollups: files.rollups.stats() },
      deviceState: { table: config.stateTable, written: ds.written, stale: ds.stale },
      ...(rollupTable ? { rollupTable: { table: rollupTable.tableName, ...rollupTable.stats() } } : {}),
      ...readiness(),
    };
  };
}

/** Start steps 2 and 3: the file sinks (folders, salvage of orphaned files), then the tables (created if missing). */
async function prepareSinks(parts: WorkerParts): Promise<void> {
  const { logger, files, config, rollupTable } = parts;
  const recovered = await Promise.all([files.telemetry.start(), files.rollups.start()]);
  const salvaged = recovered[0].recovered + recovered[1].recovered;
  if (salvaged > 0) logger.warn({ files: salvaged }, 'published the complete lines of files a previous worker left open');
  const table = await parts.deviceState.ensureTable();
  logger.info({ table: config.stateTable, outcome: table }, 'device-state table ready');
  if (rollupTable) {
    const ready = await rollupTable.ensureTable();
    logger.info({ table: rollupTable.tableName, outcome: ready.outcome, ...(ready.ttl ? { ttl: ready.ttl } : {}) }, 'rollup table ready');
  }
}

function createConsumer(deps: TelemetryConsumerDeps, parts: WorkerParts, dlq: DeadLetterSink): ConsumerPort {
  const { config } = deps;
  return (deps.consumerFactory ?? consumerLibrary).createConsumer({
    streamName: config.stream,
    applicationName: config.applicationName,
    workerId: config.workerId,
    dynamoClient: parts.dynamoClient,
    ...(deps.kinesisClient ? { kinesisClient: deps.kinesisClient } : {}),
    retrieval: config.retrieval,
    ...(config.retrieval === 'fan-out' ? { consumerName: config.consumerName ?? config.applicationName } : {}),
    initialPosition: config.initialPosition,
    handler: parts.handler.handle,
    batchSize: config.batchSize,
    maximumRetryAttempts: config.maxRetries,
    bisectBatchOnFunctionError: config.bisect,
    maximumRecordAgeInSeconds: config.maxRecordAgeSeconds,
    onFailure: dlq,
    failoverTimeMs: config.failoverTimeMs,
    leaseProtocol: config.leaseProtocol,
    checkpointIntervalMs: config.checkpointIntervalMs,
    // The library gives up on in-flight batches a little before the service runner gives up on the whole stop, so
    // that rollups and files still get published.
    shutdownTimeoutMs: Math.max(1_000, Math.floor(config.shutdownTimeoutMs * 0.8)),
    logger: parts.logger.child({ component: 'kinesis-consumer' }),
    ...deps.consumerOptions,
  });
}

/** Closes the rollups of silent devices every `intervalMs` while the worker runs. */
function scheduleIdleSweep(parts: WorkerParts, life: WorkerLife, intervalMs: number): void {
  life.sweep = parts.timers.setTimeout(() => {
    parts.handler
      .closeIdle()
      .catch((err: unknown) => parts.logger.warn({ err }, 'could not write the rollups of idle devices; kept for the next write'))
      .finally(() => {
        if (life.state === 'running') scheduleIdleSweep(parts, life, intervalMs);
      });
  }, intervalMs);
}

/** The stop, in the order the file header gives; the first failure is thrown after every step ran. */
async function stopWorker(parts: WorkerParts, life: WorkerLife, consumer: ConsumerPort, releaseAll: () => Promise<void>): Promise<void> {
  const { logger, handler, files } = parts;
  life.state = 'stopping';
  parts.timers.clearTimeout(life.sweep);
  // From here every open window closes as 'shutdown' in step 3, also those of a lease lost during step 2.
  handler.beginShutdown();
  let failure: unknown;
  try {
    await consumer.stop();
  } catch (err) {
    failure = err;
    logger.error({ err }, 'consumer did not stop cleanly');
  }
  try {
    const written = await handler.closeAll();
    logger.info({ rollups: written }, 'open rollups written');
  } catch (err) {
    failure ??= err;
    logger.error({ err, pending: handler.pendingRollups }, 'could not write the open rollups');
  }
  const [t, r] = await Promise.allSettled([files.telemetry.close(), files.rollups.close()]);
  for (const result of [t, r]) {
    if (result.status === 'rejected') {
      failure ??= result.reason;
      logger.error({ err: result.reason }, 'could not publish an open file; it stays as a temporary file that a sweep publishes later');
    }
  }
  await releaseAll();
  life.state = failure === undefined ? 'stopped' : 'failed';
  if (failure !== undefined) throw failure;
}

async function openDeadLetterSink(config: TelemetryConsumerConfig, factory: ConsumerFactory, kinesisClient: KinesisClient | undefined): Promise<DeadLetterSink> {
  if (config.dlq.kind === 'stream') {
    if (!kinesisClient) throw new TelemetryConsumerError('STARTUP_FAILED', 'a Kinesis client is needed for the dead-letter stream', false);
    return factory.kinesisDeadLetterSink(kinesisClient, config.dlq.streamName);
  }
  await fsp.mkdir(path.dirname(config.dlq.path), { recursive: true });
  return factory.fileDeadLetterSink(config.dlq.path);
}

/** Counts and logs what reaches the dead-letter destination; closes the inner sink once. */
function countingDeadLetterSink(inner: DeadLetterSink, metrics: TelemetryConsumerMetrics, logger: Logger): DeadLetterSink {
  let closing: Promise<void> | undefined;
  return {
    send: async (entries: DeadLetterEntry[]) => {
      await inner.send(entries);
      metrics.recordDeadLetters(entries);
      for (const e of entries) {
        logger.warn(
          { shardId: e.record.shardId, sequenceNumber: e.record.sequenceNumber, subSequenceNumber: e.record.subSequenceNumber, condition: e.condition, attempts: e.attempts, error: e.error.message },
          'record dead-lettered',
        );
      }
    },
    close: () => (closing ??= inner.close?.() ?? Promise.resolve()),
  };
}

function bindConsumerEvents(consumer: ConsumerPort, handler: TelemetryHandler, metrics: TelemetryConsumerMetrics, logger: Logger): void {
  consumer.subscribe({
    leaseAcquired: (e) => {
      metrics.recordEvent('leaseAcquired');
      // The consumer library logs acquisitions and losses at their level (a worker taking its share is routine,
      // issue 19); here they are counted, and logged at debug for tracing.
      logger.debug({ shardId: e.shardId, stolen: e.stolen, previousOwner: e.previousOwner }, 'lease acquired');
    },
    leaseLost: (e) => {
      metrics.recordEvent('leaseLost');
      logger.debug({ shardId: e.shardId, reason: e.reason }, 'lease lost');
      // The devices of that shard continue on another worker: write what this one rolled up for them.
      handler.closeShard(e.shardId).catch((err: unknown) => logger.warn({ err, shardId: e.shardId }, 'could not write the rollups of a lost shard; kept for the next write'));
    },
    shardEnded: (e) => {
      metrics.recordEvent('shardEnded');
      logger.info({ shardId: e.shardId, childShardIds: e.childShardIds }, 'shard ended');
    },
    error: () => {
      // Logged by the library once per failure (an outage once), without a stack; counted here.
      metrics.recordEvent('error');
    },
  });
}

/**
 * GET /healthz (liveness: 200 while running, 503 otherwise), GET /readyz (503 while a dependency fails, and why, so
 * traffic and alerts see the outage; restarting a worker does not bring DynamoDB back, so liveness stays 200) and GET
 * /metrics; everything else 404/405 as problem JSON (the runtime's ops endpoints).
 */
function createOpsListener(options: { health: () => HealthReport; metrics: TelemetryConsumerMetrics; logger: Logger }): OpsRequestListener {
  return createOpsEndpoints({
    liveness: () => {
      const report = options.health();
      return { ok: report.status === 'running', body: report };
    },
    readiness: () => {
      const report = options.health();
      return { ok: report.ready, body: { ready: report.ready, status: report.status, degraded: report.degraded } };
    },
    metrics: options.metrics,
    logger: options.logger,
  });
}
