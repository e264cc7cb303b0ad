import { INFRA_DEFAULTS } from './defaults';
import { InfraConfigError, readInfraConfig, type ContextKey } from './infra-config';

const from = (context: Partial<Record<ContextKey, unknown>>) => readInfraConfig((key) => context[key]);

describe('readInfraConfig', () => {
  it('defaults: stage dev, prefixed names, on-demand stream, a DLQ, two cameras on one device, data retained', () => {
    const c = from({});
    expect(c.prefix).toBe('tributary-dev');
    expect(c.telemetry).toEqual({
      streamName: 'tributary-dev-telemetry',
      mode: 'on-demand',
      shardCount: undefined,
      retentionHours: 24,
      dlq: { streamName: 'tributary-dev-telemetry-dlq', shardCount: 1, retentionHours: 168 },
      applicationName: 'tributary-dev-telemetry-consumer',
      leaseTableName: 'tributary-dev-telemetry-consumer',
      deviceStateTableName: 'tributary-dev-telemetry-device-state',
      rollupTableName: 'tributary-dev-telemetry-rollups',
    });
    expect(c.video.cameraHealthTableName).toBe('tributary-dev-video-camera-health');
    expect(c.video.cameras).toEqual([
      { name: 'cam-1', device: 'edge', retentionHours: 24 },
      { name: 'cam-2', device: 'edge', retentionHours: 24 },
    ]);
    expect(c.principals).toEqual(INFRA_DEFAULTS.principals);
    expect(c.gatewayReadsDeviceState).toBe(true);
    expect(c.retainData).toBe(true);
  });

  it('reads CLI strings: numbers, booleans, comma-separated and JSON camera lists', () => {
    const c = from({
      stage: 'prod',
      telemetryShardCount: '4',
      telemetryDlq: 'false',
      retainData: 'false',
      videoRetentionHours: '48',
      cameras: '[{"name":"door","device":"pi-1"},{"name":"yard","device":"pi-2","retentionHours":720},"lobby"]',
      playbackGatewayPrincipal: 'arn:aws:iam::123456789012:role/gateway',
      videoProducerPrincipal: '123456789012',
    });
    expect(c.prefix).toBe('tributary-prod');
    expect(c.telemetry.mode).toBe('provisioned');
    expect(c.telemetry.shardCount).toBe(4);
    expect(c.telemetry.dlq).toBeUndefined();
    expect(c.retainData).toBe(false);
    expect(c.video.cameras).toEqual([
      { name: 'door', device: 'pi-1', retentionHours: 48 },
      { name: 'yard', device: 'pi-2', retentionHours: 720 },
      { name: 'lobby', device: 'edge', retentionHours: 48 },
    ]);
    expect(from({ cameras: 'a, b' }).video.cameras.map((x) => x.name)).toEqual(['a', 'b']);
    expect(from({ prefix: 'acme' }).telemetry.streamName).toBe('acme-telemetry');
    expect(from({ telemetryStreamMode: 'provisioned' }).telemetry.shardCount).toBe(INFRA_DEFAULTS.telemetryShardCount);
  });

  it.each([
    [{ telemetryShardCount: 'many' }, /context "telemetryShardCount"/],
    [{ telemetryShardCount: 0 }, /context "telemetryShardCount"/],
    [{ telemetryStreamMode: 'on-demand', telemetryShardCount: 2 }, /telemetryShardCount.*only with telemetryStreamMode=provisioned/],
    [{ telemetryStreamMode: 'serverless' }, /context "telemetryStreamMode"/],
    [{ telemetryRetentionHours: 12 }, /context "telemetryRetentionHours"/],
    [{ videoRetentionHours: 0 }, /context "videoRetentionHours"/],
    [{ cameras: 'front door' }, /context "cameras": 0/],
    [{ cameras: 'a,a' }, /camera "a" is listed twice/],
    [{ cameras: [{ name: 'a', colour: 'red' }] }, /context "cameras"/],
    [{ prefix: 'my prefix' }, /context "prefix"/],
    [{ retainData: 'yes' }, /context "retainData"/],
    [{ playbackGatewayPrincipal: 'lambda' }, /context "playbackGatewayPrincipal"/],
    [{ telemetryConsumerPrincipal: 'arn:aws:iam::*:role/x' }, /context "telemetryConsumerPrincipal"/],
  ])('rejects %j, naming the key', (context, message) => {
    expect(() => from(context as Partial<Record<ContextKey, unknown>>)).toThrow(InfraConfigError);
    expect(() => from(context as Partial<Record<ContextKey, unknown>>)).toThrow(message);
  });
});
