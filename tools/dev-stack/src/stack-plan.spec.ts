import { DevStackError } from './dev-stack-error';
import { childBaseEnvironment, planParts, readStackSettings, STACK_RESOURCES, type StackPorts } from './stack-plan';
import type { LocalCredential } from './local-credential';

const credential: LocalCredential = {
  apiKey: 'trb_0123456789abcdef_x',
  record: { id: '0123456789abcdef', hash: 'a'.repeat(64), scopes: ['video:read', 'telemetry:read', 'telemetry:write'] },
  playbackKey: 'k'.repeat(44),
  createdAt: '2026-01-01T00:00:00.000Z',
};
const ports: StackPorts = { emulator: 4566, gateway: 8088, telemetryProducer: 8080, consumer1: 8081, consumer2: 8082, videoProducer: 8090, logAgent: 8092 };

describe('readStackSettings', () => {
  it('has the documented defaults', () => {
    const s = readStackSettings({}, '/repo');
    expect(s).toEqual({ dataDir: '/repo/.data', ports, logLevel: 'info', devices: 20, rate: 1 });
  });

  it('reads ports (0 allowed), the data folder and the fleet size from the environment', () => {
    const s = readStackSettings({ GATEWAY_PORT: '0', VIDEO_PORT: '9000', TRIBUTARY_DATA_DIR: 'tmp/d', DEV_STACK_DEVICES: '5', LOG_LEVEL: 'warn' }, '/repo');
    expect(s.ports.gateway).toBe(0);
    expect(s.ports.videoProducer).toBe(9000);
    expect(s.dataDir).toBe('/repo/tmp/d');
    expect(s.devices).toBe(5);
    expect(s.logLevel).toBe('warn');
  });

  it.each([
    [{ GATEWAY_PORT: 'http' }, 'GATEWAY_PORT'],
    [{ EMULATOR_PORT: '70000' }, 'EMULATOR_PORT'],
    [{ DEV_STACK_DEVICES: '0' }, 'DEV_STACK_DEVICES'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('refuses %j naming the setting', (env, name) => {
    expect(() => readStackSettings(env, '/repo')).toThrow(DevStackError);
    expect(() => readStackSettings(env, '/repo')).toThrow(name);
  });
});

describe('planParts', () => {
  const parts = planParts({ settings: readStackSettings({}, '/repo'), ports, emulatorUrl: 'http://127.0.0.1:4566', credential, camerasFile: '/repo/.data/dev-stack/cameras.json', agentConfigFile: '/repo/.data/dev-stack/agent.json' });
  const byName = Object.fromEntries(parts.map((p) => [p.name, p]));

  it('runs the six parts, producers stopping first, then consumers, then the gateway', () => {
    expect(parts.map((p) => p.name)).toEqual(['consumer-1', 'consumer-2', 'telemetry-producer', 'video-producer', 'log-agent', 'gateway']);
    expect(byName['telemetry-producer']?.stopStage).toBe(0);
    expect(byName['log-agent']?.stopStage).toBe(0);
    expect(byName['log-agent']?.env['LOG_AGENT_CONFIG']).toBe('/repo/.data/dev-stack/agent.json');
    expect(byName['video-producer']?.stopStage).toBe(0);
    expect(byName['consumer-1']?.stopStage).toBe(1);
    expect(byName['consumer-2']?.stopStage).toBe(1);
    expect(byName['gateway']?.stopStage).toBe(2);
  });

  it('points every part at the emulator and gives the apps only the hashed key', () => {
    for (const p of parts) {
      expect(p.env['AWS_ENDPOINT_URL']).toBe('http://127.0.0.1:4566');
      expect(Object.values(p.env).join(' ')).not.toContain(credential.apiKey);
    }
    const entry = `${credential.record.id}:${credential.record.hash}:video:read,telemetry:read,telemetry:write`;
    expect(byName['gateway']?.env['GATEWAY_API_KEYS']).toBe(entry);
    expect(byName['telemetry-producer']?.env['TELEMETRY_API_KEYS']).toBe(entry);
    // The simulator's durable buffer lives under the stack's data folder.
    expect(byName['telemetry-producer']?.env['TELEMETRY_BUFFER_DIR']).toBe('/repo/.data/telemetry-producer/buffer');
  });

  it('wires the contract table names and distinct consumer workers', () => {
    expect(byName['gateway']?.env).toMatchObject({
      GATEWAY_DEVICE_STATE_TABLE: STACK_RESOURCES.deviceStateTable,
      GATEWAY_ROLLUP_TABLE: STACK_RESOURCES.rollupTable,
      GATEWAY_LEASE_TABLE: 'telemetry-consumer',
      GATEWAY_CAMERA_HEALTH_TABLE: STACK_RESOURCES.cameraHealthTable,
    });
    expect(byName['consumer-1']?.env['TELEMETRY_CONSUMER_WORKER_ID']).not.toBe(byName['consumer-2']?.env['TELEMETRY_CONSUMER_WORKER_ID']);
    expect(byName['consumer-1']?.env['TELEMETRY_CONSUMER_PORT']).toBe('8081');
    expect(byName['consumer-2']?.env['TELEMETRY_CONSUMER_PORT']).toBe('8082');
    expect(byName['consumer-1']?.env['TELEMETRY_CONSUMER_ROLLUP_TABLE']).toBe('telemetry-rollups');
    expect(byName['video-producer']?.env['VIDEO_HEALTH_TABLE']).toBe('video-camera-health');
    expect(byName['gateway']?.readyUrl).toBe('http://127.0.0.1:8088/readyz');
  });
});

describe('childBaseEnvironment', () => {
  it('drops AWS and app settings of the calling shell, keeps the rest', () => {
    const env = childBaseEnvironment({ PATH: '/bin', AWS_PROFILE: 'prod', AWS_ENDPOINT_URL_KINESIS: 'https://x', TELEMETRY_STREAM: 'other', GATEWAY_PORT: '1', FFMPEG_PATH: '/f' });
    expect(env).toEqual({ PATH: '/bin', FFMPEG_PATH: '/f' });
  });
});
