/**
 * GetMedia's payload → fragments with their KVS tags (kvs-reference.md §4.3). Pure: bytes in, items out.
 *
 * Every fragment arrives as a self-contained Matroska document:
 *
 *   EBML header, Segment (unknown size)
 *     producer header elements (Info, Tracks, …)
 *     Tags  ← KVS: FRAGMENT_NUMBER, SERVER_TIMESTAMP, PRODUCER_TIMESTAMP
 *     Cluster (the producer's bytes, Timecode not rewritten)
 *     [producer Tags that followed the cluster]
 *     Tags  ← KVS: MILLIS_BEHIND_NOW, CONTINUATION_TOKEN
 *   (next EBML header)
 *
 * A fragment is yielded as soon as its CONTINUATION_TOKEN tag arrives (the last one KVS writes, so a live reader
 * does not wait for the next fragment), else at the next EBML header, Segment end or end of stream. An error chunk (AWS_KINESISVIDEO_ERROR_ID
 * / _ERROR_CODE, after which GetMedia stops) becomes an `error` item. Parsing is libs/media's
 * MatroskaStreamReader and readKvsFragmentTags; nothing is re-implemented here.
 */
import {
  MatroskaStreamReader,
  readKvsFragmentTags,
  type KvsFragmentTags,
  type MatroskaEvent,
  type MkvCluster,
  type MkvSimpleTag,
  type MkvStreamHeader,
} from '@tributary/media';
import { GetMediaError } from '../kvs-errors';

export interface GetMediaFragment {
  /** The stream header the fragment came with (the producer's, as stored by KVS). */
  header: MkvStreamHeader;
  headerBytes: Uint8Array;
  /** The fragment's Cluster: frames with absolute ms timestamps, and its raw bytes. */
  cluster: MkvCluster;
  /** KVS's tags for it, merged from the Tags before and after the Cluster. */
  tags: Partial<KvsFragmentTags>;
  /** Producer metadata tags (not AWS_KINESISVIDEO_*), in order. */
  producerTags: MkvSimpleTag[];
}

/** A fragment, or a chunk that carried GetMedia's error tags (GetMediaError, kvs-errors.ts): the service stops after it. */
export type GetMediaItem = { type: 'fragment'; fragment: GetMediaFragment } | { type: 'error'; error: GetMediaError };

const KVS_TAG_PREFIX = 'AWS_KINESISVIDEO_';

export class GetMediaChunkDecoder {
  private readonly reader = new MatroskaStreamReader();
  private header?: MkvStreamHeader;
  private headerBytes?: Uint8Array;
  private tags: Partial<KvsFragmentTags> = {};
  private cluster?: MkvCluster;
  private producerTags: MkvSimpleTag[] = [];

  /** Feeds payload bytes; returns the fragments (and error) they complete. Throws MediaError on malformed Matroska. */
  push(chunk: Uint8Array): GetMediaItem[] {
    return this.handle(this.reader.push(chunk));
  }

  end(): GetMediaItem[] {
    const out = this.handle(this.reader.end());
    this.flush(out);
    return out;
  }

  private handle(events: MatroskaEvent[]): GetMediaItem[] {
    const out: GetMediaItem[] = [];
    for (const ev of events) {
      switch (ev.type) {
        case 'header':
          this.flush(out);
          this.header = ev.header;
          this.headerBytes = ev.bytes;
          break;
        case 'tags': {
          const kvs = readKvsFragmentTags(ev.tags);
          const own = ev.tags.filter((t) => !t.name.startsWith(KVS_TAG_PREFIX));
          Object.assign(this.tags, kvs);
          if (this.cluster) this.producerTags.push(...own);
          if (kvs.errorId !== undefined || kvs.errorCode !== undefined) {
            this.flush(out);
            out.push({ type: 'error', error: new GetMediaError(kvs.fragmentNumber ?? this.tags.fragmentNumber, kvs.errorId, kvs.errorCode) });
            this.reset();
          } else if (this.cluster && kvs.continuationToken !== undefined) {
            // CONTINUATION_TOKEN is the last tag KVS writes for a fragment.
            this.flush(out);
          }
          break;
        }
        case 'cluster':
          if (this.cluster) this.flush(out); // a second cluster in one document: the header stays
          this.cluster = ev.cluster;
          break;
        case 'segment-end':
          this.flush(out);
          break;
      }
    }
    return out;
  }

  private flush(out: GetMediaItem[]): void {
    if (this.cluster && this.header && this.headerBytes) {
      out.push({
        type: 'fragment',
        fragment: { header: this.header, headerBytes: this.headerBytes, cluster: this.cluster, tags: this.tags, producerTags: this.producerTags },
      });
    }
    this.reset();
  }

  private reset(): void {
    this.cluster = undefined;
    this.producerTags = [];
    this.tags = {};
  }
}
