/**
 * The loop of `tributary replay`: entries in, rate-limited producer.put() out, identities into the progress file
 * once Kinesis acknowledged them. An identity already in the progress file (an earlier run sent it) or already
 * sent by this run (a dead letter written twice) is skipped; that is the idempotence replay-item.ts describes.
 */
import type { KinesisProducer } from '@tributary/kinesis-producer';
import type { RateLimiter } from './rate-limiter';
import type { ReplayEntry, ReplaySkip } from './replay-item';
import type { ReplayProgressStore } from './replay-progress-store';

export interface ReplayTotals {
  /** Entries read from the source. */
  read: number;
  /** Records acknowledged by the target stream in this run. */
  sent: number;
  /** Skipped: delivered by an earlier run (in the progress file). */
  alreadyReplayed: number;
  /** Skipped: the same identity twice in this run's source. */
  duplicates: number;
  /** Entries that cannot be replayed (not an envelope, data left out), and records the stream did not take. */
  unreadable: number;
  failed: number;
  elapsedMs: number;
}

export interface ReplayFailure {
  where: string;
  code: string;
  message: string;
}

export class RecordReplayer {
  readonly totals: ReplayTotals = { read: 0, sent: 0, alreadyReplayed: 0, duplicates: 0, unreadable: 0, failed: 0, elapsedMs: 0 };
  readonly problems: ReplayFailure[] = [];
  private readonly inRun = new Set<string>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly producer: KinesisProducer,
    private readonly store: ReplayProgressStore,
    private readonly limiter: RateLimiter,
    private readonly onEntryDone: () => void = () => undefined,
  ) {}

  /** Sends the entries until they end or `signal` aborts (Ctrl-C): what was sent is then still awaited by settled(). */
  async replayAll(entries: AsyncIterable<ReplayEntry>, signal: AbortSignal): Promise<void> {
    for await (const entry of entries) {
      if (signal.aborted) return;
      this.totals.read++;
      if ('skip' in entry) {
        this.unreadable(entry.skip);
        continue;
      }
      const { item } = entry;
      // This run's own sends first: a duplicate already acknowledged is in the store too, but it is a duplicate.
      if (this.inRun.has(item.id) || this.store.has(item.id)) {
        if (this.inRun.has(item.id)) this.totals.duplicates++;
        else this.totals.alreadyReplayed++;
        this.onEntryDone();
        continue;
      }
      try {
        await this.limiter.acquire(signal);
      } catch {
        return; // aborted while waiting for a slot: the entry was not sent
      }
      if (signal.aborted) return;
      this.inRun.add(item.id);
      this.track(
        this.producer
          .put({ partitionKey: item.partitionKey, data: item.data, ...(item.explicitHashKey ? { explicitHashKey: item.explicitHashKey } : {}) })
          .then(
            () => {
              this.store.add(item.id);
              this.totals.sent++;
            },
            (error: unknown) => {
              const e = error as { code?: string; message?: string };
              this.totals.failed++;
              this.problems.push({ where: item.where, code: e.code ?? 'FAILED', message: e.message ?? String(error) });
            },
          )
          .finally(this.onEntryDone),
      );
      if (!this.producer.writable) await this.producer.whenWritable();
    }
  }

  /** Resolves once every record sent is acknowledged or failed. */
  async settled(): Promise<void> {
    await this.producer.flush();
    await Promise.all([...this.pending]);
  }

  private unreadable(skip: ReplaySkip): void {
    this.totals.unreadable++;
    this.problems.push({ where: skip.where, code: 'UNREPLAYABLE', message: skip.reason });
    this.onEntryDone();
  }

  private track(done: Promise<void>): void {
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
  }
}

/** The summary lines for stderr. */
export function formatReplaySummary(target: string, t: ReplayTotals, progressFile: string, stopped: boolean): string[] {
  const seconds = t.elapsedMs / 1000;
  const lines = [
    `replayed ${t.sent} record(s) into ${target} in ${seconds.toFixed(2)} s (${seconds > 0 ? (t.sent / seconds).toFixed(1) : t.sent} records/s); ${t.read} read`,
  ];
  if (t.alreadyReplayed > 0) lines.push(`${t.alreadyReplayed} skipped: already replayed (${progressFile})`);
  if (t.duplicates > 0) lines.push(`${t.duplicates} skipped: the same record twice in the source`);
  if (t.unreadable > 0) lines.push(`${t.unreadable} entr(y/ies) could not be replayed (listed above)`);
  if (t.failed > 0) lines.push(`${t.failed} record(s) FAILED to send (listed above); run again to retry them`);
  if (stopped) lines.push(`stopped: run the same command again to resume (progress in ${progressFile})`);
  return lines;
}
