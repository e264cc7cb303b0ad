/**
 * Defaults of every context key (README.md "Context keys"). The names the apps use by default
 * (`telemetry`, `telemetry-consumer`, `telemetry-device-state`) get the stage prefix here, so a deployment is
 * wired to the apps through their settings (the stack's outputs), never by relying on an app's built-in default.
 */
export const INFRA_DEFAULTS = {
  stage: 'dev',
  /** Every resource name starts with `<prefix>-`; default `tributary-<stage>`. */
  prefixFor: (stage: string): string => `tributary-${stage}`,
  /**
   * On-demand: no shard arithmetic, scales with load (AWS's advice when the load is unknown). A shard count in
   * context switches to provisioned.
   */
  telemetryStreamMode: 'on-demand',
  telemetryShardCount: 2,
  /** KDS minimum and default (24 h); longer retention costs extra per shard-hour. */
  telemetryRetentionHours: 24,
  telemetryDlq: true,
  /** Dead letters are few and wait for a person: one provisioned shard (cheapest), kept a week. */
  telemetryDlqShardCount: 1,
  telemetryDlqRetentionHours: 168,
  /** The dev stack's two test-pattern cameras. */
  cameras: ['cam-1', 'cam-2'],
  /** An edge device per distinct `device` of the cameras; cameras without one share this device's role. */
  cameraDevice: 'edge',
  /** ≥ 1: KVS sends PERSISTED acks and serves HLS, clips and images only for streams with retention. */
  videoRetentionHours: 24,
  principals: {
    videoProducer: 'iot',
    telemetryProducer: 'ecs',
    telemetryConsumer: 'ecs',
    playbackGateway: 'ecs',
  },
  /**
   * The dashboard (issue 7) reads the device-state, rollup, camera-health and lease tables through the gateway
   * (each device's latest values, rollup charts, camera health, consumer lag).
   */
  gatewayReadsDeviceState: true,
  /** Keep streams and tables (and turn on table deletion protection) when the stack is deleted. */
  retainData: true,
} as const;

/** Resource name suffixes; the apps' own defaults, so `<prefix>-<suffix>` reads as the app setting it replaces. */
export const NAME_SUFFIXES = {
  telemetryStream: 'telemetry',
  telemetryDlqStream: 'telemetry-dlq',
  /** The consumer's application name: KCL names the lease table after it, and the EFO consumer too. */
  consumerApplication: 'telemetry-consumer',
  deviceStateTable: 'telemetry-device-state',
  rollupTable: 'telemetry-rollups',
  cameraHealthTable: 'video-camera-health',
} as const;
