import type { BatchContext, BatchResponse } from './consumer-port';
import { MinuteRollup, type ClosedRollup } from './rollups/minute-rollup';
import type { DeviceState } from './sinks/device-state-sink';
import type { FileSinkRecord } from './sinks/file-sink';
import { InvalidTelemetryError, TelemetryConsumerError } from './telemetry-consumer-error';
import { TelemetryHandler, type BatchOutcome } from './telemetry-handler';
import { ManualTime } from './testing/manual-time';
import { rawRecord, telemetryRecord } from './testing/telemetry-fixtures';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const context: BatchContext = { shardId: 'shardId-000000000000', streamName: 'telemetry', checkpoint: async () => undefined };

class RecordingSink<T, R = void> {
  calls: T[][] = [];
  fail: Error | undefined;
  gate: Promise<void> | undefined;
  constructor(private readonly answer: (items: readonly T[]) => R) {}
  write = async (items: readonly T[]): Promise<R> => {
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    this.calls.push([...items]);
    return this.answer(items);
  };
  get all(): T[] {
    return this.calls.flat();
  }
}

function setup() {
  const time = new ManualTime(T0 + 10 * 60_000);
  const telemetryFiles = new RecordingSink<FileSinkRecord>(() => undefined);
  const rollupFiles = new RecordingSink<FileSinkRecord>(() => undefined);
  const deviceState = new RecordingSink<DeviceState, { written: number; stale: number }>((items) => ({ written: items.length, stale: 0 }));
  const outcomes: BatchOutcome[] = [];
  const rollupsWritten: ClosedRollup[] = [];
  const handler = new TelemetryHandler({
    rollup: new MinuteRollup({ allowedLatenessMs: 0 }),
    telemetryFiles,
    rollupFiles,
    deviceState,
    clock: time,
    onBatch: (o) => outcomes.push(o),
    onRollupsWritten: (r) => rollupsWritten.push(...r),
  });
  return { time, telemetryFiles, rollupFiles, deviceState, handler, outcomes, rollupsWritten };
}

const reading = (deviceId: string, seq: number, seconds: number, metrics: Record<string, number> = { t: seq }) =>
  telemetryRecord({ schemaVersion: 1, deviceId, seq, ts: T0 + seconds * 1000, metrics });

const rollupRows = (records: readonly FileSinkRecord[]) =>
  records.map((r) => JSON.parse(r.line) as { deviceId: string; metric: string; windowStart: string; count: number; mean: number; closedBy: string });

describe('TelemetryHandler', () => {
  it('writes valid records to the files (by arrival hour) and each device’s state, and reports no failure', async () => {
    const { handler, telemetryFiles, deviceState, outcomes } = setup();
    const records = [reading('d1', 0, 1), reading('d2', 0, 2), reading('d1', 1, 3)];
    records[1].approximateArrivalTimestamp = new Date(T0 + 3_600_000);
    await expect(handler.handle(records, context)).resolves.toBeUndefined();
    expect(telemetryFiles.all.map((r) => [r.at, JSON.parse(r.line)])).toEqual([
      [T0 + 30 * 60_000, { schemaVersion: 1, deviceId: 'd1', seq: 0, ts: T0 + 1000, metrics: { t: 0 } }],
      [T0 + 3_600_000, { schemaVersion: 1, deviceId: 'd2', seq: 0, ts: T0 + 2000, metrics: { t: 0 } }],
      [T0 + 30 * 60_000, { schemaVersion: 1, deviceId: 'd1', seq: 1, ts: T0 + 3000, metrics: { t: 1 } }],
    ]);
    expect(deviceState.all.map((s) => [s.deviceId, s.seq, s.sequenceNumber])).toEqual([
      ['d1', 0, records[0].sequenceNumber],
      ['d2', 0, records[1].sequenceNumber],
      ['d1', 1, records[2].sequenceNumber],
    ]);
    expect(outcomes).toEqual([
      expect.objectContaining({ records: 3, valid: 3, invalid: 0, rollup: { counted: 3, late: 0, duplicate: 0, future: 0 }, state: { written: 3, stale: 0 } }),
    ]);
  });

  it('reports each invalid record with retriable: false and its validation issues, and keeps the valid ones', async () => {
    const { handler, telemetryFiles } = setup();
    const badJson = rawRecord('{"schemaVersion":1,', 'd1');
    const badUtf8 = rawRecord(new Uint8Array([0x7b, 0xff, 0x7d]), 'd1');
    const badField = rawRecord(JSON.stringify({ schemaVersion: 1, deviceId: 'd1', seq: -1, ts: T0, metrics: { t: 'warm' } }), 'd1');
    const badVersion = rawRecord(JSON.stringify({ schemaVersion: 9, deviceId: 'd1', seq: 1, ts: T0, metrics: { t: 1 } }), 'd1');
    const inAggregate = rawRecord('null', 'd1', { sequenceNumber: '49000000000000000000000000123', subSequenceNumber: 4 });
    const good = reading('d1', 0, 1);
    const response = (await handler.handle([badJson, good, badUtf8, badField, badVersion, inAggregate], context)) as BatchResponse;
    expect(response.batchItemFailures.map((f) => [f.itemIdentifier, f.retriable])).toEqual([
      [badJson.sequenceNumber, false],
      [badUtf8.sequenceNumber, false],
      [badField.sequenceNumber, false],
      [badVersion.sequenceNumber, false],
      ['49000000000000000000000000123:4', false],
    ]);
    const errors = response.batchItemFailures.map((f) => f.error as InvalidTelemetryError);
    for (const e of errors) expect(e).toMatchObject({ name: 'InvalidTelemetryError', code: 'INVALID_TELEMETRY', retriable: false });
    expect(errors[0].message).toMatch(/^invalid telemetry: not valid JSON/);
    expect(errors[1].issues).toEqual([{ path: '', message: 'not valid UTF-8' }]);
    expect(errors[2].issues.map((i) => i.path)).toEqual(['seq', 'metrics.t']);
    expect(errors[2].message).toBe('invalid telemetry: seq: must be >= 0; metrics.t: expected a finite number');
    expect(errors[3].message).toContain('schemaVersion: unsupported version 9');
    // The valid record follows the first invalid one: the consumer hands it again, so it is not written yet.
    expect(telemetryFiles.all).toHaveLength(0);
  });

  it('writes the valid records before the first invalid one, and the others when the consumer hands them again', async () => {
    const { handler, telemetryFiles, deviceState, outcomes } = setup();
    const batch = [reading('d1', 0, 1), reading('d1', 1, 2), rawRecord('nope', 'd1'), reading('d1', 2, 3), rawRecord('{}', 'd1'), reading('d1', 3, 4)];
    const response = (await handler.handle(batch, context)) as BatchResponse;
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([batch[2].sequenceNumber, batch[4].sequenceNumber]);
    expect(outcomes[0]).toMatchObject({ valid: 2, invalid: 2, deferred: 2 });
    // What the consumer does next (Lambda's semantics): the records after the lowest failure, minus the dead-lettered.
    await expect(handler.handle([batch[3], batch[5]], context)).resolves.toBeUndefined();
    expect(telemetryFiles.all.map((r) => (JSON.parse(r.line) as { seq: number }).seq)).toEqual([0, 1, 2, 3]);
    expect(deviceState.all.map((s) => s.seq)).toEqual([0, 1, 2, 3]);
    expect(outcomes[1].rollup).toEqual({ counted: 2, late: 0, duplicate: 0, future: 0 });
  });

  it('resolves only once every sink has accepted the batch', async () => {
    const { handler, deviceState } = setup();
    let open: () => void = () => undefined;
    deviceState.gate = new Promise<void>((resolve) => (open = resolve));
    let settled = false;
    const done = handler.handle([reading('d1', 0, 1)], context).then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    open();
    await done;
    expect(settled).toBe(true);
  });

  it('fails the batch with the sink’s error, and a retry does not count the readings twice', async () => {
    const { handler, telemetryFiles, rollupFiles, outcomes } = setup();
    const batch = [reading('d1', 0, 1, { t: 10 }), reading('d1', 1, 2, { t: 20 })];
    const diskFull = new TelemetryConsumerError('FILE_SINK_FAILED', 'ENOSPC', true);
    telemetryFiles.fail = diskFull;
    await expect(handler.handle(batch, context)).rejects.toBe(diskFull);
    expect(outcomes[0].error).toBe(diskFull);
    telemetryFiles.fail = undefined;
    await handler.handle(batch, context);
    expect(outcomes[1].rollup).toEqual({ counted: 0, late: 0, duplicate: 2, future: 0 });
    await handler.closeAll();
    expect(rollupRows(rollupFiles.all)).toEqual([expect.objectContaining({ deviceId: 'd1', metric: 't', count: 2, mean: 15, closedBy: 'shutdown' })]);
  });

  // Regression (issue 12, item 15): platform failures are now retried for as long as they last; each retry of a
  // batch whose state-table write failed wrote its lines to the files again.
  it('a batch retried because another sink failed does not put its lines in the files again', async () => {
    const { handler, telemetryFiles, deviceState } = setup();
    const batch = [reading('d1', 0, 1), reading('d2', 0, 1), reading('d1', 1, 2)];
    const down = new TelemetryConsumerError('DEVICE_STATE_FAILED', 'socket hang up', true);
    deviceState.fail = down;
    for (let retry = 0; retry < 5; retry++) await expect(handler.handle(batch, context)).rejects.toBe(down);
    deviceState.fail = undefined;
    await handler.handle([...batch, reading('d2', 1, 3)], context);
    expect(telemetryFiles.all.map((l) => JSON.parse(l.line) as { deviceId: string; seq: number }).map((t) => `${t.deviceId}#${t.seq}`)).toEqual(['d1#0', 'd2#0', 'd1#1', 'd2#1']);
    // The state table still gets every record of the retried batch (its writes are idempotent).
    expect(deviceState.all.map((s) => `${s.deviceId}#${s.seq}`)).toEqual(['d1#0', 'd2#0', 'd1#1', 'd2#1']);
    // Another shard's records are not affected by this shard's position.
    await handler.handle([reading('d3', 0, 1)], { ...context, shardId: 'shardId-000000000001' });
    expect(telemetryFiles.all).toHaveLength(5);
  });

  it('writes the rollups a batch closes, and keeps them for the next write if that fails', async () => {
    const { handler, rollupFiles, rollupsWritten } = setup();
    await handler.handle([reading('d1', 0, 1), reading('d1', 1, 30)], context);
    expect(rollupFiles.all).toEqual([]);
    rollupFiles.fail = new TelemetryConsumerError('FILE_SINK_FAILED', 'EIO', true);
    // d1 reaches minute 1: minute 0 closes, but its write fails.
    await expect(handler.handle([reading('d1', 2, 61)], context)).rejects.toMatchObject({ code: 'FILE_SINK_FAILED' });
    expect(handler.pendingRollups).toBe(1);
    rollupFiles.fail = undefined;
    await handler.handle([reading('d1', 3, 62)], context);
    expect(handler.pendingRollups).toBe(0);
    expect(rollupFiles.all.map((r) => r.at)).toEqual([T0]);
    expect(rollupRows(rollupFiles.all)).toEqual([
      { deviceId: 'd1', metric: 't', windowStart: '2025-06-01T12:00:00.000Z', windowEnd: '2025-06-01T12:01:00.000Z', count: 2, sum: 1, min: 0, max: 1, mean: 0.5, closedBy: 'watermark' },
    ]);
    expect(rollupsWritten).toHaveLength(1);
  });

  it('writes closed rollups to the rollup table too, and retries only the sink that failed', async () => {
    const time = new ManualTime(T0 + 10 * 60_000);
    const rollupFiles = new RecordingSink<FileSinkRecord>(() => undefined);
    const rollupTable = new RecordingSink<ClosedRollup, { written: number; superseded: number }>((items) => ({ written: items.length, superseded: 0 }));
    const handler = new TelemetryHandler({
      rollup: new MinuteRollup({ allowedLatenessMs: 0 }),
      telemetryFiles: new RecordingSink<FileSinkRecord>(() => undefined),
      rollupFiles,
      deviceState: new RecordingSink<DeviceState, { written: number; stale: number }>((items) => ({ written: items.length, stale: 0 })),
      rollupTable,
      clock: time,
    });
    await handler.handle([reading('d1', 0, 1), reading('d1', 1, 30)], context);
    rollupTable.fail = new TelemetryConsumerError('ROLLUP_TABLE_FAILED', 'throttled', true);
    await expect(handler.handle([reading('d1', 2, 61)], context)).rejects.toMatchObject({ code: 'ROLLUP_TABLE_FAILED' });
    expect(rollupFiles.all).toHaveLength(1);
    expect(handler.pendingRollups).toBe(1);
    rollupTable.fail = undefined;
    // The next batch closes minute 1: the table gets minute 0 (pending) and 1; the files get minute 1 only.
    await handler.handle([reading('d1', 3, 121)], context);
    expect(handler.pendingRollups).toBe(0);
    expect(rollupTable.all.map((r) => [r.windowStart, r.count, r.closedBy])).toEqual([
      [T0, 2, 'watermark'],
      [T0 + 60_000, 1, 'watermark'],
    ]);
    expect(rollupRows(rollupFiles.all).map((r) => r.windowStart)).toEqual(['2025-06-01T12:00:00.000Z', '2025-06-01T12:01:00.000Z']);
  });

  it('closes rollups of idle devices, of a lost shard, and all of them at shutdown', async () => {
    const { handler, rollupFiles, time } = setup();
    await handler.handle([reading('a', 0, 1)], context);
    await handler.handle([telemetryRecord({ schemaVersion: 1, deviceId: 'b', seq: 0, ts: T0, metrics: { t: 1 } }, { shardId: 'shardId-000000000001' })], {
      ...context,
      shardId: 'shardId-000000000001',
    });
    await handler.handle([reading('c', 0, 1)], context);
    expect(await handler.closeShard('shardId-000000000001')).toBe(1);
    time.set(time.now() + 70_000);
    await handler.handle([reading('c', 1, 2)], context);
    expect(await handler.closeIdle()).toBe(1);
    expect(await handler.closeAll()).toBe(1);
    expect(rollupRows(rollupFiles.all).map((r) => `${r.deviceId}:${r.closedBy}`)).toEqual(['b:lease-lost', 'a:idle', 'c:shutdown']);
  });

  it('leaves the windows of a lease lost while the worker stops to closeAll(), which writes them as shutdown', async () => {
    // npm start's spec failed in CI without a 'shutdown' rollup: a lease the library reports lost during the stop
    // (expired, or handed over) closed its devices' windows as 'lease-lost', in a write the stop did not wait for.
    const { handler, rollupFiles } = setup();
    const shard1 = 'shardId-000000000001';
    await handler.handle([reading('a', 0, 1)], context);
    await handler.handle([telemetryRecord({ schemaVersion: 1, deviceId: 'b', seq: 0, ts: T0, metrics: { t: 1 } }, { shardId: shard1 })], { ...context, shardId: shard1 });
    handler.beginShutdown();
    expect(await handler.closeShard(shard1)).toBe(0);
    expect(rollupFiles.calls).toEqual([]);
    expect(await handler.closeAll()).toBe(2);
    expect(rollupFiles.calls.map((c) => rollupRows(c).map((r) => `${r.deviceId}:${r.closedBy}`))).toEqual([['a:shutdown', 'b:shutdown']]);
  });

  it('closeAll() lets a rollup write in progress finish first, and writes again what that write could not', async () => {
    const { handler, rollupFiles } = setup();
    const shard1 = 'shardId-000000000001';
    await handler.handle([reading('a', 0, 1)], context);
    await handler.handle([telemetryRecord({ schemaVersion: 1, deviceId: 'b', seq: 0, ts: T0, metrics: { t: 1 } }, { shardId: shard1 })], { ...context, shardId: shard1 });
    // A lost shard's write (before the stop) is still in progress when the stop closes the rest, and then fails.
    const recorded = rollupFiles.write;
    let failFirst: (err: Error) => void = () => undefined;
    let writes = 0;
    rollupFiles.write = (items) => (writes++ === 0 ? new Promise<void>((_, reject) => (failFirst = reject)) : recorded(items));
    const lost = handler.closeShard(shard1);
    let allDone = false;
    const all = handler.closeAll().finally(() => (allDone = true));
    await new Promise((r) => setImmediate(r));
    expect(allDone).toBe(false);
    failFirst(new TelemetryConsumerError('FILE_SINK_FAILED', 'EIO', true));
    await expect(lost).rejects.toMatchObject({ code: 'FILE_SINK_FAILED' });
    expect(await all).toBe(2);
    expect(handler.pendingRollups).toBe(0);
    expect(rollupRows(rollupFiles.all).map((r) => `${r.deviceId}:${r.closedBy}`)).toEqual(['b:lease-lost', 'a:shutdown']);
  });

  it('accepts an empty batch without touching the sinks', async () => {
    const { handler, deviceState, telemetryFiles } = setup();
    await expect(handler.handle([], context)).resolves.toBeUndefined();
    expect(deviceState.calls).toEqual([]);
    expect(telemetryFiles.calls).toEqual([]);
  });
});
