import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { parseRollupItem } from '@tributary/schemas';
import type { ClosedRollup } from '../rollups/minute-rollup';
import { TelemetryConsumerError } from '../telemetry-consumer-error';
import { awsError, FakeDynamoBase } from '../testing/fake-dynamo';
import { ManualTime } from '../testing/manual-time';
import { closedMinute } from '../testing/rollup-fixtures';
import { RollupTableSink } from './rollup-table-sink';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const rollup = (deviceId: string, metric: string, minute: number, count = 2): ClosedRollup => closedMinute(T0, { deviceId, metric, minute, count, mean: 10, spread: 5 });

/** PutItem with the sink's condition (no item, or a stored count not above the new one) on a map; TTL scripted. */
class FakeDynamo extends FakeDynamoBase {
  items = new Map<string, Record<string, unknown>>();
  tableExists = true;
  ttlError: Error | undefined;

  protected put(input: PutItemCommandInput): unknown {
    const item = unmarshall(input.Item ?? {});
    const key = `${String(item['deviceId'])}|${String(item['window'])}`;
    const stored = this.items.get(key);
    if (stored && Number(stored['count']) > Number(input.ExpressionAttributeValues?.[':count']?.N)) throw awsError('ConditionalCheckFailedException');
    this.items.set(key, item);
    return {};
  }

  protected other(command: unknown): unknown {
    if (command instanceof DescribeTableCommand) {
      this.calls.push('DescribeTable');
      if (!this.tableExists) throw awsError('ResourceNotFoundException');
      return {
        Table: {
          TableStatus: 'ACTIVE',
          KeySchema: [
            { AttributeName: 'deviceId', KeyType: 'HASH' },
            { AttributeName: 'window', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'deviceId', AttributeType: 'S' },
            { AttributeName: 'window', AttributeType: 'S' },
          ],
        },
      };
    }
    if (command instanceof CreateTableCommand) {
      this.calls.push(`CreateTable ${command.input.BillingMode} ${command.input.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`).join(',')}`);
      this.tableExists = true;
      return {};
    }
    if (command instanceof UpdateTimeToLiveCommand) {
      this.calls.push(`UpdateTimeToLive ${command.input.TimeToLiveSpecification?.AttributeName}`);
      if (this.ttlError) throw this.ttlError;
      return {};
    }
    throw new Error(`unexpected command ${String(command)}`);
  }
}

const sinkOn = (fake: FakeDynamo, extra: Partial<ConstructorParameters<typeof RollupTableSink>[0]> = {}): RollupTableSink =>
  new RollupTableSink({ client: fake.asClient(), tableName: 'telemetry-rollups', ...extra });

describe('RollupTableSink', () => {
  it('writes one schema-valid item per rollup, keyed by device and <window start>#<metric>, expiring after the TTL', async () => {
    const fake = new FakeDynamo();
    const sink = sinkOn(fake, { ttlSeconds: 3_600 });
    const result = await sink.write([rollup('d1', 'temp', 0), rollup('d1', 'hum', 0), rollup('d2', 'temp', 1)]);
    expect(result).toEqual({ written: 3, superseded: 0 });
    const item = fake.items.get(`d1|${T0}#temp`);
    expect(item).toMatchObject({ deviceId: 'd1', window: `${T0}#temp`, metric: 'temp', windowStart: T0, count: 2, closedBy: 'watermark', expiresAt: (T0 + 60_000) / 1000 + 3_600 });
    expect(parseRollupItem(item).ok).toBe(true);
    expect([...fake.items.keys()].sort()).toEqual([`d1|${T0}#hum`, `d1|${T0}#temp`, `d2|${T0 + 60_000}#temp`]);
  });

  it('keeps the fuller part of a minute closed twice, and a retried write of the same rollup passes', async () => {
    const fake = new FakeDynamo();
    const sink = sinkOn(fake);
    await sink.write([rollup('d1', 'temp', 0, 40)]);
    expect(await sink.write([rollup('d1', 'temp', 0, 3)])).toEqual({ written: 0, superseded: 1 });
    expect(fake.items.get(`d1|${T0}#temp`)?.['count']).toBe(40);
    expect(await sink.write([rollup('d1', 'temp', 0, 40)])).toEqual({ written: 1, superseded: 0 });
    expect(await sink.write([rollup('d1', 'temp', 0, 41)])).toEqual({ written: 1, superseded: 0 });
    expect(sink.stats()).toEqual({ written: 3, superseded: 1 });
  });

  it('bounds the writes in flight', async () => {
    const fake = new FakeDynamo();
    const sink = sinkOn(fake, { concurrency: 3 });
    await sink.write(Array.from({ length: 20 }, (_, i) => rollup(`d${i}`, 'temp', 0)));
    expect(fake.items.size).toBe(20);
    expect(fake.maxInFlight).toBe(3);
  });

  it('writes the others and then throws a typed error saying whether a retry may help', async () => {
    const fake = new FakeDynamo();
    fake.failPut = (input) => (input.Item?.['deviceId']?.S === 'd2' ? awsError('ProvisionedThroughputExceededException', { $fault: 'client' }) : undefined);
    const sink = sinkOn(fake);
    const err = await sink.write([rollup('d1', 'temp', 0), rollup('d2', 'temp', 0), rollup('d3', 'temp', 0)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TelemetryConsumerError);
    expect(err).toMatchObject({ code: 'ROLLUP_TABLE_FAILED', retriable: true });
    expect(fake.items.size).toBe(2);
    fake.failPut = () => awsError('ValidationException', { $fault: 'client' });
    await expect(sink.write([rollup('d4', 'temp', 0)])).rejects.toMatchObject({ code: 'ROLLUP_TABLE_FAILED', retriable: false });
  });

  it('creates a missing table PAY_PER_REQUEST with hash deviceId and range window, and enables TTL on expiresAt', async () => {
    const fake = new FakeDynamo();
    fake.tableExists = false;
    const time = new ManualTime();
    const result = await sinkOn(fake, { clock: time, timers: time }).ensureTable();
    expect(result).toEqual({ outcome: 'created', ttl: 'enabled' });
    expect(fake.calls).toEqual(['DescribeTable', 'CreateTable PAY_PER_REQUEST deviceId:HASH,window:RANGE', 'DescribeTable', 'UpdateTimeToLive expiresAt']);
  });

  it('goes on without TTL where DynamoDB has none (the emulator), and leaves an existing table’s TTL alone', async () => {
    const fake = new FakeDynamo();
    fake.tableExists = false;
    fake.ttlError = awsError('UnknownOperationException');
    expect(await sinkOn(fake).ensureTable()).toEqual({ outcome: 'created', ttl: 'unsupported' });
    fake.ttlError = awsError('AccessDeniedException');
    fake.tableExists = false;
    expect(await sinkOn(fake).ensureTable()).toEqual({ outcome: 'created', ttl: 'failed' });
    fake.calls = [];
    expect(await sinkOn(fake).ensureTable()).toEqual({ outcome: 'exists' });
    expect(fake.calls).toEqual(['DescribeTable']);
  });
});
