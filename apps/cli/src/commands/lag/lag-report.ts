/**
 * The rows of `tributary lag`: one per lease of the application's lease table, with what the stream says about
 * its shard (open, closed, gone) and, when the stream is given, the lag measured from the checkpoint
 * (lag-probe.ts). Formatting as a table (terminal) or JSON (scripts). Pure.
 */
import type { Checkpoint, Lease } from '@tributary/kinesis-consumer';

/** What lag-probe.ts measured from a checkpoint. */
export interface LagMeasurement {
  /** Now minus the arrival time of the oldest record after the checkpoint; 0 when the checkpoint is at the tip. */
  millisBehind: number;
  /** User records after the checkpoint (KPL sub-records counted), when counted. */
  recordsBehind?: number;
  /** The count stopped at the cap: at least `recordsBehind`. */
  recordsCapped?: boolean;
}

export type ShardState = 'open' | 'closed' | 'finished' | 'not-in-stream' | 'unknown';

export interface LagRow {
  shardId: string;
  /** open: being written; closed: resharded, still to finish; finished: checkpointed at SHARD_END. */
  state: ShardState;
  owner?: string;
  leaseCounter: number;
  checkpoint: string;
  parentShardIds: string[];
  measured?: LagMeasurement;
  /** What the owner last wrote on the lease (its own GetRecords MillisBehindLatest), and how old that report is. */
  reportedMillisBehind?: number;
  reportAgeMs?: number;
}

export function checkpointText(checkpoint: Checkpoint): string {
  if (checkpoint.kind === 'sentinel') return checkpoint.value;
  return checkpoint.subSequenceNumber > 0 ? `${checkpoint.sequenceNumber}:${checkpoint.subSequenceNumber}` : checkpoint.sequenceNumber;
}

/**
 * `shards`: shard id → closed (has an ending sequence number), from ListShards; undefined when no stream was
 * given. A lease whose shard is no longer listed (trimmed after resharding) is 'not-in-stream'.
 */
export function lagRows(
  leases: readonly Lease[],
  shards: ReadonlyMap<string, { closed: boolean }> | undefined,
  measured: ReadonlyMap<string, LagMeasurement>,
  now: number,
): LagRow[] {
  return [...leases]
    .sort((a, b) => a.leaseKey.localeCompare(b.leaseKey))
    .map((lease) => {
      const finished = lease.checkpoint.kind === 'sentinel' && lease.checkpoint.value === 'SHARD_END';
      const shard = shards?.get(lease.leaseKey);
      const state: ShardState = finished ? 'finished' : shards === undefined ? 'unknown' : !shard ? 'not-in-stream' : shard.closed ? 'closed' : 'open';
      const row: LagRow = {
        shardId: lease.leaseKey,
        state,
        leaseCounter: lease.leaseCounter,
        checkpoint: checkpointText(lease.checkpoint),
        parentShardIds: lease.parentShardIds,
      };
      if (lease.leaseOwner !== undefined) row.owner = lease.leaseOwner;
      const m = finished ? { millisBehind: 0, recordsBehind: 0 } : measured.get(lease.leaseKey);
      if (m) row.measured = m;
      if (lease.progress?.millisBehindLatest !== undefined) {
        row.reportedMillisBehind = lease.progress.millisBehindLatest;
        row.reportAgeMs = Math.max(0, now - lease.progress.statsUpdatedAt);
      }
      return row;
    });
}

/** 850 ms, 12.3 s, 4 m 05 s, 3 h 12 m: short enough for a column. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

const HEADERS = ['SHARD', 'STATE', 'OWNER', 'COUNTER', 'CHECKPOINT', 'BEHIND', 'RECORDS', 'OWNER REPORTED'];

/** Paints a cell (a colour on a terminal); identity elsewhere. */
export interface LagPaint {
  warn(text: string): string;
  dim(text: string): string;
}

const PLAIN: LagPaint = { warn: (t) => t, dim: (t) => t };

export function formatLagTable(application: string, rows: readonly LagRow[], paint: LagPaint = PLAIN, warnAfterMs = 60_000): string[] {
  const cells = rows.map((r) => [
    r.shardId,
    r.state,
    r.owner ?? '(none)',
    String(r.leaseCounter),
    shorten(r.checkpoint),
    r.measured ? formatDuration(r.measured.millisBehind) : '-',
    r.measured?.recordsBehind === undefined ? '-' : `${r.measured.recordsCapped ? '>=' : ''}${r.measured.recordsBehind}`,
    r.reportedMillisBehind === undefined ? '-' : `${formatDuration(r.reportedMillisBehind)} (${formatDuration(r.reportAgeMs ?? 0)} ago)`,
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(HEADERS)];
  rows.forEach((r, i) => {
    const text = line(cells[i]);
    const behind = r.measured?.millisBehind ?? r.reportedMillisBehind ?? 0;
    out.push(r.state === 'finished' ? paint.dim(text) : behind >= warnAfterMs || r.owner === undefined ? paint.warn(text) : text);
  });
  out.push(summaryLine(application, rows));
  return out;
}

function summaryLine(application: string, rows: readonly LagRow[]): string {
  const active = rows.filter((r) => r.state !== 'finished');
  const owners = new Set(active.map((r) => r.owner).filter((o) => o !== undefined));
  const unowned = active.filter((r) => r.owner === undefined).length;
  const worst = Math.max(0, ...active.map((r) => r.measured?.millisBehind ?? r.reportedMillisBehind ?? 0));
  return `${application}: ${rows.length} lease(s), ${active.length} active, ${owners.size} worker(s), ${unowned} unowned; most behind ${formatDuration(worst)}`;
}

/** Sequence numbers are 56 digits: the table shows the end, which is what differs between neighbours. */
function shorten(checkpoint: string): string {
  return checkpoint.length > 20 ? `…${checkpoint.slice(-18)}` : checkpoint;
}

/** The JSON document of `--json`: stable field names, the full checkpoint. */
export function lagJson(application: string, stream: string | undefined, rows: readonly LagRow[], at: Date): object {
  return { application, ...(stream !== undefined ? { stream } : {}), at: at.toISOString(), shards: rows };
}
