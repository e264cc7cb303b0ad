import { OutageTracker } from './outage-tracker';

describe('OutageTracker', () => {
  it('reports a run of failures as one outage, counted, and its end once', () => {
    const t = new OutageTracker<'kvs'>();
    expect(t.succeeded('kvs', 0)).toBeUndefined();
    expect(t.failed('kvs', 'ECONNREFUSED', 1_000)).toEqual({ kind: 'down', key: 'kvs', at: 1_000, reason: 'ECONNREFUSED' });
    expect(t.failed('kvs', 'ETIMEDOUT', 2_000)).toBeUndefined();
    expect(t.failed('kvs', 'ECONNRESET', 3_000)).toBeUndefined();
    expect(t.outage('kvs')).toEqual({ key: 'kvs', since: 1_000, failures: 3, reason: 'ECONNRESET' });
    expect(t.succeeded('kvs', 5_500)).toEqual({ kind: 'up', key: 'kvs', at: 5_500, downForMs: 4_500, failures: 3, lastReason: 'ECONNRESET' });
    expect(t.succeeded('kvs', 6_000)).toBeUndefined();
    expect(t.outage('kvs')).toBeUndefined();
    // A new failure after the recovery is a new outage.
    expect(t.failed('kvs', 'ECONNREFUSED', 7_000)?.kind).toBe('down');
  });

  it('keeps keys apart, and succeededAll ends every outage, oldest first', () => {
    const t = new OutageTracker<string, { code: string }>();
    t.failed('a', { code: 'X' }, 10);
    t.failed('b', { code: 'Y' }, 20);
    t.failed('a', { code: 'Z' }, 30);
    expect(t.current().map((o) => [o.key, o.since, o.failures, o.reason.code])).toEqual([
      ['a', 10, 2, 'Z'],
      ['b', 20, 1, 'Y'],
    ]);
    expect(t.succeededAll(100).map((c) => (c.kind === 'up' ? [c.key, c.downForMs, c.failures] : c.kind))).toEqual([
      ['a', 90, 2],
      ['b', 80, 1],
    ]);
    expect(t.current()).toEqual([]);
  });

  it('hands out copies: callers cannot change its state', () => {
    const t = new OutageTracker<'x'>();
    t.failed('x', 'r', 1);
    const o = t.outage('x');
    if (o) o.failures = 99;
    expect(t.outage('x')?.failures).toBe(1);
  });
});
