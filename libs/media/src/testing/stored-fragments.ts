/**
 * Test-only: a Matroska file cut into KVS-style stored fragments (stream header bytes + one Cluster each), as the
 * emulator keeps them, and parsed back with parseMatroskaFragment — the input of the MP4 writers' specs.
 */
import { Fragmenter } from '../matroska/fragmenter';
import { writeFragment } from '../matroska/matroska-element-edit';
import { MatroskaStreamReader } from '../matroska/matroska-stream-reader';
import type { MkvFrame, MkvStreamHeader } from '../matroska/matroska-types';
import { parseMatroskaFragment, type ParsedFragment } from '../mp4/matroska-fragment';

export interface StoredFragments {
  header: MkvStreamHeader;
  headerBytes: Uint8Array;
  /** Every frame of the source, decode order. */
  frames: MkvFrame[];
  clusters: Uint8Array[];
  parsed: ParsedFragment[];
}

export function storedFragments(mkv: Uint8Array, minDurationMs = 1000): StoredFragments {
  const reader = new MatroskaStreamReader();
  const events = [...reader.push(mkv), ...reader.end()];
  const h = events.find((e) => e.type === 'header');
  if (h?.type !== 'header') throw new Error('no Matroska header');
  const frames = events.flatMap((e) => (e.type === 'cluster' ? e.cluster.frames : []));
  const fragmenter = new Fragmenter({ minDurationMs });
  const fragments = [...frames.flatMap((f) => fragmenter.push(f)), ...fragmenter.flush()];
  const clusters = fragments.map((f) => writeFragment(f, h.header.timecodeScaleNs));
  return { header: h.header, headerBytes: h.bytes, frames, clusters, parsed: clusters.map((c) => parseMatroskaFragment(h.bytes, c)) };
}
