/**
 * How a --from/--to range becomes GetClip calls. GetClip answers "the first 100 MB or the first 200 fragments"
 * of a range of at most 24 h (GetClip API reference; the emulator's get-clip.ts models the same cut) and says
 * nothing when it cut: a clip that silently stops early is worse than an error. So the command lists the
 * fragments first and plans parts that each fit, ranged by producer timestamps from the part's first fragment
 * to its last (both ends are inclusive in GetClip's selector). Pure.
 */
import type { FragmentInfo } from './fragment-timeline';

export const GET_CLIP_LIMITS = {
  maxFragments: 200,
  maxBytes: 100 * 1024 * 1024,
  maxRangeMs: 24 * 3_600_000,
} as const;

export interface ClipPart {
  from: Date;
  to: Date;
  fragments: number;
  bytes: number;
}

/** Consecutive parts of `fragments` (already in producer-time order), each within GetClip's limits. */
export interface ClipLimits {
  maxFragments: number;
  maxBytes: number;
  maxRangeMs: number;
}

export function planClipParts(fragments: readonly FragmentInfo[], limits: ClipLimits = GET_CLIP_LIMITS): ClipPart[] {
  const parts: ClipPart[] = [];
  let first: FragmentInfo | undefined;
  let last: FragmentInfo | undefined;
  let count = 0;
  let bytes = 0;
  const close = (): void => {
    if (first && last) parts.push({ from: new Date(first.producerMs), to: new Date(last.producerMs), fragments: count, bytes });
  };
  for (const f of fragments) {
    const full =
      first !== undefined &&
      (count >= limits.maxFragments || bytes + f.sizeBytes > limits.maxBytes || f.producerMs - first.producerMs > limits.maxRangeMs);
    if (first === undefined || full) {
      close();
      first = f;
      count = 0;
      bytes = 0;
    }
    last = f;
    count++;
    bytes += f.sizeBytes;
  }
  close();
  return parts;
}

/** `clip.mp4` → `clip-1.mp4`, `clip-2.mp4`, …; a name without an extension gets the number at its end. */
export function partFileName(file: string, index: number): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  const dot = file.lastIndexOf('.');
  if (dot <= slash + 1) return `${file}-${index}`;
  return `${file.slice(0, dot)}-${index}${file.slice(dot)}`;
}
