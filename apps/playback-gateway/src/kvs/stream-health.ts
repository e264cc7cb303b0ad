/**
 * A stream's health, the one shape the stream list, the stream entry and the dashboard answer, from either source:
 *
 *   camera-health   the video producer's item in the camera-health table (api/camera-health-status.ts): read for
 *                   every stream at once by one shared Scan, the default wherever the table is configured;
 *   kvs             the stream's recent fragments (ListFragments over the last minute, `streamHealth` below): when
 *                   the newest fragment arrived, and over the last `windowMs` how many fragments per second and how
 *                   many bits per second came in. One call per stream: the fallback for a stream the table does not
 *                   know (another producer, no table configured).
 *
 * Pure: the fragments and "now" are given. Free of Node's types: the browser pages read it (public-api.d.ts).
 */
export interface FragmentSummary {
  serverTimestampMs: number;
  producerTimestampMs?: number;
  sizeBytes: number;
  durationMs?: number;
}

export interface StreamHealth {
  /** `live`: a fragment arrived within the window; `idle`: none did. */
  status: 'live' | 'idle';
  /** ISO-8601 server timestamp of the newest fragment seen in the look-back, or null. */
  lastFragmentAt: string | null;
  /** Producer (capture) timestamp of that fragment. */
  lastProducerTimestamp: string | null;
  fragmentsPerSecond: number;
  bitrateBps: number;
  windowSeconds: number;
  /** Where the figures come from (see above). */
  source: 'camera-health' | 'kvs';
}

export function streamHealth(fragments: readonly FragmentSummary[], nowMs: number, windowMs: number): StreamHealth {
  let newest: FragmentSummary | undefined;
  let count = 0;
  let bytes = 0;
  for (const f of fragments) {
    if (newest === undefined || f.serverTimestampMs > newest.serverTimestampMs) newest = f;
    if (f.serverTimestampMs > nowMs - windowMs && f.serverTimestampMs <= nowMs) {
      count++;
      bytes += f.sizeBytes;
    }
  }
  const seconds = windowMs / 1000;
  return {
    status: count > 0 ? 'live' : 'idle',
    lastFragmentAt: newest ? new Date(newest.serverTimestampMs).toISOString() : null,
    lastProducerTimestamp: newest?.producerTimestampMs !== undefined ? new Date(newest.producerTimestampMs).toISOString() : null,
    fragmentsPerSecond: round(count / seconds, 3),
    bitrateBps: Math.round((bytes * 8) / seconds),
    windowSeconds: seconds,
    source: 'kvs',
  };
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;
