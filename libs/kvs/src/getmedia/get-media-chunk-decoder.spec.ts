import {
  MkvId,
  encodeElement,
  encodeMaster,
  stringBytes,
  uintBytes,
  writeCluster,
  writeKvsFragmentTags,
  writeStreamHeader,
  writeTags,
  type MkvStreamHeader,
} from '@tributary/media';
import { GetMediaError } from '../kvs-errors';
import { GetMediaChunkDecoder, type GetMediaItem } from './get-media-chunk-decoder';

const HEADER: MkvStreamHeader = {
  timecodeScaleNs: 1_000_000,
  tracks: [{ number: 1, uid: 1n, type: 'video', codecId: 'V_MPEG4/ISO/AVC', width: 320, height: 240 }],
};

const FN = ['91343852333181432392682062607743920146159169392', '91343852333181432392682062607743920146159169393'];

const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

/** One GetMedia chunk as §4.3 lays it out: header, KVS Tags, Cluster, producer Tags, KVS Tags. */
function chunk(i: number, producerTags = false): Uint8Array {
  const start = 1_700_000_000_000 + i * 2000;
  return concat([
    writeStreamHeader(HEADER),
    writeKvsFragmentTags({ fragmentNumber: FN[i], serverTimestampMs: start + 150, producerTimestampMs: start }),
    writeCluster(
      {
        timestampMs: start,
        frames: [
          { track: 1, timestampMs: start, keyframe: true, data: new Uint8Array([1, 2, 3, i]) },
          { track: 1, timestampMs: start + 40, keyframe: false, data: new Uint8Array([4, 5, i]) },
        ],
      },
      HEADER.timecodeScaleNs,
    ),
    ...(producerTags ? [writeTags([{ name: 'CAMERA', value: 'front' }])] : []),
    writeKvsFragmentTags({ millisBehindNow: 1200 - i, continuationToken: FN[i] }),
  ]);
}

/** An error chunk: EBML header, Segment, Tags with FRAGMENT_NUMBER + ERROR_ID + ERROR_CODE only. */
function errorChunk(): Uint8Array {
  return concat([
    encodeMaster(MkvId.EBML, [encodeElement(MkvId.EBMLVersion, uintBytes(1)), encodeElement(MkvId.DocType, stringBytes('matroska'))]),
    encodeMaster(MkvId.Segment, [writeKvsFragmentTags({ fragmentNumber: FN[1], errorId: 4000, errorCode: 'Requested fragment not found' })], { unknownSize: true }),
  ]);
}

function summarize(items: GetMediaItem[]): unknown[] {
  return items.map((item) =>
    item.type === 'error'
      ? { error: item.error.errorId, code: item.error.errorCode, fragment: item.error.fragmentNumber }
      : {
          tags: item.fragment.tags,
          producerTags: item.fragment.producerTags.map((t) => `${t.name}=${t.value}`),
          timecode: item.fragment.cluster.timecode,
          frames: item.fragment.cluster.frames.map((f) => [f.timestampMs, f.keyframe, Array.from(f.data)]),
          codec: item.fragment.header.tracks[0].codecId,
        },
  );
}

function decodeInPieces(bytes: Uint8Array, cuts: number[]): GetMediaItem[] {
  const d = new GetMediaChunkDecoder();
  const items: GetMediaItem[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    items.push(...d.push(bytes.subarray(from, cut)));
    from = cut;
  }
  items.push(...d.end());
  return items;
}

describe('GetMediaChunkDecoder (kvs-reference §4.3)', () => {
  const payload = concat([chunk(0), chunk(1, true)]);
  const expected = [
    {
      tags: { fragmentNumber: FN[0], serverTimestampMs: 1_700_000_000_150, producerTimestampMs: 1_700_000_000_000, millisBehindNow: 1200, continuationToken: FN[0] },
      producerTags: [],
      timecode: 1_700_000_000_000,
      frames: [
        [1_700_000_000_000, true, [1, 2, 3, 0]],
        [1_700_000_000_040, false, [4, 5, 0]],
      ],
      codec: 'V_MPEG4/ISO/AVC',
    },
    {
      tags: { fragmentNumber: FN[1], serverTimestampMs: 1_700_000_002_150, producerTimestampMs: 1_700_000_002_000, millisBehindNow: 1199, continuationToken: FN[1] },
      producerTags: ['CAMERA=front'],
      timecode: 1_700_000_002_000,
      frames: [
        [1_700_000_002_000, true, [1, 2, 3, 1]],
        [1_700_000_002_040, false, [4, 5, 1]],
      ],
      codec: 'V_MPEG4/ISO/AVC',
    },
  ];

  it('yields each fragment with its merged KVS tags and producer tags', () => {
    expect(summarize(decodeInPieces(payload, []))).toEqual(expected);
  });

  it('gives the same fragments whichever byte the payload is split at', () => {
    for (let cut = 1; cut < payload.length; cut++) expect(summarize(decodeInPieces(payload, [cut]))).toEqual(expected);
  });

  it('yields a fragment as soon as its CONTINUATION_TOKEN arrives, without waiting for the next one', () => {
    const d = new GetMediaChunkDecoder();
    const first = chunk(0);
    expect(d.push(first.subarray(0, first.length - 1))).toEqual([]);
    expect(summarize(d.push(first.subarray(first.length - 1)))).toEqual([expected[0]]);
  });

  it('turns an error chunk into a GetMediaError after the fragments before it', () => {
    const items = decodeInPieces(concat([chunk(0), errorChunk()]), [17]);
    expect(summarize(items)).toEqual([expected[0], { error: 4000, code: 'Requested fragment not found', fragment: FN[1] }]);
    const error = items[1].type === 'error' ? items[1].error : undefined;
    expect(error).toBeInstanceOf(GetMediaError);
    expect(error).toMatchObject({ code: 'GET_MEDIA_ERROR', retriable: false });
  });

  it('still yields a fragment whose closing tags never came, at the end of the stream', () => {
    const c = chunk(0);
    const post = writeKvsFragmentTags({ millisBehindNow: 1200, continuationToken: FN[0] });
    const items = decodeInPieces(c.subarray(0, c.length - post.length), []);
    expect(items).toHaveLength(1);
    expect(items[0].type === 'fragment' && items[0].fragment.tags.continuationToken).toBeUndefined();
  });
});
