import { FaultInjector, type FaultTarget } from './fault-injector';

const kds = (streamName: string): FaultTarget => ({ service: 'kinesis', streamName });
const ddb = (...tableNames: string[]): FaultTarget => ({ service: 'dynamodb', tableNames });
const kvs = (streamName: string): FaultTarget => ({ service: 'kinesisvideo', streamName });

describe('FaultInjector', () => {
  it('fails PutRecords entries per record, not the whole call', () => {
    const f = new FaultInjector(() => 0);
    f.add({ operations: ['PutRecords'], throttleRate: 1 });
    expect(f.callFault('PutRecords', kds('s')).action).toBeUndefined();
    expect(f.recordFault('PutRecords', 's', 'shardId-000000000000')).toBe('throttle');
  });

  it('fails other operations as a whole call', () => {
    const f = new FaultInjector(() => 0);
    f.add({ operations: ['DescribeStream'], errorRate: 1 });
    expect(f.callFault('DescribeStream', kds('s')).action).toBe('internal');
    expect(f.callFault('ListShards', kds('s')).action).toBeUndefined();
  });

  it('matches stream and shard', () => {
    const f = new FaultInjector(() => 0);
    f.add({ streamName: 'a', shardId: 'shardId-000000000001', errorRate: 1 });
    expect(f.recordFault('PutRecords', 'a', 'shardId-000000000000')).toBeUndefined();
    expect(f.recordFault('PutRecords', 'b', 'shardId-000000000001')).toBeUndefined();
    expect(f.recordFault('PutRecords', 'a', 'shardId-000000000001')).toBe('internal');
  });

  it('applies the rate with the injected randomness', () => {
    const values = [0.1, 0.9];
    const f = new FaultInjector(() => values.shift() as number);
    f.add({ operations: ['ListShards'], throttleRate: 0.5 });
    expect(f.callFault('ListShards', kds('s')).action).toBe('throttle');
    expect(f.callFault('ListShards', kds('s')).action).toBeUndefined();
  });

  it('removes a rule after `count` firings and adds latency', () => {
    const f = new FaultInjector(() => 0);
    f.add({ latencyMs: 50, dropRate: 1, count: 2 });
    expect(f.callFault('GetRecords', kds('s'))).toEqual({ latencyMs: 50, action: 'drop' });
    expect(f.callFault('GetRecords', kds('s')).action).toBe('drop');
    expect(f.callFault('GetRecords', kds('s'))).toEqual({ latencyMs: 0 });
    expect(f.list()).toEqual([]);
  });

  it('rejects unknown rule fields', () => {
    expect(() => new FaultInjector().add({ throttle: true } as never)).toThrow();
  });

  it('fails DynamoDB calls as a whole, by operation and table', () => {
    const f = new FaultInjector(() => 0);
    f.add({ operations: ['PutItem'], tableName: 'leases', throttleRate: 1 });
    expect(f.callFault('PutItem', ddb('leases')).action).toBe('throttle');
    expect(f.callFault('PutItem', ddb('other')).action).toBeUndefined();
    expect(f.callFault('UpdateItem', ddb('leases')).action).toBeUndefined();
    // A batch call matches when any table it touches does.
    f.add({ operations: ['BatchWriteItem'], tableName: 'leases', errorRate: 1 });
    expect(f.callFault('BatchWriteItem', ddb('a', 'leases')).action).toBe('internal');
  });

  it('keeps Kinesis matchers to Kinesis calls and table matchers to DynamoDB calls', () => {
    const f = new FaultInjector(() => 0);
    f.add({ streamName: 's', errorRate: 1 });
    f.add({ shardId: 'shardId-000000000000', dropRate: 1 });
    f.add({ tableName: 'leases', latencyMs: 5 });
    expect(f.callFault('PutItem', ddb('s'))).toEqual({ latencyMs: 0 });
    expect(f.callFault('DescribeStream', kds('s'))).toEqual({ latencyMs: 0, action: 'internal' });
    expect(f.recordFault('PutRecords', 'leases', 'shardId-000000000001')).toBeUndefined();
    expect(f.callFault('GetItem', ddb('leases'))).toEqual({ latencyMs: 5 });
  });

  it('matches by service, for operations both services have and for rules without matchers', () => {
    const f = new FaultInjector(() => 0);
    f.add({ service: 'dynamodb', operations: ['TagResource'], errorRate: 1 });
    expect(f.callFault('TagResource', kds('s')).action).toBeUndefined();
    expect(f.callFault('TagResource', ddb('t')).action).toBe('internal');
    f.clear();
    f.add({ throttleRate: 1 });
    expect(f.callFault('Scan', ddb('t')).action).toBe('throttle');
    expect(f.callFault('ListShards', kds('s')).action).toBe('throttle');
  });

  it('matches Kinesis Video calls by service, operation and stream name', () => {
    const f = new FaultInjector(() => 0);
    f.add({ service: 'kinesisvideo', operations: ['PutMedia'], streamName: 'cam', throttleRate: 1 });
    expect(f.callFault('PutMedia', kvs('cam')).action).toBe('throttle');
    expect(f.callFault('PutMedia', kvs('other')).action).toBeUndefined();
    expect(f.callFault('PutMedia', kds('cam')).action).toBeUndefined();
    f.clear();
    f.add({ streamName: 'cam', errorRate: 1 });
    expect(f.callFault('GetMedia', kvs('cam')).action).toBe('internal');
    expect(() => f.add({ service: 'kinesisvideo', shardId: 'shardId-000000000000', errorRate: 1 })).toThrow();
    expect(() => f.add({ service: 'kinesisvideo', tableName: 't', errorRate: 1 })).toThrow();
  });

  it('rejects rules that mix Kinesis and DynamoDB matchers', () => {
    const f = new FaultInjector();
    expect(() => f.add({ streamName: 's', tableName: 't', errorRate: 1 })).toThrow();
    expect(() => f.add({ service: 'dynamodb', shardId: 'shardId-000000000000', errorRate: 1 })).toThrow();
    expect(() => f.add({ service: 'kinesis', tableName: 't', errorRate: 1 })).toThrow();
    expect(() => f.add({ service: 'dynamo' as never, errorRate: 1 })).toThrow();
  });
});
