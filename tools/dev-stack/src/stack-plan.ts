/**
 * What `npm start` runs: the settings it reads (data folder, ports), the AWS resources it bootstraps and the child
 * processes with their environment, readiness URL and stop order. Pure (environment in, plan out), so the whole
 * wiring is visible in one place and checked by a unit spec.
 */
import * as path from 'node:path';
import { DASHBOARD_TABLE_DEFAULTS } from '@tributary/schemas';
import { DevStackError } from './dev-stack-error';
import { apiKeyListEntry, type LocalCredential } from './local-credential';

/** Resource names: the contract of issue 7 (the apps' defaults; the tables the dashboard reads, from libs/schemas). */
export const STACK_RESOURCES = {
  telemetryStream: 'telemetry',
  telemetryShards: 4,
  cameras: ['camera-1', 'camera-2'],
  kvsRetentionHours: 24,
  /** The consumer's lease table is named after its application name. */
  leaseTable: DASHBOARD_TABLE_DEFAULTS.leases,
  deviceStateTable: DASHBOARD_TABLE_DEFAULTS.deviceState,
  rollupTable: DASHBOARD_TABLE_DEFAULTS.rollups,
  cameraHealthTable: DASHBOARD_TABLE_DEFAULTS.cameraHealth,
  /** The log-agent demo (issue 14): web-server access lines, as JSON, in their own stream. */
  logsStream: 'logs',
  logsShards: 1,
} as const;

export const PORT_SETTINGS = {
  emulator: { env: 'EMULATOR_PORT', default: 4566 },
  gateway: { env: 'GATEWAY_PORT', default: 8088 },
  telemetryProducer: { env: 'TELEMETRY_PORT', default: 8080 },
  consumer1: { env: 'TELEMETRY_CONSUMER_PORT', default: 8081 },
  consumer2: { env: 'TELEMETRY_CONSUMER_2_PORT', default: 8082 },
  videoProducer: { env: 'VIDEO_PORT', default: 8090 },
  logAgent: { env: 'LOG_AGENT_PORT', default: 8092 },
} as const;

export type PortName = keyof typeof PORT_SETTINGS;
export type StackPorts = Record<PortName, number>;

export interface StackSettings {
  /** Absolute data folder (`TRIBUTARY_DATA_DIR`, default `.data`). */
  dataDir: string;
  /** Ports as configured; 0 means "any free port" and is resolved before the parts start. */
  ports: StackPorts;
  /** Level the apps log at (`LOG_LEVEL`, default info). */
  logLevel: string;
  /** Simulated devices and their rate (`DEV_STACK_DEVICES`, `DEV_STACK_RATE`). */
  devices: number;
  rate: number;
}

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export function readStackSettings(env: NodeJS.ProcessEnv, cwd: string): StackSettings {
  const ports = {} as StackPorts;
  for (const [name, setting] of Object.entries(PORT_SETTINGS) as [PortName, { env: string; default: number }][]) {
    ports[name] = integerSetting(env, setting.env, setting.default, 0, 65535);
  }
  const logLevel = nonEmpty(env['LOG_LEVEL']) ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) throw new DevStackError('CONFIG', `LOG_LEVEL: expected one of ${[...LOG_LEVELS].join(', ')} (got "${logLevel}")`, false);
  return {
    dataDir: path.resolve(cwd, nonEmpty(env['TRIBUTARY_DATA_DIR']) ?? '.data'),
    ports,
    logLevel,
    devices: integerSetting(env, 'DEV_STACK_DEVICES', 20, 1, 10_000),
    rate: integerSetting(env, 'DEV_STACK_RATE', 1, 1, 100),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integerSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new DevStackError('CONFIG', `${name}: expected an integer from ${min} to ${max} (got "${raw}")`, false);
  return n;
}

/** One child process of the stack. */
export interface PartSpec {
  /** Short name, shown in progress lines and as the `[name]` log prefix. */
  name: string;
  /** `apps/<app>/src/main.ts`, relative to the repository root. */
  entry: string;
  args: string[];
  /** Environment on top of the inherited one (AWS settings included). */
  env: Record<string, string>;
  /** Polled until it answers 200: the part is ready. */
  readyUrl: string;
  /** Parts stop in ascending stage; a stage's parts stop together. */
  stopStage: number;
  /** The port it listens on (for the banner and the test starter). */
  port: number;
}

/** The video-producer's cameras file (its `--config` format): two test patterns, light enough for a 2-core machine. */
export function camerasConfig(): { cameras: Record<string, unknown>[] } {
  return {
    cameras: STACK_RESOURCES.cameras.map((stream) => ({
      stream,
      source: 'testsrc',
      // 1-s fragments: a live view with little delay.
      fragmentMs: 1000,
      width: 640,
      height: 360,
      fps: 15,
      bitrateKbps: 500,
      preset: 'ultrafast',
    })),
  };
}

export interface PlanInputs {
  settings: StackSettings;
  /** Every port resolved (none 0). */
  ports: StackPorts;
  emulatorUrl: string;
  credential: LocalCredential;
  /** Where the cameras file was written. */
  camerasFile: string;
  /** Where the log-agent's agent.json was written (logAgentConfig). */
  agentConfigFile: string;
}

/** Where the demo writer appends its access log (rotated by rename: access.log.1, .2, …). */
export function accessLogPath(dataDir: string): string {
  return path.join(dataDir, 'access-logs', 'access.log');
}

/**
 * The log-agent's agent.json (the Kinesis Agent's format): the demo's access log, every rotated copy included,
 * into the logs stream as JSON (LOGTOJSON COMBINEDAPACHELOG), sent within a second (the agent's default is 60 s).
 */
export function logAgentConfig(dataDir: string): Record<string, unknown> {
  return {
    checkpointFile: path.join(dataDir, 'log-agent', 'checkpoints.json'),
    'cloudwatch.emitMetrics': false,
    flows: [
      {
        filePattern: `${accessLogPath(dataDir)}*`,
        kinesisStream: STACK_RESOURCES.logsStream,
        initialPosition: 'START_OF_FILE',
        maxBufferAgeMillis: 1000,
        dataProcessingOptions: [{ optionName: 'LOGTOJSON', logFormat: 'COMBINEDAPACHELOG' }],
      },
    ],
  };
}

const HOST = '127.0.0.1';

/** A part without the environment every part shares (planParts adds it). */
type PartPlan = (inputs: PlanInputs) => PartSpec;

/** Telemetry consumer worker `n`: stop stage 1, after the producers, so that it checkpoints what they drained. */
function consumerPart(n: 1 | 2): PartPlan {
  return ({ settings, ports }) => {
    const port = n === 1 ? ports.consumer1 : ports.consumer2;
    return {
      name: `consumer-${n}`,
      entry: 'apps/telemetry-consumer/src/main.ts',
      args: [],
      env: {
        TELEMETRY_CONSUMER_STREAM: STACK_RESOURCES.telemetryStream,
        TELEMETRY_CONSUMER_APPLICATION_NAME: STACK_RESOURCES.leaseTable,
        // Fixed worker ids: a restarted worker takes its own leases back at once.
        TELEMETRY_CONSUMER_WORKER_ID: `dev-consumer-${n}`,
        TELEMETRY_CONSUMER_OUTPUT_DIR: path.join(settings.dataDir, 'telemetry-consumer'),
        TELEMETRY_CONSUMER_STATE_TABLE: STACK_RESOURCES.deviceStateTable,
        TELEMETRY_CONSUMER_ROLLUP_TABLE: STACK_RESOURCES.rollupTable,
        TELEMETRY_CONSUMER_HOST: HOST,
        TELEMETRY_CONSUMER_PORT: String(port),
        TELEMETRY_CONSUMER_LOG_LEVEL: settings.logLevel,
      },
      readyUrl: `http://${HOST}:${port}/healthz`,
      stopStage: 1,
      port,
    };
  };
}

/** The telemetry producer, device simulator and ingest API both: stop stage 0 (it drains what it holds). */
const telemetryProducerPart: PartPlan = ({ settings, ports, credential }) => ({
  name: 'telemetry-producer',
  entry: 'apps/telemetry-producer/src/main.ts',
  args: [],
  env: {
    TELEMETRY_MODE: 'both',
    TELEMETRY_STREAM: STACK_RESOURCES.telemetryStream,
    TELEMETRY_SIM_DEVICES: String(settings.devices),
    TELEMETRY_SIM_RATE: String(settings.rate),
    TELEMETRY_API_KEYS: apiKeyListEntry(credential.record),
    TELEMETRY_HOST: HOST,
    TELEMETRY_PORT: String(ports.telemetryProducer),
    // The simulator's durable buffer (records spilled while Kinesis is unreachable) under the stack's data folder.
    TELEMETRY_BUFFER_DIR: path.join(settings.dataDir, 'telemetry-producer', 'buffer'),
  },
  readyUrl: `http://${HOST}:${ports.telemetryProducer}/healthz`,
  stopStage: 0,
  port: ports.telemetryProducer,
});

/** The video producer with the cameras file: stop stage 0. */
const videoProducerPart: PartPlan = ({ settings, ports, camerasFile }) => ({
  name: 'video-producer',
  entry: 'apps/video-producer/src/main.ts',
  args: [],
  env: {
    VIDEO_CONFIG: camerasFile,
    VIDEO_SPOOL_DIR: path.join(settings.dataDir, 'video-spool'),
    VIDEO_HEALTH_TABLE: STACK_RESOURCES.cameraHealthTable,
    VIDEO_RETENTION_HOURS: String(STACK_RESOURCES.kvsRetentionHours),
    VIDEO_HOST: HOST,
    VIDEO_PORT: String(ports.videoProducer),
  },
  readyUrl: `http://${HOST}:${ports.videoProducer}/healthz`,
  stopStage: 0,
  port: ports.videoProducer,
});

/** The playback gateway, signed in with the local credential: stop stage 2, the last child. */
const gatewayPart: PartPlan = ({ ports, credential }) => ({
  name: 'gateway',
  entry: 'apps/playback-gateway/src/main.ts',
  args: [],
  env: {
    GATEWAY_HOST: HOST,
    GATEWAY_PORT: String(ports.gateway),
    GATEWAY_API_KEYS: apiKeyListEntry(credential.record),
    GATEWAY_PLAYBACK_KEY: credential.playbackKey,
    GATEWAY_DEVICE_STATE_TABLE: STACK_RESOURCES.deviceStateTable,
    GATEWAY_ROLLUP_TABLE: STACK_RESOURCES.rollupTable,
    GATEWAY_LEASE_TABLE: STACK_RESOURCES.leaseTable,
    GATEWAY_CAMERA_HEALTH_TABLE: STACK_RESOURCES.cameraHealthTable,
  },
  // /readyz: KVS (the emulator) answers, not only the process is up.
  readyUrl: `http://${HOST}:${ports.gateway}/readyz`,
  stopStage: 2,
  port: ports.gateway,
});

/** The log-agent shipping the demo access log to the logs stream: stop stage 0 (it flushes and checkpoints). */
const logAgentPart: PartPlan = ({ ports, agentConfigFile }) => ({
  name: 'log-agent',
  entry: 'apps/log-agent/src/main.ts',
  args: [],
  env: {
    LOG_AGENT_CONFIG: agentConfigFile,
    LOG_AGENT_HOST: HOST,
    LOG_AGENT_PORT: String(ports.logAgent),
  },
  readyUrl: `http://${HOST}:${ports.logAgent}/healthz`,
  stopStage: 0,
  port: ports.logAgent,
});

/** The parts in start order. */
const PART_PLANS: readonly PartPlan[] = [consumerPart(1), consumerPart(2), telemetryProducerPart, videoProducerPart, logAgentPart, gatewayPart];

/**
 * The parts, in start order. Stop order (stopStage): the producers first (they drain what they hold), then the
 * consumers (they checkpoint and hand off leases), then the gateway; the emulator, in process, closes last. Every
 * part gets AWS's settings pointed at the emulator and the log level, under its own settings.
 */
export function planParts(inputs: PlanInputs): PartSpec[] {
  const common = { ...awsEnvironment(inputs.emulatorUrl), LOG_LEVEL: inputs.settings.logLevel };
  return PART_PLANS.map((plan) => {
    const part = plan(inputs);
    return { ...part, env: { ...common, ...part.env } };
  });
}

/** AWS's standard settings pointed at the emulator: the apps run exactly as against AWS, only the endpoint differs. */
export function awsEnvironment(emulatorUrl: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: emulatorUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}

/**
 * The inherited environment without what would point a child elsewhere than the emulator (a profile, a
 * session token, service-specific endpoints) or override the plan's settings.
 */
export function childBaseEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (/^AWS_/.test(k) || /^(TELEMETRY|TELEMETRY_CONSUMER|VIDEO|GATEWAY|LOG_AGENT)_/.test(k) || k === 'FORCE_COLOR') continue;
    out[k] = v;
  }
  return out;
}
