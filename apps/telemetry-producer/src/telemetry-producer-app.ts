/**
 * The app, assembled: producer, device simulator, ingest API, metrics and health, and their shutdown order.
 * main.ts hands `startTelemetryProducer` to the runtime's service runner; tests call the same factory in process
 * with the emulator's endpoint.
 *
 * Shutdown (`close()`, SIGTERM/SIGINT through the service runner), in this order:
 * 1. /healthz turns 503 and new ingest requests get 503 (load balancers and clients go elsewhere);
 * 2. the listener stops accepting connections and idle keep-alive connections are closed;
 * 3. the simulator stops generating and waits for its records' answers (delivered, or written to the durable buffer);
 *    the durable buffer waits until its records still in the producer are delivered or spilled, and closes its files;
 * 4. ingest requests in progress finish (their records are in the producer; they get their answers);
 * 5. `producer.close()` sends everything still buffered and waits for Kinesis;
 * 6. connections still open are closed.
 * Nothing accepted is dropped: a record is either acknowledged or reported failed (logged, counted).
 */
import type { Server } from 'node:http';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import type express from 'express';
import pino, { type Logger } from 'pino';
import { loadAuthOptions, type AuthenticatorOptions } from '@tributary/auth';
import {
  DurableProducer,
  KinesisProducer,
  type DefaultClientOptions,
  type DurableBufferOptions,
  type KinesisProducerOptions,
} from '@tributary/kinesis-producer';
import { PerDeviceKeyStrategy } from '@tributary/partitioning';
import { createHttpServer, listenHttp } from '@tributary/runtime';
import { systemClock, type Clock } from './clock';
import { InFlightWindow } from './in-flight-window';
import { createIngestServer, type HealthReport } from './ingest/ingest-server';
import { KeyRateLimiter } from './ingest/key-rate-limiter';
import { DeviceSimulator } from './simulator/device-simulator';
import { createSeededRandom, type RandomSource } from './simulator/random-source';
import { ensureStream } from './stream-bootstrap';
import { SETTING_NAMES, type TelemetryProducerConfig } from './telemetry-producer-config';
import { TelemetryMetrics } from './telemetry-metrics';

export interface TelemetryProducerDeps {
  config: TelemetryProducerConfig;
  /** pino; silent when absent. */
  logger?: Logger;
  /**
   * Time of the simulator's pacing, the rate limiter and the start-up check. Not handed to the producer, whose
   * linger and backoff run on real timers: give `producerOptions.clock` and `.timers` together for that.
   */
  clock?: Clock;
  /** The simulator's randomness; seeded from `config.seed` when set, Math.random otherwise. */
  random?: RandomSource;
  /**
   * Overrides of what the AWS SDK otherwise reads from the environment (region, endpoint, credentials). main.ts
   * passes none: AWS_REGION, the credential chain and AWS_ENDPOINT_URL decide. Tests point it at an emulator.
   */
  kinesis?: DefaultClientOptions;
  /** Credentials accepted by the ingest API; built from the settings when absent. */
  auth?: AuthenticatorOptions;
  /** Producer tuning beyond the settings (tests shorten linger and time-to-live). */
  producerOptions?: Partial<KinesisProducerOptions>;
  /** Durable-buffer tuning beyond the settings (tests shorten the replay pause). */
  bufferOptions?: Partial<DurableBufferOptions>;
  /** Process metrics (CPU, memory, event loop) on /metrics; default true. */
  defaultMetrics?: boolean;
}

export interface TelemetryProducerApp {
  app: express.Express;
  producer: KinesisProducer;
  /** The simulator's store-and-forward buffer (absent with `--buffer-dir off` or without the simulator). */
  durable: DurableProducer | undefined;
  simulator: DeviceSimulator | undefined;
  metrics: TelemetryMetrics;
  health(): HealthReport;
  /** True once shutdown began. */
  readonly closing: boolean;
  /** Step 1 of the shutdown: refuse new work. */
  beginClose(): void;
  /** Waits until every ingest request in progress has its records answered. */
  ingestDrained(): Promise<void>;
}

export interface RunningTelemetryProducer extends TelemetryProducerApp {
  server: Server;
  /** http://host:port of the listener (127.0.0.1 when listening on every address). */
  url: string;
  port: number;
  /** The whole shutdown sequence; resolves once every accepted record is settled. Safe to call twice. */
  close(): Promise<void>;
}

/** Everything but the listener and the stream check: an Express app and the parts behind it. */
export async function createTelemetryProducerApp(deps: TelemetryProducerDeps): Promise<TelemetryProducerApp> {
  const { config } = deps;
  const logger = deps.logger ?? pino({ level: 'silent' });
  const clock = deps.clock ?? systemClock;
  const metrics = new TelemetryMetrics({ defaultMetrics: deps.defaultMetrics });
  const simulate = config.mode !== 'ingest';
  const ingest = config.mode !== 'simulate';
  const auth = ingest ? (deps.auth ?? (await loadAuthOptions(config, SETTING_NAMES))) : undefined;
  const buffered = simulate && config.bufferDir !== undefined;

  const producer = createProducer(deps, logger, buffered);
  metrics.bindProducer(producer);
  const durable = buffered
    ? new DurableProducer({
        producer,
        buffer: { dir: config.bufferDir as string, maxBytes: config.bufferMaxBytes, maxAgeMs: config.bufferMaxAgeMs, ...deps.bufferOptions },
        logger,
      })
    : undefined;
  if (durable) metrics.bindDurableBuffer(durable);

  const keyStrategy = new PerDeviceKeyStrategy();
  const simulator = simulate ? createSimulator(deps, durable ?? producer, keyStrategy, clock, logger) : undefined;
  if (simulator) metrics.bindSimulator(simulator);

  const window = new InFlightWindow(config.maxInFlight);
  if (ingest) metrics.bindIngestWindow(window);
  let closing = false;
  const health = healthReporter({ config, producer, durable, simulator, window: ingest ? window : undefined, clock, isClosing: () => closing });
  metrics.bindDegraded(() => health().degraded !== undefined);

  const app = createIngestServer({
    ingest: auth
      ? {
          producer,
          auth,
          keyStrategy,
          bodyLimit: config.bodyLimit,
          ...(config.rateLimit > 0 ? { rateLimiter: new KeyRateLimiter({ ratePerSecond: config.rateLimit, burst: config.rateBurst, clock }) } : {}),
          window,
        }
      : undefined,
    metrics,
    logger,
    health,
    isClosing: () => closing,
  });

  return {
    app,
    producer,
    durable,
    simulator,
    metrics,
    health,
    get closing() {
      return closing;
    },
    beginClose: () => {
      closing = true;
    },
    ingestDrained: () => window.drained(),
  };
}

function createProducer(deps: TelemetryProducerDeps, logger: Logger, buffered: boolean): KinesisProducer {
  const { config } = deps;
  return new KinesisProducer({
    streamName: config.stream,
    aggregation: config.aggregation,
    ordered: config.ordered,
    // The linger bounds how long an ingest answer waits for its acknowledgement (it is most of the latency).
    maxBufferedTimeMs: config.lingerMs,
    recordTtlMs: config.recordTtlMs,
    // The durable buffer replays a device's records in order only if an expiry never lets a later one go first.
    ...(buffered ? { expireBehind: true } : {}),
    ...(deps.kinesis ? { clientOptions: deps.kinesis } : {}),
    logger,
    // The dead-letter hook: a record that could not be delivered within its time-to-live (or that Kinesis
    // refused for good) is counted in the producer's delivery log (a summary line per 10 s, not a line per batch:
    // issue 12) and in metrics, never dropped silently; the simulator's go to the durable buffer when it is on.
    // Callers also see it through their put() promise (the ingest answer says `failed`).
    onFailure: (failures) => {
      logger.debug({ records: failures.length, lastError: failures[failures.length - 1]?.error.message }, 'records not delivered');
    },
    ...deps.producerOptions,
  });
}

function createSimulator(deps: TelemetryProducerDeps, producer: DurableProducer | KinesisProducer, keyStrategy: PerDeviceKeyStrategy, clock: Clock, logger: Logger): DeviceSimulator {
  const { config } = deps;
  return new DeviceSimulator({
    producer,
    devices: config.devices,
    ratePerDevice: config.ratePerDevice,
    devicePrefix: config.devicePrefix,
    home: config.home,
    maxInFlight: config.simMaxInFlight,
    keyStrategy,
    firstSeq: Math.floor(clock.now()),
    clock,
    random: deps.random ?? (config.seed !== undefined ? createSeededRandom(config.seed) : Math.random),
    logger: logger.child({ component: 'simulator' }),
  });
}

interface HealthParts {
  config: TelemetryProducerConfig;
  producer: KinesisProducer;
  durable: DurableProducer | undefined;
  simulator: DeviceSimulator | undefined;
  /** The ingest API's in-flight window; undefined without the API. */
  window: InFlightWindow | undefined;
  clock: Clock;
  isClosing(): boolean;
}

/**
 * The report /healthz and /readyz answer from. Degraded is why the app is not fully well while it runs: Kinesis
 * unreachable (the producer's delivery status), or records waiting in the durable buffer. Readiness (/readyz)
 * answers 503 then; liveness (/healthz) stays 200.
 */
function healthReporter(parts: HealthParts): () => HealthReport {
  const { config, producer, durable, simulator, window, clock } = parts;
  const startedAt = clock.now();
  const degradedReasons = (): string[] => {
    const reasons: string[] = [];
    const delivery = producer.deliveryStatus();
    if (delivery.state === 'degraded') reasons.push(delivery.reason as string);
    const waiting = durable?.stats().bufferedRecords ?? 0;
    if (waiting > 0) reasons.push(`${waiting} records in the durable buffer, not yet delivered`);
    return reasons;
  };
  return (): HealthReport => {
    const p = producer.stats();
    const degraded = degradedReasons();
    return {
      status: parts.isClosing() ? 'closing' : degraded.length > 0 ? 'degraded' : 'ok',
      ...(degraded.length > 0 ? { degraded } : {}),
      mode: config.mode,
      stream: config.stream,
      uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
      producer: {
        writable: producer.writable,
        bufferedRecords: p.bufferedRecords,
        bufferedBytes: p.bufferedBytes,
        waitingPuts: p.waitingPuts,
        inFlightRequests: p.inFlightRequests,
        retryingRecords: p.retryingRecords,
        shards: p.shards,
        totals: p.totals,
      },
      ...(durable ? { buffer: durable.stats() } : {}),
      ...(simulator ? { simulator: simulator.stats() } : {}),
      ...(window ? { ingest: { inFlightRecords: window.size, maxInFlightRecords: window.capacity } } : {}),
    };
  };
}

/** Checks the stream, builds the app, listens on host:port and starts the simulator. */
export async function startTelemetryProducer(deps: TelemetryProducerDeps): Promise<RunningTelemetryProducer> {
  const { config } = deps;
  const logger = deps.logger ?? pino({ level: 'silent' });
  const clock = deps.clock ?? systemClock;

  const control = new KinesisClient({ ...(deps.kinesis ?? {}) });
  try {
    await ensureStream({ client: control, streamName: config.stream, createShards: config.createStreamShards, clock, logger });
  } finally {
    control.destroy();
  }

  const parts = await createTelemetryProducerApp({ ...deps, logger, clock });
  // Timeouts from the runtime (headers 10 s, request 30 s, idle 60 s): the request timeout bounds receiving the
  // body only, so an answer that waits for Kinesis' acknowledgements is not cut by it.
  const server = createHttpServer(parts.app);
  let listening: { url: string; port: number };
  try {
    listening = await listenHttp(server, config.port, config.host);
  } catch (err) {
    await parts.producer.close();
    throw err;
  }
  parts.simulator?.start();

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      parts.beginClose();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await parts.simulator?.stop();
      await parts.durable?.close();
      await parts.ingestDrained();
      await parts.producer.close();
      // Answers already written; give keep-alive connections a moment to end on their own, then close them.
      const grace = new Promise<void>((resolve) => setTimeout(resolve, 200).unref());
      await Promise.race([serverClosed, grace]);
      server.closeAllConnections();
      await serverClosed;
    })());

  return Object.assign(parts, { server, url: listening.url, port: listening.port, close });
}
