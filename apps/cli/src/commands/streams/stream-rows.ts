/**
 * `tributary streams`: the rows it prints and how. Pure: SDK outputs in, rows, table text and JSON lines out.
 *
 * "Rates" are the stream's capacity, from its open shards and mode, not measured traffic (that needs CloudWatch,
 * which the CLI does not call): a provisioned shard takes 1 MiB/s or 1,000 records/s in and serves 2 MiB/s out
 * (shared by polling consumers; each enhanced fan-out consumer gets its own 2 MiB/s per shard). An on-demand
 * stream scales its shards by itself; the figures are those of its current shards.
 */
import type { StreamDescriptionSummary } from '@aws-sdk/client-kinesis';
import type { StreamInfo } from '@aws-sdk/client-kinesis-video';
import type { Colors } from '../../cli/output';

export interface KdsStreamRow {
  kind: 'kds';
  name: string;
  status: string;
  mode: 'PROVISIONED' | 'ON_DEMAND' | string;
  openShards: number;
  closedShards: number;
  retentionHours: number;
  consumers: number;
  /** Capacity of the open shards: writes in MiB/s and records/s, reads in MiB/s (polling, shared). */
  writeMiBps: number;
  writeRecordsPerSecond: number;
  readMiBps: number;
  /** Shard-level CloudWatch metrics enabled on the stream (enhanced monitoring). */
  enhancedMetrics: string[];
  encryption: string;
  created?: string;
}

export interface KvsStreamRow {
  kind: 'kvs';
  name: string;
  status: string;
  mediaType: string;
  retentionHours: number;
  created?: string;
}

export type StreamRow = KdsStreamRow | KvsStreamRow;

export function kdsRow(summary: StreamDescriptionSummary, totalShards: number): KdsStreamRow {
  const open = summary.OpenShardCount ?? 0;
  return {
    kind: 'kds',
    name: summary.StreamName ?? '',
    status: summary.StreamStatus ?? 'UNKNOWN',
    mode: summary.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
    openShards: open,
    closedShards: Math.max(0, totalShards - open),
    retentionHours: summary.RetentionPeriodHours ?? 24,
    consumers: summary.ConsumerCount ?? 0,
    writeMiBps: open,
    writeRecordsPerSecond: open * 1_000,
    readMiBps: open * 2,
    enhancedMetrics: (summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []),
    encryption: summary.EncryptionType ?? 'NONE',
    ...(summary.StreamCreationTimestamp ? { created: summary.StreamCreationTimestamp.toISOString() } : {}),
  };
}

export function kvsRow(info: StreamInfo): KvsStreamRow {
  return {
    kind: 'kvs',
    name: info.StreamName ?? '',
    status: info.Status ?? 'UNKNOWN',
    mediaType: info.MediaType ?? '',
    retentionHours: info.DataRetentionInHours ?? 0,
    ...(info.CreationTime ? { created: info.CreationTime.toISOString() } : {}),
  };
}

/** One JSON object per line: for scripts (jq), and what a pipe gets. */
export function jsonLines(rows: readonly StreamRow[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

function retention(hours: number): string {
  if (hours === 0) return 'none';
  return hours % 24 === 0 ? `${hours / 24}d` : `${hours}h`;
}

/** Paints `text` (the padded cell) by the status it shows. */
function statusColor(status: string, text: string, c: Colors): string {
  if (status === 'ACTIVE') return c.green(text);
  if (status === 'DELETING') return c.red(text);
  return c.yellow(text);
}

/** Aligned columns; padding is computed on the plain text so that colour codes do not shift them. */
function table(headers: string[], rows: string[][], color: (row: number, col: number, text: string) => string, c: Colors): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[], paint: (col: number, text: string) => string): string =>
    cells
      .map((cell, i) => paint(i, i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers, (_, t) => c.bold(t)), ...rows.map((r, row) => line(r, (col, t) => color(row, col, t)))].join('\n');
}

/** The terminal view: a KDS table and a KVS table, with a note on what the rates are. */
export function formatTables(rows: readonly StreamRow[], c: Colors): string {
  const kds = rows.filter((r): r is KdsStreamRow => r.kind === 'kds');
  const kvs = rows.filter((r): r is KvsStreamRow => r.kind === 'kvs');
  const parts: string[] = [];
  if (kds.length > 0) {
    const cells = kds.map((r) => [
      r.name,
      r.status,
      r.mode === 'ON_DEMAND' ? 'on-demand' : 'provisioned',
      `${r.openShards} open${r.closedShards > 0 ? `, ${r.closedShards} closed` : ''}`,
      retention(r.retentionHours),
      String(r.consumers),
      `${r.writeMiBps} MiB/s, ${r.writeRecordsPerSecond.toLocaleString('en-US')} rec/s`,
      `${r.readMiBps} MiB/s`,
    ]);
    parts.push(c.bold('Kinesis Data Streams'));
    parts.push(table(['NAME', 'STATUS', 'MODE', 'SHARDS', 'RETENTION', 'EFO', 'WRITE CAPACITY', 'READ CAPACITY'], cells, (row, col, t) => (col === 1 ? statusColor(kds[row].status, t, c) : t), c));
    parts.push(c.dim('capacity = open shards x (1 MiB/s or 1,000 records/s in, 2 MiB/s out); not measured traffic'));
  }
  if (kvs.length > 0) {
    if (parts.length > 0) parts.push('');
    const cells = kvs.map((r) => [r.name, r.status, r.mediaType || '-', retention(r.retentionHours), r.created ?? '-']);
    parts.push(c.bold('Kinesis Video Streams'));
    parts.push(table(['NAME', 'STATUS', 'MEDIA TYPE', 'RETENTION', 'CREATED'], cells, (row, col, t) => (col === 1 ? statusColor(kvs[row].status, t, c) : t), c));
  }
  if (parts.length === 0) parts.push('no streams (check --region and --endpoint-url)');
  return `${parts.join('\n')}\n`;
}
