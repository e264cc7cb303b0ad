/**
 * The chunks GetMedia and GetMediaForFragmentList send: every fragment a complete, self-contained Matroska
 * document (kvs-reference.md §4.3, from real GetMedia output):
 *
 *   EBML header + Segment (unknown size) + Info + Tracks   the producer's bytes as stored (Segment size made unknown)
 *   Tags  FRAGMENT_NUMBER, SERVER_TIMESTAMP, PRODUCER_TIMESTAMP                 added by KVS, before the Cluster
 *   Cluster                                                   the producer's bytes verbatim (Timecode not rewritten)
 *   [producer fragment-metadata Tags]
 *   Tags  MILLIS_BEHIND_NOW, CONTINUATION_TOKEN                      added by KVS, after the Cluster (GetMedia only)
 *
 * Consumers split the byte stream on EBML headers. A failure after the 200 is a chunk of its own: EBML header +
 * Segment + one Tags with FRAGMENT_NUMBER (when known), ERROR_ID and ERROR_CODE (§4.3; layout [unconfirmed]).
 * The KVS tags come from @tributary/media (4-octet size fields, as observed). Parts are returned separately so the
 * writer sends the stored bytes without concatenating them.
 */
import { EbmlWriter, KVS_TAG_SIZE_LENGTH, MkvId, formatKvsTimestamp, writeKvsFragmentTags, writeTags } from '@tributary/media';
import type { DecodedFragmentFrame } from '../storage/fragment-frame-codec';

/**
 * Tag names for GetMediaForFragmentList chunks: `getmedia` writes the GetMedia names (what the AWS parser library
 * and third-party readers handle); `documented` writes the names of the API reference
 * (AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP, …_PRODUCER_SIDE_TIMESTAMP). Which one the service sends is [unconfirmed].
 */
export type FragmentListTagNames = 'getmedia' | 'documented';

export interface GetMediaTail {
  millisBehindNow: number;
  continuationToken: string;
}

/** The parts of one fragment's chunk, in order. `tail` adds GetMedia's MILLIS_BEHIND_NOW and CONTINUATION_TOKEN. */
export function fragmentDocument(frame: DecodedFragmentFrame, tail?: GetMediaTail, names: FragmentListTagNames = 'getmedia'): Uint8Array[] {
  const fragmentNumber = frame.fragmentNumber.toString();
  const before =
    names === 'documented'
      ? writeTags(
          [
            { name: 'AWS_KINESISVIDEO_FRAGMENT_NUMBER', value: fragmentNumber },
            { name: 'AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP', value: formatKvsTimestamp(frame.serverTimestampMs) },
            { name: 'AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP', value: formatKvsTimestamp(frame.producerTimestampMs) },
          ],
          { layout: 'single-tag', sizeLength: KVS_TAG_SIZE_LENGTH },
        )
      : writeKvsFragmentTags({ fragmentNumber, serverTimestampMs: frame.serverTimestampMs, producerTimestampMs: frame.producerTimestampMs });
  const parts = [frame.header, before, frame.cluster];
  if (frame.tags.length > 0) parts.push(frame.tags);
  if (tail) parts.push(writeKvsFragmentTags({ millisBehindNow: tail.millisBehindNow, continuationToken: tail.continuationToken }));
  return parts;
}

/** A GetMedia error chunk: EBML header, an unknown-size Segment, and the error tags. */
export function errorDocument(errorId: number, errorCode: string, fragmentNumber?: string): Uint8Array {
  const w = new EbmlWriter(256);
  w.master(MkvId.EBML, () => {
    w.uint(MkvId.EBMLVersion, 1)
      .uint(MkvId.EBMLReadVersion, 1)
      .uint(MkvId.EBMLMaxIDLength, 4)
      .uint(MkvId.EBMLMaxSizeLength, 8)
      .string(MkvId.DocType, 'matroska')
      .uint(MkvId.DocTypeVersion, 2)
      .uint(MkvId.DocTypeReadVersion, 2);
  });
  w.startMaster(MkvId.Segment, { unknownSize: true });
  w.raw(writeKvsFragmentTags({ ...(fragmentNumber !== undefined ? { fragmentNumber } : {}), errorId, errorCode }));
  return w.bytes().slice();
}
