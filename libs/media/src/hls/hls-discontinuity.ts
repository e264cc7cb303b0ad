/**
 * Where KVS puts `#EXT-X-DISCONTINUITY` (kvs-reference.md §5.5, model doc of DiscontinuityMode): before every
 * fragment (ALWAYS), never (NEVER), or where a fragment does not start where the previous one ended — a gap or an
 * overlap larger than the tolerance, 50 ms by the model doc (ON_DISCONTINUITY). The first fragment of a list has
 * no predecessor to compare with, so ON_DISCONTINUITY leaves it unmarked: callers that slide a window pass the
 * fragment before the window and drop its flag.
 */
import type { DiscontinuityMode } from './hls-types';

export const DISCONTINUITY_TOLERANCE_MS = 50;

export function discontinuityFlags(
  starts: readonly { startMs: number; durationMs: number }[],
  mode: DiscontinuityMode,
  gapToleranceMs = DISCONTINUITY_TOLERANCE_MS,
): boolean[] {
  if (mode === 'ALWAYS') return starts.map(() => true);
  if (mode === 'NEVER') return starts.map(() => false);
  return starts.map((s, i) => {
    if (i === 0) return false;
    const prev = starts[i - 1];
    return Math.abs(s.startMs - (prev.startMs + prev.durationMs)) > gapToleranceMs;
  });
}
