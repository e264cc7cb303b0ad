/**
 * Kinesis Video Streams: cameras' media ingested, stored for the retention period, and watched through HLS (the
 * playback gateway; DASH and GetClip are priced the same). Storage is the steady state: once a stream is older
 * than its retention, it holds `retention` worth of media all month.
 */
import type { VideoInputs } from './cost-inputs';
import { costLine, formatNumber, type CostLine } from './cost-line';
import { GIB, SECONDS_PER_MONTH, type Prices } from './prices';

/** Bytes per second of one camera (1 kbit = 1,000 bits). */
export function cameraBytesPerSecond(v: VideoInputs): number {
  return (v.bitrateKbps * 1000) / 8;
}

export function kvsCostLines(v: VideoInputs, prices: Prices): CostLine[] {
  if (v.cameras === 0) return [];
  const p = prices.kvs;
  const rate = cameraBytesPerSecond(v);
  const rateHow = `${formatNumber(v.bitrateKbps)} kbit/s × 1,000 / 8 = ${formatNumber(rate)} B/s`;
  const lines = [
    costLine('video', 'Kinesis Video Streams', 'media ingested', (v.cameras * rate * SECONDS_PER_MONTH) / GIB, p.ingestGb, `${formatNumber(v.cameras)} cameras × ${rateHow} × ${formatNumber(SECONDS_PER_MONTH)} s / 2^30`),
  ];
  if (v.retentionHours > 0) {
    lines.push(costLine('video', 'Kinesis Video Streams', 'media stored', (v.cameras * rate * v.retentionHours * 3600) / GIB, p.storageGbMonth, `${formatNumber(v.cameras)} cameras × ${formatNumber(rate)} B/s × ${formatNumber(v.retentionHours)} h × 3,600 / 2^30`));
  }
  if (v.hoursWatchedPerMonth > 0) {
    lines.push(costLine('video', 'Kinesis Video Streams', 'media watched (HLS/DASH/clips)', (v.hoursWatchedPerMonth * 3600 * rate) / GIB, p.hlsConsumedGb, `${formatNumber(v.hoursWatchedPerMonth)} h × 3,600 × ${formatNumber(rate)} B/s / 2^30`));
  }
  return lines;
}
