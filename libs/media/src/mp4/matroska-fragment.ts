/**
 * A stored KVS fragment — the stream header bytes it was ingested under plus its Cluster — read back into values
 * for remuxing. The Matroska reader does the parsing: both inputs are pushed whole, so the Cluster is not copied
 * and every frame's `data` is a view of `clusterBytes`.
 */
import { withUnknownSegmentSize } from '../matroska/matroska-element-edit';
import { MatroskaStreamReader } from '../matroska/matroska-stream-reader';
import type { MkvCluster, MkvStreamHeader } from '../matroska/matroska-types';
import { MediaError } from '../media-error';

export interface ParsedFragment {
  header: MkvStreamHeader;
  cluster: MkvCluster;
}

/**
 * `headerBytes`: EBML header through Tracks (a 'header' event's bytes; a known Segment size is tolerated).
 * `clusterBytes`: one Cluster element, known or unknown size. Throws MediaError (MALFORMED_MKV when either part is
 * missing, or the reader's codes).
 */
export function parseMatroskaFragment(headerBytes: Uint8Array, clusterBytes: Uint8Array): ParsedFragment {
  const reader = new MatroskaStreamReader();
  // A known Segment size would make the reader expect the rest of the original Segment after this one cluster.
  const events = [...reader.push(withUnknownSegmentSize(headerBytes)), ...reader.push(clusterBytes), ...reader.end()];
  let header: MkvStreamHeader | undefined;
  let cluster: MkvCluster | undefined;
  for (const ev of events) {
    if (ev.type === 'header') header ??= ev.header;
    else if (ev.type === 'cluster') {
      if (cluster !== undefined) throw new MediaError('MALFORMED_MKV', 'Fragment bytes hold more than one Cluster');
      cluster = ev.cluster;
    }
  }
  if (header === undefined) throw new MediaError('MALFORMED_MKV', 'Fragment header bytes hold no Tracks');
  if (cluster === undefined) throw new MediaError('MALFORMED_MKV', 'Fragment bytes hold no Cluster');
  return { header, cluster };
}
