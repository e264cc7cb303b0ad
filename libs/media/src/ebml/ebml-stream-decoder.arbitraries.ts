/**
 * Fuzz inputs for EbmlStreamDecoder (issue 12), shared by ebml-stream-decoder.property.spec.ts and the soak bench
 * (through @tributary/media/testing). Three kinds of input:
 *
 *   - element trees of the Matroska schema, written by ebml-writer.ts with known or unknown sizes and size fields
 *     longer than needed (round trip: the decoder gives back the tree);
 *   - such encodings mutated (flips, cuts, insertions, deletions, 0x00/0xFF octets) and random bytes: the decoder
 *     gives events or a MediaError, never another exception, and never loops;
 *   - any of these cut into arbitrary chunks: the events and the error are those of one whole chunk.
 */
import fc from 'fast-check';
import { chunkCuts, hex, mutatedBytes, splitAt, type FuzzTarget } from '@tributary/runtime/testing';
import { MediaError } from '../media-error';
import { MATROSKA_SCHEMA, MkvId } from '../matroska/matroska-ids';
import { EbmlStreamDecoder, END_OF_STREAM, NEED_MORE, type EbmlPolicy } from './ebml-stream-decoder';
import { encodeElement, encodeMaster } from './ebml-writer';
import { sizeLengthFor } from './ebml-vint';

export interface EbmlTreeNode {
  id: number;
  /** Masters: children; leaves: data. */
  children?: EbmlTreeNode[];
  data?: Uint8Array;
  unknownSize?: boolean;
  /** Octets added to the shortest size field (leading zeros, RFC 8794 §6.1 allows up to 8). */
  extraSizeOctets: number;
}

const I = MkvId;
/**
 * The children generated under each master: a slice of the Matroska schema. Void and CRC-32 (global) are left
 * out of the trees whose round trip is checked because they may descend from anything, so one after an
 * unknown-size master would end up inside it (RFC 8794 §6.2): a correct reading, but not the tree written.
 */
const CHILDREN: Readonly<Record<number, readonly number[]>> = {
  [I.EBML]: [I.EBMLVersion, I.DocType, I.DocTypeVersion],
  [I.Segment]: [I.Info, I.Tracks, I.Cluster, I.Tags, I.Cues],
  [I.Info]: [I.TimecodeScale, I.Duration, I.Title, I.MuxingApp],
  [I.Tracks]: [I.TrackEntry],
  [I.TrackEntry]: [I.TrackNumber, I.TrackUID, I.CodecID, I.CodecPrivate, I.Video, I.Audio],
  [I.Video]: [I.PixelWidth, I.PixelHeight],
  [I.Audio]: [I.SamplingFrequency, I.Channels],
  [I.Cluster]: [I.Timecode, I.SimpleBlock, I.BlockGroup],
  [I.BlockGroup]: [I.Block, I.ReferenceBlock],
  [I.Tags]: [I.Tag],
  [I.Tag]: [I.Targets, I.SimpleTag],
  [I.Targets]: [I.TargetTypeValue],
  [I.SimpleTag]: [I.TagName, I.TagString, I.SimpleTag],
  [I.Cues]: [],
};
/** Masters that live streams write with the unknown size (ffmpeg -live, PIC). */
const MAY_BE_UNKNOWN = new Set<number>([I.Segment, I.Cluster]);

function leafData(id: number): fc.Arbitrary<Uint8Array> {
  const type = MATROSKA_SCHEMA.get(id)?.type;
  if (type === 'float') return fc.constantFrom(0, 4, 8).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
  if (type === 'uint' || type === 'int') return fc.uint8Array({ maxLength: 8 });
  return fc.uint8Array({ maxLength: 24 });
}

function nodeOf(id: number, depthLeft: number): fc.Arbitrary<EbmlTreeNode> {
  const extra = fc.nat({ max: 2 });
  const kids = CHILDREN[id];
  if (kids === undefined) return fc.record({ id: fc.constant(id), data: leafData(id), extraSizeOctets: extra });
  const children =
    depthLeft <= 0 || kids.length === 0
      ? fc.constant([] as EbmlTreeNode[])
      : fc.array(
          fc.constantFrom(...kids).chain((k) => nodeOf(k, depthLeft - 1)),
          { maxLength: 4 },
        );
  return fc.record({ id: fc.constant(id), children, unknownSize: MAY_BE_UNKNOWN.has(id) ? fc.boolean() : fc.constant(false), extraSizeOctets: extra });
}

/** A stream: EBML header and Segment trees at the top level (what may start a Matroska stream). */
export const ebmlTreeArbitrary: fc.Arbitrary<EbmlTreeNode[]> = fc.array(
  fc.constantFrom(I.EBML, I.Segment).chain((id) => nodeOf(id, 5)),
  { minLength: 1, maxLength: 3 },
);

export function encodeTree(nodes: readonly EbmlTreeNode[]): Uint8Array {
  const parts = nodes.map(encodeNode);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function encodeNode(node: EbmlTreeNode): Uint8Array {
  if (node.children === undefined) {
    const data = node.data ?? new Uint8Array(0);
    return encodeElement(node.id, data, { sizeLength: Math.min(8, sizeLengthFor(data.length) + node.extraSizeOctets) });
  }
  const children = node.children.map(encodeNode);
  if (node.unknownSize) return encodeMaster(node.id, children, { unknownSize: true, sizeLength: node.extraSizeOctets === 0 ? 1 : 8 });
  const length = children.reduce((n, c) => n + c.length, 0);
  return encodeMaster(node.id, children, { sizeLength: Math.min(8, sizeLengthFor(length) + node.extraSizeOctets) });
}

/** Events rebuilt into a tree (an unknown-size master ends where the decoder says it does). */
export function decodeTree(bytes: Uint8Array): EbmlTreeNode[] {
  const d = new EbmlStreamDecoder(MATROSKA_SCHEMA);
  d.push(bytes);
  d.end();
  const root: EbmlTreeNode[] = [];
  const stack: EbmlTreeNode[][] = [root];
  for (;;) {
    const ev = d.next();
    if (ev === END_OF_STREAM) return root;
    if (ev === NEED_MORE) throw new Error('NEED_MORE after end()');
    if (ev.kind === 'start') {
      const node: EbmlTreeNode = { id: ev.id, children: [], unknownSize: ev.size === -1, extraSizeOctets: 0 };
      stack[stack.length - 1].push(node);
      stack.push(node.children ?? []);
    } else if (ev.kind === 'end') stack.pop();
    else if (ev.kind === 'leaf') stack[stack.length - 1].push({ id: ev.id, data: ev.data.slice(), extraSizeOctets: 0 });
  }
}

/** The tree without what the encoding does not carry back (size field lengths). */
export function treeShape(nodes: readonly EbmlTreeNode[]): unknown[] {
  return nodes.map((n) => (n.children === undefined ? [n.id.toString(16), hex(n.data ?? new Uint8Array(0))] : [n.id.toString(16), !!n.unknownSize, treeShape(n.children)]));
}

export interface EbmlDecodeInput {
  bytes: Uint8Array;
  cuts: number[];
  /** 0: emit everything; 1: the Matroska reader's policy; 2: a mix decided by id and depth. */
  policyMode: 0 | 1 | 2;
}

const POLICIES: Readonly<Record<EbmlDecodeInput['policyMode'], (id: number, depth: number) => EbmlPolicy>> = {
  0: () => 'emit',
  1: (id, depth) =>
    depth === 0
      ? id === I.Segment
        ? 'emit'
        : id === I.EBML
          ? 'collect'
          : 'skip'
      : depth === 1 && (id === I.Info || id === I.Tracks || id === I.Tags || id === I.Cluster)
        ? 'collect'
        : 'skip',
  2: (id, depth) => (['emit', 'collect', 'skip'] as const)[(id + depth) % 3],
};

/** Every event as a comparable line, then the error code (or 'end'). Bounded: no progress is an error. */
export function decodeEvents(chunks: readonly Uint8Array[], policyMode: EbmlDecodeInput['policyMode']): { lines: string[]; error?: MediaError } {
  const d = new EbmlStreamDecoder(MATROSKA_SCHEMA, { policy: POLICIES[policyMode], maxElementBytes: 1 << 20 });
  const lines: string[] = [];
  const total = chunks.reduce((n, c) => n + c.length, 0);
  // Each event consumes a header octet or closes a master opened by one: more is a loop.
  const budget = 4 * total + 16;
  const drain = (): boolean => {
    for (;;) {
      if (lines.length > budget) throw new Error(`EbmlStreamDecoder: more than ${budget} events from ${total} bytes`);
      const ev = d.next();
      if (ev === NEED_MORE) return false;
      if (ev === END_OF_STREAM) return true;
      const base = `${ev.kind} ${ev.id.toString(16)} @${ev.start}/${ev.dataStart} d${ev.depth}`;
      if (ev.kind === 'start') lines.push(`${base} size=${ev.size}`);
      else if (ev.kind === 'end') lines.push(`${base} end=${ev.end}`);
      else if (ev.kind === 'leaf') lines.push(`${base} ${hex(ev.data)}`);
      else lines.push(`${base} end=${ev.end} unknown=${ev.unknownSize} ${hex(ev.bytes)}`);
    }
  };
  try {
    for (const c of chunks) {
      d.push(c);
      drain();
    }
    d.end();
    if (!drain()) throw new Error('EbmlStreamDecoder: NEED_MORE after end()');
  } catch (err) {
    if (err instanceof MediaError) return { lines, error: err };
    throw err;
  }
  return { lines };
}

const bytesArbitrary: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 2, arbitrary: ebmlTreeArbitrary.map(encodeTree) },
  { weight: 5, arbitrary: mutatedBytes(ebmlTreeArbitrary.map(encodeTree)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }) },
);

export const ebmlDecodeInputArbitrary: fc.Arbitrary<EbmlDecodeInput> = fc.record({
  bytes: bytesArbitrary,
  cuts: chunkCuts,
  policyMode: fc.constantFrom(0 as const, 1 as const, 2 as const),
});

/** Same result in one chunk and in `cuts`; a MediaError is the typed rejection. */
export const ebmlStreamDecoderFuzzTarget: FuzzTarget<EbmlDecodeInput> = {
  name: 'ebml-stream-decoder',
  arbitrary: ebmlDecodeInputArbitrary,
  run({ bytes, cuts, policyMode }) {
    const whole = decodeEvents([bytes], policyMode);
    const chunked = decodeEvents(splitAt(bytes, cuts), policyMode);
    const a = JSON.stringify([whole.lines, whole.error?.code, whole.error?.offset]);
    const b = JSON.stringify([chunked.lines, chunked.error?.code, chunked.error?.offset]);
    if (a !== b) throw new Error(`EbmlStreamDecoder: chunking changed the result\n whole:   ${a.slice(0, 400)}\n chunked: ${b.slice(0, 400)}`);
    if (whole.error) throw whole.error;
  },
  isTypedRejection: (err) => err instanceof MediaError,
};

/** Write → read gives the tree back. */
export const ebmlRoundTripFuzzTarget: FuzzTarget<EbmlTreeNode[]> = {
  name: 'ebml-round-trip',
  arbitrary: ebmlTreeArbitrary,
  run(tree) {
    const expected = JSON.stringify(treeShape(tree));
    const actual = JSON.stringify(treeShape(decodeTree(encodeTree(tree))));
    if (expected !== actual) throw new Error(`EBML round trip differs\n written: ${expected.slice(0, 400)}\n read:    ${actual.slice(0, 400)}`);
  },
  isTypedRejection: () => false,
};
