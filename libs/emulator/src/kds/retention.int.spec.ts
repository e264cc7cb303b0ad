/**
 * Retention: records older than the stream's retention period disappear (TRIM_HORIZON moves), their segment
 * files are deleted, and a closed shard whose records have all expired drops out of ListShards. Time is a
 * ManualClock, so a day passes without waiting.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  PutRecordCommand,
  SplitShardCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { ManualClock } from '@tributary/runtime/testing';
import { startEmulator, type RunningEmulator } from '../emulator';
import { createActiveStream, createKinesisClient, HTTP2_DEFAULT, uniqueStreamName } from '../testing/kds-test-clients';

const HOUR = 3600_000;
const SHARD0 = 'shardId-000000000000';

describe('retention', () => {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 - 10 * 24 * HOUR);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kds-retention-'));
  let emu: RunningEmulator;
  let client: KinesisClient;

  beforeAll(async () => {
    // Tiny segments, so that expired records free whole files.
    emu = await startEmulator({ port: 0, clock, dataDir, limits: false, segmentBytes: 256 });
    client = createKinesisClient(emu.url, HTTP2_DEFAULT);
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const put = async (name: string, data: string): Promise<string> =>
    (await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from(data) }))).SequenceNumber as string;

  const readAll = async (name: string, shardId: string, type: 'TRIM_HORIZON' | 'AT_SEQUENCE_NUMBER' = 'TRIM_HORIZON', seq?: string): Promise<string[]> => {
    const it = await client.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: type, StartingSequenceNumber: seq }),
    );
    const res = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    return (res.Records ?? []).map((r) => Buffer.from(r.Data ?? []).toString());
  };

  const segmentFiles = (name: string): string[] => {
    const streamDir = fs.readdirSync(path.join(dataDir, 'kds')).find((d) => d.startsWith(`${name}-`)) as string;
    return fs.readdirSync(path.join(dataDir, 'kds', streamDir, SHARD0)).filter((f) => f.endsWith('.seg'));
  };

  it('hides records older than the retention period and deletes their segment files', async () => {
    const name = uniqueStreamName('retention');
    await createActiveStream(client, name, 1);
    const old: string[] = [];
    for (let i = 0; i < 20; i++) old.push(await put(name, `old-${i}-${'x'.repeat(40)}`));
    clock.advance(12 * HOUR);
    await put(name, 'new-1');
    await put(name, 'new-2');
    const filesBefore = segmentFiles(name).length;
    expect(filesBefore).toBeGreaterThan(2);

    clock.advance(13 * HOUR); // the old records are now 25 h old, the new ones 13 h
    expect(await readAll(name, SHARD0)).toEqual(['new-1', 'new-2']);
    // A position inside the expired range starts at the new trim horizon.
    expect(await readAll(name, SHARD0, 'AT_SEQUENCE_NUMBER', old[3])).toEqual(['new-1', 'new-2']);
    expect(segmentFiles(name).length).toBeLessThan(filesBefore);
  });

  it('keeps records as long as a longer retention period says', async () => {
    const name = uniqueStreamName('retention-long');
    await createActiveStream(client, name, 1);
    await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }));
    await put(name, 'kept');
    clock.advance(30 * HOUR);
    expect(await readAll(name, SHARD0)).toEqual(['kept']);
    clock.advance(19 * HOUR);
    expect(await readAll(name, SHARD0)).toEqual([]);
  });

  it('drops a closed shard from ListShards once all its records have expired', async () => {
    const name = uniqueStreamName('retention-split');
    await createActiveStream(client, name, 1);
    await put(name, 'in-parent');
    await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: SHARD0, NewStartingHashKey: (1n << 127n).toString() }));
    const before = await client.send(new ListShardsCommand({ StreamName: name }));
    expect(before.Shards?.map((s) => s.ShardId)).toEqual([SHARD0, 'shardId-000000000001', 'shardId-000000000002']);
    clock.advance(25 * HOUR);
    const after = await client.send(new ListShardsCommand({ StreamName: name }));
    expect(after.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
  });
});
