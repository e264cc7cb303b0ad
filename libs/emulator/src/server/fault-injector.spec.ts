import { FaultInjector } from './fault-injector';

describe('FaultInjector', () => {
  it('fails PutRecords entries per record, not the whole call', () => {
    const f = new FaultInjector(() => 0);
    f.add({ operations: ['PutRecords'], throttleRate: 1 });
    expect(f.callFault('PutRecords', 's').action).toBeUndefined();
    expect(f.recordFault('PutRecords', 's', 'shardId-000000000000')).toBe('throttle');
  });

  it('fails other operations as a whole call', () => {
    const f = new FaultInjector(() => 0);
    f.add({ operations: ['DescribeStream'], errorRate: 1 });
    expect(f.callFault('DescribeStream', 's').action).toBe('internal');
    expect(f.callFault('ListShards', 's').action).toBeUndefined();
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
    expect(f.callFault('ListShards', 's').action).toBe('throttle');
    expect(f.callFault('ListShards', 's').action).toBeUndefined();
  });

  it('removes a rule after `count` firings and adds latency', () => {
    const f = new FaultInjector(() => 0);
    f.add({ latencyMs: 50, dropRate: 1, count: 2 });
    expect(f.callFault('GetRecords', 's')).toEqual({ latencyMs: 50, action: 'drop' });
    expect(f.callFault('GetRecords', 's').action).toBe('drop');
    expect(f.callFault('GetRecords', 's')).toEqual({ latencyMs: 0 });
    expect(f.list()).toEqual([]);
  });

  it('rejects unknown rule fields', () => {
    expect(() => new FaultInjector().add({ throttle: true } as never)).toThrow();
  });
});
