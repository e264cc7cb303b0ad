/**
 * The batch handler the consumer calls for each shard's records, in shard order:
 *
 * 1. decode and validate every record with @tributary/schemas (UTF-8, JSON, the versioned envelope). An invalid
 *    record is reported as `{ itemIdentifier, retriable: false, error }`: the consumer sends it to the dead-letter
 *    destination at once, with the validation issues in the error message, and the shard goes on.
 *    Partial batch responses follow Lambda's ReportBatchItemFailures: the consumer counts the records before the
 *    lowest reported one as done and hands every later one to the handler again (minus the dead-lettered ones).
 *    So the handler writes only the valid records BEFORE the first invalid one, and reports every invalid record
 *    of the batch: they are all dead-lettered at once, and the valid records after the first come back in the
 *    next call and are written then, once. (Writing them now would put them in the files twice.);
 * 2. add the valid readings to the minute rollups (pure; repeats of a device's `seq` are ignored, so a retried
 *    batch does not count twice);
 * 3. write, concurrently: the raw records to the telemetry file sink (hour partition of their arrival time, like
 *    Firehose), each device's newest state to the device-state table, and the rollups this batch closed to the
 *    rollup file sink and, when configured, the rollup table;
 * 4. resolve only once every sink accepted its part. If one failed, throw its (typed, usually retriable) error:
 *    the consumer retries the batch, bisects, and dead-letters by its own rules; nothing is checkpointed past a
 *    record whose data did not reach every sink. Rollups that could not be written are kept and written first
 *    next time (they left the aggregator when they closed), per sink: a rollup the files took is not written to
 *    the files again because the table refused it.
 *
 * At-least-once, so a replay can put a record's line twice in the files; each line carries `deviceId` and `seq`,
 * which identify it. A batch retried because another sink failed does not: the handler remembers, per shard, the
 * last record whose line the files took, and writes only the lines after it (a sink outage retries a batch for as
 * long as it lasts, and each retry used to add a copy of its lines). The device-state table and the rollups are
 * idempotent.
 */
import { decodeTelemetry, type TelemetryEnvelope } from '@tributary/schemas';
import { comparePositions, recordIdentifier, type BatchContext, type BatchItemFailure, type BatchResponse, type ConsumerRecord } from './consumer-port';
import { noopLogger, type Logger } from './logger';
import type { ClosedRollup, MinuteRollup, RollupOutcome } from './rollups/minute-rollup';
import type { DeviceState, DeviceStateSink, DeviceStateWriteResult } from './sinks/device-state-sink';
import type { FileSink, FileSinkRecord } from './sinks/file-sink';
import type { RollupTableSink } from './sinks/rollup-table-sink';
import { InvalidTelemetryError } from './telemetry-consumer-error';
import { systemClock, type Clock } from './time';

export interface TelemetryHandlerDeps {
  rollup: MinuteRollup;
  telemetryFiles: Pick<FileSink, 'write'>;
  rollupFiles: Pick<FileSink, 'write'>;
  deviceState: Pick<DeviceStateSink, 'write'>;
  /** The rollup table; none when `--rollup-table` is off. */
  rollupTable?: Pick<RollupTableSink, 'write'>;
  clock?: Clock;
  logger?: Logger;
  /** Called after every batch (metrics). */
  onBatch?: (outcome: BatchOutcome) => void;
  /** Called after rollups were written (closed by a batch's watermark, the idle sweep, a lease loss or shutdown). */
  onRollupsWritten?: (rollups: readonly ClosedRollup[]) => void;
}

export interface BatchOutcome {
  shardId: string;
  records: number;
  /** Written to the sinks in this call. */
  valid: number;
  invalid: number;
  /** Valid records after the first invalid one: left for the consumer's next call (see the file header). */
  deferred: number;
  rollup: Record<RollupOutcome, number>;
  state: DeviceStateWriteResult;
  /** Wall time of the batch, ms. */
  durationMs: number;
  /** The error the batch failed with (the consumer retries it), if any. */
  error?: unknown;
}

export class TelemetryHandler {
  private readonly rollup: MinuteRollup;
  private readonly telemetryFiles: Pick<FileSink, 'write'>;
  private readonly rollupFiles: Pick<FileSink, 'write'>;
  private readonly deviceState: Pick<DeviceStateSink, 'write'>;
  private readonly rollupTable: Pick<RollupTableSink, 'write'> | undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly onBatch: ((outcome: BatchOutcome) => void) | undefined;
  private readonly onRollupsWritten: ((rollups: readonly ClosedRollup[]) => void) | undefined;
  /** Closed rollups whose write failed, per sink: written first next time. */
  private pendingFiles: ClosedRollup[] = [];
  private pendingTable: ClosedRollup[] = [];
  /** Per shard, the last record whose line the telemetry files took (written and synced). */
  private readonly filesUpTo = new Map<string, ConsumerRecord>();
  /** Rollup writes in progress (a batch's, the idle sweep's, a lost shard's): closeAll() lets them finish first. */
  private readonly writing = new Set<Promise<number>>();
  /** Set by beginShutdown(): every window still open is closed by closeAll(), as 'shutdown'. */
  private stopping = false;

  constructor(deps: TelemetryHandlerDeps) {
    this.rollup = deps.rollup;
    this.telemetryFiles = deps.telemetryFiles;
    this.rollupFiles = deps.rollupFiles;
    this.deviceState = deps.deviceState;
    this.rollupTable = deps.rollupTable;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? noopLogger;
    this.onBatch = deps.onBatch;
    this.onRollupsWritten = deps.onRollupsWritten;
  }

  /** Rollups closed but not written to every sink yet (a write failed). */
  get pendingRollups(): number {
    return new Set([...this.pendingFiles, ...this.pendingTable]).size;
  }

  /** The consumer's handler (bound: pass it as is). */
  readonly handle = async (records: ConsumerRecord[], context: Pick<BatchContext, 'shardId'>): Promise<void | BatchResponse> => {
    const started = this.clock.now();
    const failures: BatchItemFailure[] = [];
    const lines: FileSinkRecord[] = [];
    let lastLine: ConsumerRecord | undefined;
    const filesUpTo = this.filesUpTo.get(context.shardId);
    let valid = 0;
    const states: DeviceState[] = [];
    const closed: ClosedRollup[] = [];
    const rollupOutcomes: Record<RollupOutcome, number> = { counted: 0, late: 0, duplicate: 0, future: 0 };
    let deferred = 0;

    for (const record of records) {
      const decoded = decodeTelemetry(record.data);
      if (!decoded.ok) {
        const itemIdentifier = recordIdentifier(record);
        failures.push({ itemIdentifier, retriable: false, error: new InvalidTelemetryError(decoded.issues) });
        this.logger.debug({ shardId: record.shardId, itemIdentifier, partitionKey: record.partitionKey, issues: decoded.issues }, 'invalid telemetry record');
        continue;
      }
      // Past the first invalid record, the consumer hands the valid ones again (see the header): only look.
      if (failures.length > 0) {
        deferred++;
        continue;
      }
      const t: TelemetryEnvelope = decoded.value;
      valid++;
      if (filesUpTo === undefined || comparePositions(record, filesUpTo) > 0) {
        lines.push({ at: record.approximateArrivalTimestamp.getTime(), line: JSON.stringify(t) });
        lastLine = record;
      }
      states.push({
        deviceId: t.deviceId,
        seq: t.seq,
        ts: t.ts,
        metrics: t.metrics,
        ...(t.location ? { location: t.location } : {}),
        ...(t.tags ? { tags: t.tags } : {}),
        shardId: record.shardId,
        sequenceNumber: record.sequenceNumber,
        subSequenceNumber: record.subSequenceNumber,
      });
      const added = this.rollup.add({ deviceId: t.deviceId, seq: t.seq, ts: t.ts, metrics: t.metrics, shardId: record.shardId }, this.clock.now());
      rollupOutcomes[added.outcome]++;
      closed.push(...added.closed);
    }

    const outcome: BatchOutcome = {
      shardId: context.shardId,
      records: records.length,
      valid,
      invalid: failures.length,
      deferred,
      rollup: rollupOutcomes,
      state: { written: 0, stale: 0 },
      durationMs: 0,
    };
    const [filesResult, stateResult, rollupResult] = await Promise.allSettled([
      lines.length > 0 ? this.telemetryFiles.write(lines) : Promise.resolve(),
      states.length > 0 ? this.deviceState.write(states) : Promise.resolve({ written: 0, stale: 0 }),
      this.writeRollups(closed),
    ]);
    if (stateResult.status === 'fulfilled') outcome.state = stateResult.value;
    if (filesResult.status === 'fulfilled' && lastLine) this.filesUpTo.set(context.shardId, lastLine);
    const failed = [filesResult, stateResult, rollupResult].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    outcome.durationMs = this.clock.now() - started;
    if (failed) {
      outcome.error = failed.reason;
      this.onBatch?.(outcome);
      // Debug: the app logs a sink's outage once when it starts and once when it ends, not every failed batch.
      this.logger.debug({ err: (failed.reason as Error | undefined)?.message, shardId: context.shardId, records: records.length }, 'batch not accepted by every sink; the consumer will retry it');
      throw failed.reason;
    }
    this.onBatch?.(outcome);
    return failures.length > 0 ? { batchItemFailures: failures } : undefined;
  };

  /** Closes and writes the windows of devices silent for the rollup's idle time. */
  closeIdle(): Promise<number> {
    return this.writeRollups(this.rollup.closeIdle(this.clock.now()));
  }

  /**
   * Closes and writes the windows of devices last seen on `shardId` (its lease was lost). Once the worker is
   * stopping (beginShutdown), it closes nothing: see there.
   */
  closeShard(shardId: string): Promise<number> {
    if (this.stopping) return Promise.resolve(0);
    return this.writeRollups(this.rollup.closeShard(shardId, 'lease-lost'));
  }

  /**
   * The worker is stopping (call it before the consumer stops). A lease lost or handed over from now on (the
   * library reports a lease that expires, or is handed over, while its shard stops) leaves its windows open:
   * they close because this worker stops, whether its lease went first or not, so closeAll() writes them as
   * 'shutdown' with the others, in one write the stop awaits. Written at the loss, they were labelled 'lease-lost'
   * and their write raced the rest of the stop, which destroys the clients.
   */
  beginShutdown(): void {
    this.stopping = true;
  }

  /**
   * Closes and writes every open window (shutdown), after the rollup writes in progress: one the stop did not wait
   * for (a lost shard's, the idle sweep's) would otherwise be cut off when the app destroys its clients, and what
   * such a write could not write is pending again, so it is written here.
   */
  async closeAll(): Promise<number> {
    this.stopping = true;
    await Promise.allSettled([...this.writing]);
    return this.writeRollups(this.rollup.closeAll('shutdown'));
  }

  /** Writes `closed` (after what is pending) to the files and the table; resolves with how many rollups it wrote. */
  private writeRollups(closed: ClosedRollup[]): Promise<number> {
    const write = this.writeClosed(closed);
    this.writing.add(write);
    const done = (): void => void this.writing.delete(write);
    write.then(done, done);
    return write;
  }

  private async writeClosed(closed: ClosedRollup[]): Promise<number> {
    const files = this.pendingFiles.length > 0 ? [...this.pendingFiles, ...closed] : closed;
    const table = this.rollupTable ? (this.pendingTable.length > 0 ? [...this.pendingTable, ...closed] : closed) : [];
    this.pendingFiles = [];
    this.pendingTable = [];
    if (files.length === 0 && table.length === 0) return 0;
    const [filesResult, tableResult] = await Promise.allSettled([
      files.length > 0 ? this.rollupFiles.write(files.map(rollupLine)) : Promise.resolve(),
      this.rollupTable && table.length > 0 ? this.rollupTable.write(table) : Promise.resolve(),
    ]);
    if (filesResult.status === 'rejected') this.pendingFiles = [...files, ...this.pendingFiles];
    else if (files.length > 0) this.onRollupsWritten?.(files);
    if (tableResult.status === 'rejected') this.pendingTable = [...table, ...this.pendingTable];
    const failed = [filesResult, tableResult].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return new Set([...files, ...table]).size;
  }
}

/** A rollup as an NDJSON line, in the hour partition of its window's start. */
export function rollupLine(r: ClosedRollup): FileSinkRecord {
  return {
    at: r.windowStart,
    line: JSON.stringify({
      deviceId: r.deviceId,
      metric: r.metric,
      windowStart: new Date(r.windowStart).toISOString(),
      windowEnd: new Date(r.windowEnd).toISOString(),
      count: r.count,
      sum: r.sum,
      min: r.min,
      max: r.max,
      mean: r.mean,
      closedBy: r.closedBy,
    }),
  };
}
