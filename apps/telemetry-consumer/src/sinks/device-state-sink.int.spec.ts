/**
 * The device-state table against real DynamoDB semantics: the emulator's embedded dynalite, through the official
 * @aws-sdk/client-dynamodb v3 client. The condition expression, table creation and concurrent writers are what a
 * fake cannot prove.
 */
import { CreateTableCommand, DescribeTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { uniqueTableName } from '@tributary/emulator/testing';
import { useEmulatorDynamoDb } from '../testing/emulator-dynamodb';
import { DeviceStateSink, type DeviceState } from './device-state-sink';

const dynamo = useEmulatorDynamoDb();
const uniqueTable = (): string => uniqueTableName('device-state');

const state = (deviceId: string, seq: number, temperature: number): DeviceState => ({
  deviceId,
  seq,
  ts: Date.UTC(2025, 5, 1, 12, 0, 0) + seq * 1000,
  metrics: { temperature_c: temperature, battery_pct: 90 },
  location: { lat: 47.62, lon: -122.35 },
  tags: { site: 'north' },
  shardId: 'shardId-000000000001',
  sequenceNumber: `4968${String(seq).padStart(10, '0')}`,
  subSequenceNumber: 0,
});

async function stored(table: string, deviceId: string): Promise<Record<string, unknown> | undefined> {
  const out = await dynamo.client.send(new GetItemCommand({ TableName: table, Key: { deviceId: { S: deviceId } }, ConsistentRead: true }));
  return out.Item ? unmarshall(out.Item) : undefined;
}

describe('DeviceStateSink on the emulator’s DynamoDB', () => {
  it('creates the table PAY_PER_REQUEST once, even when two workers start together', async () => {
    const { client } = dynamo;
    const table = uniqueTable();
    const a = new DeviceStateSink({ client, tableName: table });
    const b = new DeviceStateSink({ client, tableName: table });
    const outcomes = await Promise.all([a.ensureTable(), b.ensureTable()]);
    expect(outcomes.sort()).toEqual(['created', 'exists']);
    const described = await client.send(new DescribeTableCommand({ TableName: table }));
    expect(described.Table).toMatchObject({
      TableStatus: 'ACTIVE',
      KeySchema: [{ AttributeName: 'deviceId', KeyType: 'HASH' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    });
    expect(await a.ensureTable()).toBe('exists');
  });

  it('keeps the newest state by device seq: older and equal ones are refused as stale', async () => {
    const { client } = dynamo;
    const table = uniqueTable();
    const sink = new DeviceStateSink({ client, tableName: table });
    await sink.ensureTable();
    expect(await sink.write([state('dev-1', 5, 21.5), state('dev-1', 7, 22.5), state('dev-2', 1, 18)])).toEqual({ written: 2, stale: 0 });
    // A replay from an older checkpoint (seq 5, 7) and a newer reading for dev-2.
    expect(await sink.write([state('dev-1', 5, 21.5), state('dev-2', 2, 19)])).toEqual({ written: 1, stale: 1 });
    expect(await sink.write([state('dev-1', 7, 99)])).toEqual({ written: 0, stale: 1 });
    expect(await stored(table, 'dev-1')).toEqual({
      deviceId: 'dev-1',
      seq: 7,
      ts: Date.UTC(2025, 5, 1, 12, 0, 7),
      metrics: { temperature_c: 22.5, battery_pct: 90 },
      location: { lat: 47.62, lon: -122.35 },
      tags: { site: 'north' },
      shardId: 'shardId-000000000001',
      sequenceNumber: '49680000000007',
      subSequenceNumber: 0,
      updatedAt: expect.any(Number),
    });
    expect((await stored(table, 'dev-2'))?.['seq']).toBe(2);
  });

  it('ends with the highest seq when workers race (an old owner still writing after a failover)', async () => {
    const { client } = dynamo;
    const table = uniqueTable();
    const sinks = [0, 1, 2].map(() => new DeviceStateSink({ client, tableName: table }));
    await sinks[0].ensureTable();
    const seqs = Array.from({ length: 30 }, (_, i) => i);
    // Each writer gets every third seq, in descending order, all at once.
    const results = await Promise.all(sinks.map((s, k) => Promise.all(seqs.filter((q) => q % 3 === k).reverse().map((q) => s.write([state('racer', q, q)])))));
    const totals = results.flat().reduce((a, r) => ({ written: a.written + r.written, stale: a.stale + r.stale }), { written: 0, stale: 0 });
    expect(totals.written + totals.stale).toBe(30);
    expect((await stored(table, 'racer'))?.['seq']).toBe(29);
  });

  it('refuses a table of the same name with another key schema', async () => {
    const { client } = dynamo;
    const table = uniqueTable();
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await expect(new DeviceStateSink({ client, tableName: table }).ensureTable()).rejects.toMatchObject({
      code: 'DEVICE_STATE_FAILED',
      retriable: false,
      message: expect.stringContaining('needs the hash key deviceId (S) alone'),
    });
  });

  it('fails a write to a missing table with a typed error', async () => {
    const { client } = dynamo;
    const sink = new DeviceStateSink({ client, tableName: uniqueTable() });
    await expect(sink.write([state('dev-1', 1, 1)])).rejects.toMatchObject({ code: 'DEVICE_STATE_FAILED', message: expect.stringContaining('ResourceNotFoundException') });
  });
});
