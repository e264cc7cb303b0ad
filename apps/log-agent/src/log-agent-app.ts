/**
 * The agent, assembled: one CheckpointStore, per flow a FileTailer (tailing/), its processing (processing/) and a
 * FlowDelivery (delivery/), one KinesisProducer per stream shared by the flows that write to it, the metrics and
 * the /healthz, /readyz, /metrics listener. main.ts hands `startLogAgent` to the runtime's service runner; the int
 * specs run the same agent as a child process (kill -9) or in process.
 *
 * Shutdown (`close()`, SIGTERM/SIGINT through the service runner), in this order:
 * 1. /healthz and /readyz answer 503 `closing`;
 * 2. deliveries stop taking chunks (a chunk in progress stops where it is: its unsent lines are after the
 *    checkpoint and are read again at the next start);
 * 3. every producer flushes: each record put so far is acknowledged (its ack moves its file's checkpoint);
 * 4. every tailer stops and writes its checkpoint (fsynced, atomic rename: checkpoint/checkpoint-store.ts);
 * 5. the producers close and the listener closes.
 * The runner's deadline (agent.json `shutdownTimeoutMillis`, or the flag) bounds it; past it the process exits 1
 * and the last checkpoint written (at most a second old) stands: what was in flight is sent again at the restart.
 */
import type { Server } from 'node:http';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { KinesisProducer, KINESIS_LIMITS, type DefaultClientOptions, type KinesisProducerOptions } from '@tributary/kinesis-producer';
import { listenHttp, noopLogger, systemClock, type Clock, type Logger } from '@tributary/runtime';
import { CheckpointStore } from './checkpoint/checkpoint-store';
import { FlowDelivery } from './delivery/flow-delivery';
import { partitionKeyFunction, type PartitionKeyOption } from './delivery/partition-key';
import { AGENT_AGGREGATE_MAX_BYTES, DELIVERY_DEFAULTS, agentProducerSettings, differingBufferSettings, type DeliverySettings } from './delivery/producer-settings';
import { createOpsServer, type HealthReport } from './ops/ops-server';
import { LogAgentMetrics, type FlowMetricsSource } from './ops/log-agent-metrics';
import { FlowProcessing, newProcessingCounters, type ProcessingOption } from './processing';
import { FileTailer, type FileTailerOptions } from './tailing/file-tailer';
import type { TailerEvent } from './tailing/tailer-types';

/** One flow as the app runs it (config/ parses agent.json into these). */
export interface LogAgentFlow {
  /** Names the flow in checkpoints, metrics and logs. */
  id: string;
  filePattern: string;
  kinesisStream: string;
  partitionKeyOption: PartitionKeyOption;
  initialPosition: 'START_OF_FILE' | 'END_OF_FILE';
  multiLineStartPattern?: string;
  skipHeaderLines: number;
  truncatedRecordTerminator: string;
  maxBufferAgeMillis: number;
  maxBufferSizeRecords: number;
  maxBufferSizeBytes: number;
  /** The tailer's poll interval where inotify does not work, and its safety rescan while it does (tailer defaults). */
  minTimeBetweenFilePollsMillis?: number;
  maxTimeBetweenFileTrackerRefreshMillis?: number;
  dataProcessingOptions: readonly ProcessingOption[];
}

/** An agent.json setting this agent reads and does not honour, reported at start (config/'s, with its text). */
export interface UnsupportedSetting {
  setting: string;
  /** The flow it came from (its filePattern), absent for a top-level one. */
  flow?: string;
  why: string;
  /** The whole sentence (config/ formatUnsupported): "flow <pattern>: setting <key> is not supported: <why>". */
  message: string;
}

export interface LogAgentConfig {
  flows: readonly LogAgentFlow[];
  checkpointFile: string;
  checkpointTimeToLiveDays: number;
  /** agent.json kinesis.endpoint / kinesis.region / static keys (absent: the SDK's own settings). */
  kinesisEndpoint?: string;
  kinesisRegion?: string;
  credentials?: AwsCredentialIdentity;
  unsupported: readonly UnsupportedSetting[];
  host: string;
  /** 0 picks a free port. */
  port: number;
  delivery?: Partial<DeliverySettings>;
}

export interface LogAgentDeps {
  config: LogAgentConfig;
  logger?: Logger;
  clock?: Clock;
  /** Client settings beyond the config's (tests: credentials for the emulator). */
  kinesis?: DefaultClientOptions;
  /** Producer tuning beyond the settings (tests shorten retries and timeouts). */
  producerOptions?: Partial<KinesisProducerOptions>;
  /** Tailer tuning (tests shorten the rotated-file idle time and the poll interval). */
  tailerOptions?: Partial<Pick<FileTailerOptions, 'pollIntervalMs' | 'rotatedIdleMs' | 'checkpointIntervalMs' | 'forcePolling' | 'maxChunkBytes'>>;
  /** fsync checkpoints (default true). */
  fsync?: boolean;
  defaultMetrics?: boolean;
}

export interface RunningFlow extends FlowMetricsSource {
  tailer: FileTailer;
  flowDelivery: FlowDelivery;
}

export interface RunningLogAgent {
  flows: readonly RunningFlow[];
  producers: ReadonlyMap<string, KinesisProducer>;
  metrics: LogAgentMetrics;
  health(): HealthReport;
  server: Server;
  url: string;
  port: number;
  /** The whole shutdown; safe to call twice. */
  close(): Promise<void>;
}

/** Logs every agent.json setting read and not honoured, each with its flow: one line each, at start. */
export function reportUnsupported(unsupported: readonly UnsupportedSetting[], logger: Logger): void {
  for (const u of unsupported) {
    logger.warn({ setting: u.setting, ...(u.flow !== undefined ? { flow: u.flow } : {}) }, u.message);
  }
}

export async function startLogAgent(deps: LogAgentDeps): Promise<RunningLogAgent> {
  const { config } = deps;
  const logger = deps.logger ?? noopLogger;
  const clock = deps.clock ?? systemClock;
  reportUnsupported(config.unsupported, logger);
  const metrics = new LogAgentMetrics({ defaultMetrics: deps.defaultMetrics });
  const store = await CheckpointStore.open({ path: config.checkpointFile, ttlDays: config.checkpointTimeToLiveDays, fsync: deps.fsync ?? true });
  const producers = createProducers(deps, logger, metrics);
  const flows = config.flows.map((flow) => createFlow(flow, deps, store, producers.get(flow.kinesisStream) as KinesisProducer, logger, clock));
  metrics.bindFlows(flows);

  let closing = false;
  const health = healthReporter(flows, producers, clock, () => closing);
  const server = createOpsServer(health, metrics, logger);
  let listening: { url: string; port: number };
  try {
    for (const f of flows) await f.tailer.start();
    listening = await listenHttp(server, config.port, config.host);
  } catch (err) {
    for (const f of flows) await f.tailer.stop().catch(() => undefined);
    for (const p of producers.values()) await p.close();
    throw err;
  }

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      closing = true;
      for (const f of flows) f.flowDelivery.stopAccepting();
      await Promise.all([...producers.values()].map((p) => p.flush()));
      await Promise.all(flows.map((f) => f.tailer.stop()));
      await store.flush();
      await Promise.all([...producers.values()].map((p) => p.close()));
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await serverClosed;
    })());

  return { flows, producers, metrics, health, server, url: listening.url, port: listening.port, close };
}

/** One producer per stream; a second flow on a stream with other buffer settings gets the first one's (warned). */
function createProducers(deps: LogAgentDeps, logger: Logger, metrics: LogAgentMetrics): Map<string, KinesisProducer> {
  const { config } = deps;
  const delivery = { ...DELIVERY_DEFAULTS, ...config.delivery };
  const clientOptions: DefaultClientOptions = {
    ...(config.kinesisEndpoint ? { endpoint: config.kinesisEndpoint } : {}),
    ...(config.kinesisRegion ? { region: config.kinesisRegion } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...deps.kinesis,
  };
  const producers = new Map<string, KinesisProducer>();
  const firstFlow = new Map<string, LogAgentFlow>();
  for (const flow of config.flows) {
    const first = firstFlow.get(flow.kinesisStream);
    if (first) {
      const differing = differingBufferSettings(flow, first);
      if (differing.length > 0) {
        logger.warn({ flow: flow.filePattern, stream: flow.kinesisStream, settings: differing, from: first.filePattern }, 'flows on one stream share its producer: these buffer settings are taken from the first flow');
      }
      continue;
    }
    firstFlow.set(flow.kinesisStream, flow);
    const producer = new KinesisProducer({
      // Calls capped at AGENT_CALL_MAX_BYTES: several within the in-flight bound, so that they overlap.
      ...agentProducerSettings(flow, delivery),
      clientOptions,
      logger,
      // Expired records are put again by delivery and rejected ones are logged there: nothing to add here.
      onFailure: () => undefined,
      ...deps.producerOptions,
    });
    metrics.bindProducer(producer);
    producers.set(flow.kinesisStream, producer);
  }
  return producers;
}

function createFlow(flow: LogAgentFlow, deps: LogAgentDeps, store: CheckpointStore, producer: KinesisProducer, logger: Logger, clock: Clock): RunningFlow {
  const flowLogger = logger.child({ flow: flow.id });
  const processing = new FlowProcessing(flow);
  const counters = newProcessingCounters();
  const partitionKey = partitionKeyFunction(flow.partitionKeyOption);
  // The agent leaves room for its key (KinesisRecord.getMaxDataSize): an MD5 hex key is 32, a random double ≤ 24.
  const keyRoom = flow.partitionKeyOption === 'DETERMINISTIC' ? 32 : 24;
  const delivery = { ...DELIVERY_DEFAULTS, ...deps.config.delivery };
  const flowDelivery = new FlowDelivery({
    flowId: flow.id,
    producer,
    processing,
    counters,
    partitionKey,
    maxDataBytes: KINESIS_LIMITS.recordMaxBytes - keyRoom,
    maxInFlight: delivery.maxBufferedRecords,
    quietFlushMs: flow.maxBufferAgeMillis,
    // RANDOM keys do not depend on the data: the agent builds the aggregates (flow-delivery.ts); DETERMINISTIC
    // ones put each line under its key and the producer groups them by shard (an MD5 per line either way).
    ...(delivery.aggregation && flow.partitionKeyOption === 'RANDOM' ? { aggregateMaxBytes: AGENT_AGGREGATE_MAX_BYTES } : {}),
    clock,
    logger: flowLogger,
  });
  const tailer = new FileTailer({
    flowId: flow.id,
    filePattern: flow.filePattern,
    initialPosition: flow.initialPosition,
    store,
    onChunk: (chunk) => flowDelivery.onChunk(chunk),
    onFileDone: (file) => flowDelivery.onFileDone(file),
    onEvent: (event) => logTailerEvent(event, flowLogger),
    logger: flowLogger,
    clock,
    ...(flow.minTimeBetweenFilePollsMillis !== undefined ? { pollIntervalMs: flow.minTimeBetweenFilePollsMillis } : {}),
    ...(flow.maxTimeBetweenFileTrackerRefreshMillis !== undefined ? { safetyScanIntervalMs: flow.maxTimeBetweenFileTrackerRefreshMillis } : {}),
    ...deps.tailerOptions,
  });
  flowDelivery.bindTailer(tailer);
  return {
    flowId: flow.id,
    stream: flow.kinesisStream,
    counters,
    tailer,
    flowDelivery,
    delivery: () => flowDelivery.stats(),
    tailerStats: () => tailer.stats(),
  };
}

/** Rotations and truncations at info (they are rare and worth seeing); bytes lost to a truncation at warn. */
function logTailerEvent(event: TailerEvent, logger: Logger): void {
  switch (event.kind) {
    case 'file-truncated':
      if (event.unreadBytesLost > 0) logger.warn(event, 'file truncated before its last lines were read: those bytes are lost');
      else logger.info(event, 'file truncated: reading it again from the start');
      return;
    case 'watch-fallback':
      logger.warn(event, 'inotify unavailable for the directory: polling it');
      return;
    case 'file-found':
      logger.info(event, `tailing ${event.path} from offset ${event.offset} (${event.reason})`);
      return;
    default:
      logger.info(event, event.kind);
  }
}

function healthReporter(flows: readonly RunningFlow[], producers: ReadonlyMap<string, KinesisProducer>, clock: Clock, isClosing: () => boolean): () => HealthReport {
  const startedAt = clock.now();
  return () => {
    const degraded: string[] = [];
    for (const [stream, p] of producers) {
      const status = p.deliveryStatus();
      if (status.state === 'degraded') degraded.push(`${stream}: ${status.reason ?? 'Kinesis unreachable'}`);
    }
    return {
      status: isClosing() ? 'closing' : degraded.length > 0 ? 'degraded' : 'ok',
      ...(degraded.length > 0 ? { degraded } : {}),
      uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
      flows: flows.map((f) => {
        const t = f.tailer.stats();
        const d = f.flowDelivery.stats();
        return {
          flow: f.flowId,
          stream: f.stream,
          filesTracked: t.filesTracked,
          watching: t.watching,
          bytesBehind: t.files.reduce((n, file) => n + file.bytesBehind, 0),
          bytesUnacknowledged: t.files.reduce((n, file) => n + file.bytesUnacknowledged, 0),
          rotatedFilesPending: t.files.filter((file) => file.rotated).length,
          recordsInFlight: d.inFlight,
          oldestUnsentLineAgeMs: d.oldestUnackedAgeMs,
          linesRead: f.counters.linesRead,
          recordsAcknowledged: d.recordsAcked,
          parseFailures: f.counters.parseFailures,
        };
      }),
    };
  };
}
