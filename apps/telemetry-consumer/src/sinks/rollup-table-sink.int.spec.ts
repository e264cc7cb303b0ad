/**
 * The rollup table against real DynamoDB semantics: the emulator's embedded dynalite through the official
 * @aws-sdk/client-dynamodb v3 client. Table creation with a range key, the conditional PutItem and the Query the
 * dashboard runs (by device and time range, every metric in time order) are what a fake cannot prove.
 */
import { DescribeTableCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { uniqueTableName } from '@tributary/emulator/testing';
import { parseRollupItem, rollupWindowRange } from '@tributary/schemas';
import type { ClosedRollup } from '../rollups/minute-rollup';
import { useEmulatorDynamoDb } from '../testing/emulator-dynamodb';
import { closedMinute } from '../testing/rollup-fixtures';
import { RollupTableSink } from './rollup-table-sink';

const dynamo = useEmulatorDynamoDb();
const uniqueTable = (): string => uniqueTableName('rollups');
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

const rollup = (deviceId: string, metric: string, minute: number, count: number, closedBy: ClosedRollup['closedBy'] = 'watermark'): ClosedRollup =>
  closedMinute(T0, { deviceId, metric, minute, count, mean: 2, spread: 1, closedBy });

async function query(table: string, deviceId: string, fromMs: number, toMs: number): Promise<Record<string, unknown>[]> {
  const { lower, upper } = rollupWindowRange(fromMs, toMs);
  const out = await dynamo.client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: '#d = :d AND #w BETWEEN :lower AND :upper',
      ExpressionAttributeNames: { '#d': 'deviceId', '#w': 'window' },
      ExpressionAttributeValues: { ':d': { S: deviceId }, ':lower': { S: lower }, ':upper': { S: upper } },
    }),
  );
  return (out.Items ?? []).map((i) => unmarshall(i));
}

describe('RollupTableSink on the emulator’s DynamoDB', () => {
  it('creates the table (hash deviceId, range window), once when two workers race, and goes on without TTL', async () => {
    const { client } = dynamo;
    const table = uniqueTable();
    const [a, b] = [new RollupTableSink({ client, tableName: table }), new RollupTableSink({ client, tableName: table })];
    const results = await Promise.all([a.ensureTable(), b.ensureTable()]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'exists']);
    // dynalite has no UpdateTimeToLive: the creator says so and carries on.
    expect(results.find((r) => r.outcome === 'created')?.ttl).toBe('unsupported');
    const described = await client.send(new DescribeTableCommand({ TableName: table }));
    expect(described.Table).toMatchObject({
      TableStatus: 'ACTIVE',
      KeySchema: [
        { AttributeName: 'deviceId', KeyType: 'HASH' },
        { AttributeName: 'window', KeyType: 'RANGE' },
      ],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    });
  });

  it('writes items a Query by device and time range returns in time order, every metric, nothing outside', async () => {
    const { client } = dynamo;
    const table = uniqueTable();
    const sink = new RollupTableSink({ client, tableName: table });
    await sink.ensureTable();
    await sink.write([
      rollup('d1', 'temp', 2, 5),
      rollup('d1', 'hum', 0, 5),
      rollup('d1', 'temp', 0, 5),
      rollup('d1', 'temp', 1, 5),
      rollup('d1', 'temp', 3, 5),
      rollup('d2', 'temp', 1, 5),
    ]);
    const items = await query(table, 'd1', T0, T0 + 2 * 60_000);
    expect(items.map((i) => i['window'])).toEqual([`${T0}#hum`, `${T0}#temp`, `${T0 + 60_000}#temp`, `${T0 + 120_000}#temp`]);
    for (const item of items) expect(parseRollupItem(item)).toEqual({ ok: true, value: item });
  });

  it('keeps the fuller part of a minute closed on two workers, whatever the order', async () => {
    const { client } = dynamo;
    const table = uniqueTable();
    const sink = new RollupTableSink({ client, tableName: table });
    await sink.ensureTable();
    await sink.write([rollup('d1', 'temp', 0, 50, 'lease-lost')]);
    expect(await sink.write([rollup('d1', 'temp', 0, 10, 'watermark')])).toEqual({ written: 0, superseded: 1 });
    expect(await sink.write([rollup('d1', 'temp', 0, 50, 'lease-lost')])).toEqual({ written: 1, superseded: 0 });
    const [item] = await query(table, 'd1', T0, T0);
    expect(item).toMatchObject({ count: 50, closedBy: 'lease-lost' });
  });
});
