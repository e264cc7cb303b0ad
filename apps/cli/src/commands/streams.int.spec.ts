/**
 * `tributary streams` as users run it (a child process) against the emulator: KDS streams of both modes, one
 * resharded (closed shards count), and a KVS stream, as JSON lines in a pipe; the failure path's exit code.
 */
import { CreateStreamCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { CreateStreamCommand as CreateVideoStreamCommand } from '@aws-sdk/client-kinesis-video';
import {
  createActiveStream,
  createKinesisVideoClient,
  startKdsTestEmulator,
  uniqueStreamName,
  waitForStreamStatus,
  waitForVideoStreamStatus,
  HTTP1_NODE,
  type KdsTestEmulator,
} from '@tributary/emulator/testing';
import { runCli } from '../testing/stream-cli-kit';

let kds: KdsTestEmulator;
const provisioned = uniqueStreamName('cli-streams-prov');
const onDemand = uniqueStreamName('cli-streams-od');
const camera = uniqueStreamName('cli-streams-cam');

beforeAll(async () => {
  kds = await startKdsTestEmulator();
  const client = kds.clients[HTTP1_NODE];
  await createActiveStream(client, provisioned, 2);
  await client.send(new SplitShardCommand({ StreamName: provisioned, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 126n).toString() }));
  await waitForStreamStatus(client, provisioned, 'ACTIVE');
  await client.send(new CreateStreamCommand({ StreamName: onDemand, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
  await waitForStreamStatus(client, onDemand, 'ACTIVE');
  const video = createKinesisVideoClient(kds.emu.url);
  await video.send(new CreateVideoStreamCommand({ StreamName: camera, MediaType: 'video/h264', DataRetentionInHours: 48 }));
  await waitForVideoStreamStatus(video, camera, 'ACTIVE');
  video.destroy();
}, 30_000);

afterAll(async () => {
  await kds?.close();
});

describe('tributary streams', () => {
  it('lists KDS and KVS streams as JSON lines in a pipe', async () => {
    const run = await runCli(['streams', '--endpoint-url', kds.emu.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.find((r) => r['name'] === provisioned)).toMatchObject({
      kind: 'kds',
      status: 'ACTIVE',
      mode: 'PROVISIONED',
      openShards: 3,
      closedShards: 1,
      retentionHours: 24,
      writeMiBps: 3,
      writeRecordsPerSecond: 3000,
      readMiBps: 6,
    });
    expect(rows.find((r) => r['name'] === onDemand)).toMatchObject({ kind: 'kds', mode: 'ON_DEMAND', closedShards: 0 });
    expect(rows.find((r) => r['name'] === camera)).toMatchObject({ kind: 'kvs', status: 'ACTIVE', mediaType: 'video/h264', retentionHours: 48 });
  });

  it('--type kvs lists only video streams', async () => {
    const run = await runCli(['streams', '--type', 'kvs', '--json', '--endpoint-url', kds.emu.url]);
    expect(run.code).toBe(0);
    const kinds = new Set(run.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind));
    expect([...kinds]).toEqual(['kvs']);
  });

  it('says what to check when the endpoint cannot be reached (exit 1)', async () => {
    const run = await runCli(['streams', '--type', 'kds', '--endpoint-url', 'http://127.0.0.1:9']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot reach the endpoint for Kinesis Data Streams: .*check --endpoint-url and --region/);
  });
});
