/**
 * What `tributary put` reports when it is done, and the cost arithmetic behind "PUT units saved".
 *
 * Kinesis bills a PUT payload unit per 25 KB chunk of each record (Kinesis Data Streams pricing: "a 5 KB record
 * is 1 PUT payload unit, a 45 KB record 2"), so aggregation saves units by packing small records into one
 * Kinesis record. Without aggregation the count is exact (one record per line, its bytes known). With it, the
 * producer reports per PutRecords call the Kinesis records and their total bytes, not each record's size, so
 * the count is max(records, ⌈bytes / 25 KB⌉) per call: exact when every Kinesis record is at most 25 KB, which
 * the CLI makes true by capping aggregates at 25 KB (put.ts, AGGREGATE_MAX_BYTES). 25 KB is taken as 25,600
 * bytes. Pure.
 */

export const PUT_PAYLOAD_UNIT_BYTES = 25 * 1024;

/** Units of one record of `bytes` (data + partition key). */
export function putUnitsOf(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / PUT_PAYLOAD_UNIT_BYTES));
}

/** Units of one PutRecords call's Kinesis records, from their count and total bytes (see above). */
export function putUnitsOfCall(kinesisRecords: number, bytes: number): number {
  return Math.max(kinesisRecords, Math.ceil(bytes / PUT_PAYLOAD_UNIT_BYTES));
}

export interface PutFailure {
  source: string;
  lineNumber: number;
  code: string;
  message: string;
}

export interface PutTotals {
  /** Lines read and handed to the producer (empty lines excluded). */
  records: number;
  /** Data + partition-key bytes of those records. */
  bytes: number;
  emptyLines: number;
  /** Records acknowledged by Kinesis. */
  delivered: number;
  /** Kinesis records they rode in (aggregates or single records). */
  kinesisRecords: number;
  /** PUT payload units the delivered records cost sent one by one (exact), and what was sent cost (see above). */
  unitsUnaggregated: number;
  unitsSent: number;
  failures: number;
  elapsedMs: number;
}

/** The summary lines for stderr (no colour here: output.ts decides). */
export function formatPutSummary(stream: string, t: PutTotals, aggregated: boolean): string[] {
  const seconds = t.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(t.delivered / seconds) : t.delivered;
  const lines = [
    `put ${t.delivered} of ${t.records} records (${formatBytes(t.bytes)}) into ${stream} in ${seconds.toFixed(2)} s (${rate} records/s)`,
  ];
  if (aggregated) {
    const saved = Math.max(0, t.unitsUnaggregated - t.unitsSent);
    lines.push(
      `aggregation: ${t.kinesisRecords} Kinesis records, ${t.unitsSent} PUT payload units instead of ${t.unitsUnaggregated} (${saved} saved)`,
    );
  } else {
    // One Kinesis record per line: the per-line count is exact whatever the sizes.
    lines.push(`no aggregation: ${t.kinesisRecords} Kinesis records, ${t.unitsUnaggregated} PUT payload units`);
  }
  if (t.emptyLines > 0) lines.push(`${t.emptyLines} empty line(s) skipped`);
  if (t.failures > 0) lines.push(`${t.failures} record(s) FAILED (listed above)`);
  return lines;
}

/** One failure line: where it came from, so the line can be found and sent again. */
export function formatPutFailure(f: PutFailure): string {
  return `failed: ${f.source}:${f.lineNumber}: ${f.code}: ${f.message}`;
}

/** Failed lines listed on stderr before "... and N more". */
export const MAX_LISTED_FAILURES = 100;

/**
 * The first `limit` items, then one line for the rest: a stream deleted under a running put fails every record,
 * and 200,000 identical lines would bury the summary.
 */
export function listAtMost<T>(items: readonly T[], limit: number, format: (item: T) => string): string[] {
  const lines = items.slice(0, limit).map(format);
  if (items.length > limit) lines.push(`... and ${items.length - limit} more`);
  return lines;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
