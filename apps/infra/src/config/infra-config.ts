/**
 * The infrastructure's settings, read once from CDK context (`-c key=value`, cdk.json `context`) and validated by
 * a schema; an error names the context key. Values from the CLI arrive as strings, so numbers, booleans and the
 * camera list are also accepted in string form (`-c cameras=front-door,yard` or a JSON array).
 */
import { z } from 'zod';
import { INFRA_DEFAULTS, NAME_SUFFIXES } from './defaults';

/** Who may assume an app's role: a service (ecs, ec2, iot), this account (`account`), an account id, or an ARN. */
export type PrincipalSetting = 'ecs' | 'ec2' | 'iot' | 'account' | `arn:${string}` | string;

export interface CameraConfig {
  /** The camera's name; its KVS stream is `<prefix>-<name>`. */
  name: string;
  /** The edge device that runs its producer: one producer role per device, allowed only its own cameras. */
  device: string;
  retentionHours: number;
}

export interface InfraConfig {
  stage: string;
  prefix: string;
  telemetry: {
    streamName: string;
    mode: 'on-demand' | 'provisioned';
    shardCount: number | undefined;
    retentionHours: number;
    /** Undefined when the consumer dead-letters to files (context `telemetryDlq=false`). */
    dlq: { streamName: string; shardCount: number; retentionHours: number } | undefined;
    applicationName: string;
    leaseTableName: string;
    deviceStateTableName: string;
    rollupTableName: string;
  };
  video: { cameras: CameraConfig[]; cameraHealthTableName: string };
  principals: { videoProducer: PrincipalSetting; telemetryProducer: PrincipalSetting; telemetryConsumer: PrincipalSetting; playbackGateway: PrincipalSetting };
  gatewayReadsDeviceState: boolean;
  retainData: boolean;
}

export class InfraConfigError extends Error {
  override readonly name = 'InfraConfigError';
  readonly code = 'INVALID_CONTEXT';
}

/** The context keys, as documented in README.md. */
export const CONTEXT_KEYS = [
  'stage',
  'prefix',
  'telemetryStreamMode',
  'telemetryShardCount',
  'telemetryRetentionHours',
  'telemetryDlq',
  'telemetryDlqShardCount',
  'telemetryDlqRetentionHours',
  'cameras',
  'videoRetentionHours',
  'videoProducerPrincipal',
  'telemetryProducerPrincipal',
  'telemetryConsumerPrincipal',
  'playbackGatewayPrincipal',
  'gatewayReadsDeviceState',
  'retainData',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

// A name part shared by KDS (1–128 of [a-zA-Z0-9_.-]), KVS (1–256, same set) and DynamoDB (3–255, same set).
const namePart = z.string().regex(/^[a-zA-Z0-9_.-]+$/, 'only letters, digits, "_", "." and "-"');
const int = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().int().min(min).max(max));
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const principal = z
  .string()
  .regex(/^(ecs|ec2|iot|account|\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|role\/.+|user\/.+))$/, 'ecs, ec2, iot, account, a 12-digit account id or an IAM ARN');

const cameraInput = z.union([
  namePart,
  z.object({ name: namePart, device: namePart.optional(), retentionHours: int(1, 87_600).optional() }).strict(),
]);
const cameraList = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const text = v.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      return v;
    }
  }
  return text === '' ? [] : text.split(',').map((s) => s.trim());
}, z.array(cameraInput).max(100));

/** Reads and validates the settings; `get` is `node.tryGetContext` (or a map lookup in tests). */
export function readInfraConfig(get: (key: ContextKey) => unknown): InfraConfig {
  const read = <T>(key: ContextKey, schema: z.ZodType<T>, fallback: T): T => {
    const raw = get(key);
    if (raw === undefined || raw === null || raw === '') return fallback;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
      throw new InfraConfigError(`context "${key}": ${problems} (got ${JSON.stringify(raw)})`);
    }
    return parsed.data;
  };

  const stage = read('stage', namePart.max(32), INFRA_DEFAULTS.stage);
  const prefix = read('prefix', namePart.max(64), INFRA_DEFAULTS.prefixFor(stage));
  const name = (suffix: string) => `${prefix}-${suffix}`;

  const shardCount = read<number | undefined>('telemetryShardCount', int(1, 10_000), undefined);
  const mode = read<'on-demand' | 'provisioned'>(
    'telemetryStreamMode',
    z.enum(['on-demand', 'provisioned']),
    shardCount !== undefined ? 'provisioned' : INFRA_DEFAULTS.telemetryStreamMode,
  );
  if (mode === 'on-demand' && shardCount !== undefined) {
    throw new InfraConfigError('context "telemetryShardCount": only with telemetryStreamMode=provisioned (on-demand streams have no fixed shard count)');
  }
  const dlqOn = read('telemetryDlq', bool, INFRA_DEFAULTS.telemetryDlq);

  const videoRetentionHours = read('videoRetentionHours', int(1, 87_600), INFRA_DEFAULTS.videoRetentionHours);
  const cameras = read('cameras', cameraList, [...INFRA_DEFAULTS.cameras]).map(
    (c): CameraConfig =>
      typeof c === 'string'
        ? { name: c, device: INFRA_DEFAULTS.cameraDevice, retentionHours: videoRetentionHours }
        : { name: c.name, device: c.device ?? INFRA_DEFAULTS.cameraDevice, retentionHours: c.retentionHours ?? videoRetentionHours },
  );
  const seen = new Set<string>();
  for (const c of cameras) {
    if (seen.has(c.name)) throw new InfraConfigError(`context "cameras": camera "${c.name}" is listed twice`);
    seen.add(c.name);
  }

  const applicationName = name(NAME_SUFFIXES.consumerApplication);
  return {
    stage,
    prefix,
    telemetry: {
      streamName: name(NAME_SUFFIXES.telemetryStream),
      mode,
      shardCount: mode === 'provisioned' ? (shardCount ?? INFRA_DEFAULTS.telemetryShardCount) : undefined,
      retentionHours: read('telemetryRetentionHours', int(24, 8_760), INFRA_DEFAULTS.telemetryRetentionHours),
      dlq: dlqOn
        ? {
            streamName: name(NAME_SUFFIXES.telemetryDlqStream),
            shardCount: read('telemetryDlqShardCount', int(1, 10_000), INFRA_DEFAULTS.telemetryDlqShardCount),
            retentionHours: read('telemetryDlqRetentionHours', int(24, 8_760), INFRA_DEFAULTS.telemetryDlqRetentionHours),
          }
        : undefined,
      applicationName,
      leaseTableName: applicationName,
      deviceStateTableName: name(NAME_SUFFIXES.deviceStateTable),
      rollupTableName: name(NAME_SUFFIXES.rollupTable),
    },
    video: { cameras, cameraHealthTableName: name(NAME_SUFFIXES.cameraHealthTable) },
    principals: {
      videoProducer: read('videoProducerPrincipal', principal, INFRA_DEFAULTS.principals.videoProducer),
      telemetryProducer: read('telemetryProducerPrincipal', principal, INFRA_DEFAULTS.principals.telemetryProducer),
      telemetryConsumer: read('telemetryConsumerPrincipal', principal, INFRA_DEFAULTS.principals.telemetryConsumer),
      playbackGateway: read('playbackGatewayPrincipal', principal, INFRA_DEFAULTS.principals.playbackGateway),
    },
    gatewayReadsDeviceState: read('gatewayReadsDeviceState', bool, INFRA_DEFAULTS.gatewayReadsDeviceState),
    retainData: read('retainData', bool, INFRA_DEFAULTS.retainData),
  };
}
