/**
 * probeLag's paging over a scripted GetShardIterator/GetRecords (a fake client: the emulator int spec covers
 * the real calls). What it must get right: the checkpointed record itself is not behind, sparse shards return
 * empty pages before a record, counting stops at the cap, sentinels that cannot be behind cost no call.
 */
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import { probeLag } from './lag-probe';

type Page = { Records: _Record[]; MillisBehindLatest: number; last?: boolean };

function fakeClient(pages: Page[]): { client: KinesisClient; calls: string[] } {
  const calls: string[] = [];
  let next = 0;
  const send = async (command: unknown) => {
    if (command instanceof GetShardIteratorCommand) {
      calls.push(`iterator ${command.input.ShardIteratorType}${command.input.StartingSequenceNumber ? ` ${command.input.StartingSequenceNumber}` : ''}`);
      return { ShardIterator: 'it-0' };
    }
    if (command instanceof GetRecordsCommand) {
      calls.push(`records ${command.input.Limit}`);
      const page = pages[next++] ?? { Records: [], MillisBehindLatest: 0 };
      return { Records: page.Records, MillisBehindLatest: page.MillisBehindLatest, NextShardIterator: page.last ? undefined : `it-${next}` };
    }
    throw new Error('unexpected command');
  };
  return { client: { send } as unknown as KinesisClient, calls };
}

const record = (seq: number, arrival: number): _Record => ({
  SequenceNumber: String(seq),
  PartitionKey: 'k',
  Data: Buffer.from(`r${seq}`),
  ApproximateArrivalTimestamp: new Date(arrival),
});
const at = (seq: number) => ({ kind: 'sequence' as const, sequenceNumber: String(seq), subSequenceNumber: 0 });
const now = () => 10_000;

describe('probeLag', () => {
  it('starts AT the checkpoint and measures from the first record after it', async () => {
    const { client, calls } = fakeClient([{ Records: [record(5, 1000), record(6, 4000)], MillisBehindLatest: 0 }]);
    expect(await probeLag(client, 's', 'sh', at(5), { countRecords: false, maxRecords: 10, now })).toEqual({ millisBehind: 6000 });
    expect(calls).toEqual(['iterator AT_SEQUENCE_NUMBER 5', 'records 2']);
  });

  it('is 0 behind when only the checkpointed record is there', async () => {
    const { client } = fakeClient([{ Records: [record(5, 1000)], MillisBehindLatest: 0 }, { Records: [], MillisBehindLatest: 0 }]);
    expect(await probeLag(client, 's', 'sh', at(5), { countRecords: true, maxRecords: 10, now })).toEqual({ millisBehind: 0, recordsBehind: 0 });
  });

  it('reads past empty pages of a sparse shard to the first record', async () => {
    const { client, calls } = fakeClient([
      { Records: [], MillisBehindLatest: 50_000 },
      { Records: [], MillisBehindLatest: 40_000 },
      { Records: [record(9, 7000)], MillisBehindLatest: 0 },
    ]);
    expect(await probeLag(client, 's', 'sh', { kind: 'sentinel', value: 'TRIM_HORIZON' }, { countRecords: false, maxRecords: 10, now })).toEqual({
      millisBehind: 3000,
    });
    expect(calls[0]).toBe('iterator TRIM_HORIZON');
    expect(calls).toHaveLength(4);
  });

  it('counts records to the tip, and stops at the cap as a lower bound', async () => {
    const pages = [{ Records: [record(1, 1000), record(2, 1000), record(3, 1000)], MillisBehindLatest: 5 }, { Records: [record(4, 2000), record(5, 2000)], MillisBehindLatest: 0 }];
    expect(await probeLag(fakeClient(pages).client, 's', 'sh', at(1), { countRecords: true, maxRecords: 10, now })).toEqual({
      millisBehind: 9000,
      recordsBehind: 4,
    });
    expect(await probeLag(fakeClient(pages).client, 's', 'sh', at(1), { countRecords: true, maxRecords: 2, now })).toEqual({
      millisBehind: 9000,
      recordsBehind: 2,
      recordsCapped: true,
    });
  });

  it('stops at the end of a closed shard', async () => {
    const { client, calls } = fakeClient([{ Records: [record(7, 9000)], MillisBehindLatest: 100, last: true }]);
    expect(await probeLag(client, 's', 'sh', at(6), { countRecords: true, maxRecords: 10, now })).toEqual({ millisBehind: 1000, recordsBehind: 1 });
    expect(calls).toHaveLength(2);
  });

  it.each(['SHARD_END', 'LATEST'] as const)('makes no call for %s', async (value) => {
    const { client, calls } = fakeClient([]);
    expect(await probeLag(client, 's', 'sh', { kind: 'sentinel', value }, { countRecords: true, maxRecords: 10, now })).toEqual({ millisBehind: 0, recordsBehind: 0 });
    expect(calls).toEqual([]);
  });
});
