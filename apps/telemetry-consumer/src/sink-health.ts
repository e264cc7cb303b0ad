/**
 * Whether the worker's sinks accept writes: the device-state table, the rollup table and the files. The consumer
 * library tracks Kinesis and its lease table; a sink can fail on its own (a table throttled or unreachable, a full
 * disk), and then every batch waits (a failure of the platform spends no retry budget), so readiness must say
 * which sink and why. Pure, like the library's ServiceHealth: a run of failures is one "down", the first accepted
 * batch after it one "up", so the app logs an outage once when it starts and once when it ends.
 */
import { OutageTracker } from '@tributary/runtime';
import type { TelemetryConsumerErrorCode } from './telemetry-consumer-error';

export type SinkName = 'device-state-table' | 'rollup-table' | 'files';

/** Which sink a handler failure came from, by the typed error's code. */
const SINK_BY_CODE: Partial<Record<TelemetryConsumerErrorCode, SinkName>> = {
  DEVICE_STATE_FAILED: 'device-state-table',
  ROLLUP_TABLE_FAILED: 'rollup-table',
  FILE_SINK_FAILED: 'files',
};

export function sinkOf(error: unknown): SinkName | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? SINK_BY_CODE[code as TelemetryConsumerErrorCode] : undefined;
}

export interface SinkOutage {
  sink: SinkName;
  /** Epoch ms of its first failure. */
  since: number;
  failures: number;
  reason: string;
}

export type SinkTransition = { kind: 'down'; outage: SinkOutage } | { kind: 'up'; sink: SinkName; downForMs: number; failures: number };

/** The sinks on the shared OutageTracker (@tributary/runtime). */
export class SinkHealth {
  private readonly outages = new OutageTracker<SinkName>();

  /** A batch failed in `sink`: a transition when the sink was healthy until now. */
  failed(sink: SinkName, reason: string, now: number): SinkTransition | undefined {
    return this.outages.failed(sink, reason, now) ? { kind: 'down', outage: { sink, since: now, failures: 1, reason } } : undefined;
  }

  /** Every sink accepted a batch (and the rollups pending from failed writes): ends every outage. */
  accepted(now: number): SinkTransition[] {
    return this.outages.succeededAll(now).flatMap((c): SinkTransition[] => (c.kind === 'up' ? [{ kind: 'up', sink: c.key, downForMs: c.downForMs, failures: c.failures }] : []));
  }

  current(): SinkOutage[] {
    return this.outages.current().map((o) => ({ sink: o.key, since: o.since, failures: o.failures, reason: o.reason }));
  }
}
