import { CreateTableCommand, DescribeTableCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { awsError, FakeDynamoBase } from '../testing/fake-dynamo';
import { ManualTime } from '../testing/manual-time';
import { DeviceStateSink, isRetriableAwsError, latestPerDevice, type DeviceState } from './device-state-sink';

const state = (deviceId: string, seq: number, extra: Partial<DeviceState> = {}): DeviceState => ({
  deviceId,
  seq,
  ts: 1_748_779_200_000 + seq * 1000,
  metrics: { t: seq },
  shardId: 'shardId-000000000000',
  sequenceNumber: String(1000 + seq),
  subSequenceNumber: 0,
  ...extra,
});

/**
 * Just enough of DynamoDB for the sink's decisions: a table's status over DescribeTable calls, and PutItem with
 * the sink's condition (new device or higher seq) evaluated on stored items. The real condition expression runs
 * against the emulator's DynamoDB in device-state-sink.int.spec.ts.
 */
class FakeDynamo extends FakeDynamoBase {
  items = new Map<string, number>();
  statuses: (string | undefined)[] = ['ACTIVE'];

  protected put(input: PutItemCommandInput): unknown {
    const id = input.Item?.['deviceId']?.S as string;
    const seq = Number(input.ExpressionAttributeValues?.[':seq']?.N);
    const stored = this.items.get(id);
    if (stored !== undefined && !(stored < seq)) throw awsError('ConditionalCheckFailedException');
    this.items.set(id, seq);
    this.calls.push(`PutItem ${id}#${seq}`);
    return {};
  }

  protected other(command: unknown): unknown {
    if (command instanceof DescribeTableCommand) {
      this.calls.push('DescribeTable');
      const status = this.statuses.length > 1 ? this.statuses.shift() : this.statuses[0];
      if (status === undefined) throw awsError('ResourceNotFoundException');
      return {
        Table: {
          TableStatus: status,
          KeySchema: [{ AttributeName: 'deviceId', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'deviceId', AttributeType: 'S' }],
        },
      };
    }
    if (command instanceof CreateTableCommand) {
      this.calls.push(`CreateTable ${command.input.BillingMode}`);
      return {};
    }
    throw new Error('unexpected command');
  }
}

describe('latestPerDevice', () => {
  it('keeps each device’s highest seq, whatever the order', () => {
    const out = latestPerDevice([state('a', 3), state('b', 1), state('a', 7), state('a', 5), state('b', 0)]);
    expect(out.map((s) => `${s.deviceId}#${s.seq}`).sort()).toEqual(['a#7', 'b#1']);
  });
});

describe('isRetriableAwsError', () => {
  it.each([
    ['ProvisionedThroughputExceededException', true, awsError('ProvisionedThroughputExceededException')],
    ['ThrottlingException', true, awsError('ThrottlingException')],
    ['a server fault', true, awsError('InternalServerError', { $fault: 'server' })],
    ['ECONNRESET', true, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    // Regression (issue 12): the SDK's wrapper of a socket error from another realm (a dropped connection, seen in
    // the outage test) was called non-retriable, so a platform failure dead-lettered valid records.
    ['an SDK wrapper of a dropped connection', true, Object.assign(new Error('AWS SDK error wrapper for TimeoutError: socket hang up'), { $metadata: { attempts: 4 } })],
    ['an SDK wrapper of ECONNREFUSED', true, Object.assign(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9'), { $metadata: { attempts: 4 } })],
    ['ValidationException', false, awsError('ValidationException', { $fault: 'client' })],
    ['AccessDeniedException', false, awsError('AccessDeniedException', { $fault: 'client' })],
    ['a TypeError', false, new TypeError('bug')],
    ['a string', false, 'a string'],
  ])('%s → retriable: %s', (_label, expected, err) => expect(isRetriableAwsError(err)).toBe(expected));
});

describe('DeviceStateSink', () => {
  it('writes one conditional PutItem per device per batch and counts older states as stale', async () => {
    const fake = new FakeDynamo();
    const sink = new DeviceStateSink({ client: fake.asClient(), tableName: 'state' });
    expect(await sink.write([state('a', 1), state('a', 2), state('b', 5)])).toEqual({ written: 2, stale: 0 });
    // A replay of older records, and one newer state.
    expect(await sink.write([state('a', 1), state('b', 5), state('b', 6)])).toEqual({ written: 1, stale: 1 });
    expect([...fake.items]).toEqual([
      ['a', 2],
      ['b', 6],
    ]);
    expect(sink.stats()).toEqual({ written: 3, stale: 1 });
  });

  it('puts the whole state in the item, with the condition on seq', async () => {
    const puts: PutItemCommandInput[] = [];
    const fake = new FakeDynamo();
    fake.failPut = (input) => {
      puts.push(input);
      return undefined;
    };
    const time = new ManualTime(1_750_000_000_000);
    const sink = new DeviceStateSink({ client: fake.asClient(), tableName: 'state', clock: time });
    await sink.write([state('a', 4, { location: { lat: 1, lon: 2 }, tags: { site: 'n' } })]);
    expect(puts[0]).toEqual({
      TableName: 'state',
      Item: {
        deviceId: { S: 'a' },
        seq: { N: '4' },
        ts: { N: '1748779204000' },
        metrics: { M: { t: { N: '4' } } },
        location: { M: { lat: { N: '1' }, lon: { N: '2' } } },
        tags: { M: { site: { S: 'n' } } },
        shardId: { S: 'shardId-000000000000' },
        sequenceNumber: { S: '1004' },
        subSequenceNumber: { N: '0' },
        updatedAt: { N: '1750000000000' },
      },
      ConditionExpression: 'attribute_not_exists(#id) OR #seq < :seq',
      ExpressionAttributeNames: { '#id': 'deviceId', '#seq': 'seq' },
      ExpressionAttributeValues: { ':seq': { N: '4' } },
    });
  });

  it('keeps at most `concurrency` writes in flight', async () => {
    const fake = new FakeDynamo();
    const sink = new DeviceStateSink({ client: fake.asClient(), tableName: 'state', concurrency: 3 });
    await sink.write(Array.from({ length: 20 }, (_, i) => state(`d${i}`, 1)));
    expect(fake.maxInFlight).toBe(3);
    expect(fake.items.size).toBe(20);
  });

  it('fails the batch with a retriable error when DynamoDB throttles, after the other writes', async () => {
    const fake = new FakeDynamo();
    fake.failPut = (input) => (input.Item?.['deviceId']?.S === 'b' ? awsError('ProvisionedThroughputExceededException') : undefined);
    const sink = new DeviceStateSink({ client: fake.asClient(), tableName: 'state' });
    await expect(sink.write([state('a', 1), state('b', 1), state('c', 1)])).rejects.toMatchObject({
      code: 'DEVICE_STATE_FAILED',
      retriable: true,
      message: expect.stringContaining('ProvisionedThroughputExceededException'),
    });
    expect([...fake.items.keys()]).toEqual(['a', 'c']);
  });

  it('fails with a non-retriable error on a validation error', async () => {
    const fake = new FakeDynamo();
    fake.failPut = () => awsError('ValidationException', { $fault: 'client' });
    const sink = new DeviceStateSink({ client: fake.asClient(), tableName: 'state' });
    await expect(sink.write([state('a', 1)])).rejects.toMatchObject({ code: 'DEVICE_STATE_FAILED', retriable: false });
  });

  describe('ensureTable', () => {
    it('creates a missing table PAY_PER_REQUEST and waits for ACTIVE on the injected timers', async () => {
      const fake = new FakeDynamo();
      fake.statuses = [undefined, 'CREATING', 'CREATING', 'ACTIVE'];
      const time = new ManualTime();
      const sink = new DeviceStateSink({ client: fake.asClient(), tableName: 'state', clock: time, timers: time });
      const done = sink.ensureTable();
      await time.advance(50);
      await time.advance(100);
      await expect(done).resolves.toBe('created');
      expect(fake.calls).toEqual(['DescribeTable', 'CreateTable PAY_PER_REQUEST', 'DescribeTable', 'DescribeTable', 'DescribeTable']);
    });

    it('gives up after activeTimeoutMs with a retriable error', async () => {
      const fake = new FakeDynamo();
      fake.statuses = ['CREATING'];
      const time = new ManualTime();
      const sink = new DeviceStateSink({ client: fake.asClient(), tableName: 'state', clock: time, timers: time, activeTimeoutMs: 5_000 });
      const done = sink.ensureTable();
      const outcome = expect(done).rejects.toMatchObject({ code: 'DEVICE_STATE_FAILED', retriable: true, message: expect.stringContaining('not ACTIVE after 5000 ms') });
      await time.advance(10_000);
      await outcome;
    });
  });
});
