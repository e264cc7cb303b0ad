/**
 * Regression (issue 12, item 14): a sink outage was logged once per failed batch and readiness never showed it.
 * One "down" per run of failures, one "up" when a batch is accepted again.
 */
import { TelemetryConsumerError } from './telemetry-consumer-error';
import { SinkHealth, sinkOf } from './sink-health';

describe('sinkOf', () => {
  it.each([
    ['DEVICE_STATE_FAILED', 'device-state-table'],
    ['ROLLUP_TABLE_FAILED', 'rollup-table'],
    ['FILE_SINK_FAILED', 'files'],
    ['INVALID_TELEMETRY', undefined],
  ] as const)('%s → %s', (code, sink) => {
    expect(sinkOf(new TelemetryConsumerError(code, 'x', true))).toBe(sink);
  });
  it('an untyped error is no sink’s', () => expect(sinkOf(new Error('x'))).toBeUndefined());
});

describe('SinkHealth', () => {
  it('turns a run of failures into one outage and the next accepted batch into one recovery', () => {
    const health = new SinkHealth();
    expect(health.accepted(0)).toEqual([]);
    expect(health.failed('device-state-table', 'ECONNRESET', 1_000)).toEqual({ kind: 'down', outage: { sink: 'device-state-table', since: 1_000, failures: 1, reason: 'ECONNRESET' } });
    expect(health.failed('device-state-table', 'socket hang up', 2_000)).toBeUndefined();
    expect(health.failed('files', 'ENOSPC', 2_500)).toMatchObject({ kind: 'down' });
    expect(health.current()).toEqual([
      { sink: 'device-state-table', since: 1_000, failures: 2, reason: 'socket hang up' },
      { sink: 'files', since: 2_500, failures: 1, reason: 'ENOSPC' },
    ]);
    expect(health.accepted(5_000)).toEqual([
      { kind: 'up', sink: 'device-state-table', downForMs: 4_000, failures: 2 },
      { kind: 'up', sink: 'files', downForMs: 2_500, failures: 1 },
    ]);
    expect(health.current()).toEqual([]);
    expect(health.accepted(6_000)).toEqual([]);
  });
});
