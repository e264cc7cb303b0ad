/**
 * @tributary/media — pure codecs for KVS video: bytes and values in, values out; no I/O (conventions.md §2, §4).
 *
 * EBML (RFC 8794), src/ebml:
 *   - EbmlStreamDecoder: incremental; push(chunk), next() → EbmlEvent | NEED_MORE (| END_OF_STREAM after end()),
 *     throws MediaError on malformed input (MALFORMED_EBML), TRUNCATED when the stream ends inside an element.
 *     Unknown sizes of every length; a per-element policy emits, collects (whole element, one copy at most) or skips.
 *   - EbmlSchema (element types and parents; needed to end unknown-size masters), readElementHeader, forEachChild,
 *     value readers (readUint, readInt, readFloat, readString, readUtf8, …).
 *   - Encoders: encodeId, encodeSize (known or UNKNOWN_SIZE, any length), uintBytes, intBytes, floatBytes,
 *     stringBytes, utf8Bytes, encodeElement, encodeMaster (known/unknown size), EbmlWriter (growable, masters
 *     patched on end).
 *
 * Matroska (RFC 9559, the KVS subset), src/matroska:
 *   - MatroskaStreamReader: push(chunk) → MatroskaEvent[] ('header' | 'cluster' | 'tags' | 'segment-end'), end().
 *     Reads ffmpeg live output (unknown-size Segment/Clusters), several EBML+Segment pairs in one stream, lacing.
 *     Frames are views into the cluster bytes.
 *   - writeStreamHeader(header), writeCluster(cluster, timecodeScaleNs), writeTags(tags), readTags(bytes).
 *   - Fragmenter: frames → MkvFragment (one cluster each, opening on a video keyframe, min/max duration, originMs
 *     for absolute producer timestamps); writeFragment(fragment, scale, { relativeToMs }) → Cluster bytes for
 *     PutMedia; withUnknownSegmentSize / withKnownSize / withSizeField rewrite stored size fields in place.
 *   - MkvId (element ids), MATROSKA_SCHEMA, block codec (readBlockHeader, blockFrames, encodeLacedBlock).
 *
 * KVS (src/kvs): writeKvsFragmentTags / readKvsFragmentTags — the per-fragment tags GetMedia adds
 * (AWS_KINESISVIDEO_FRAGMENT_NUMBER, _SERVER_TIMESTAMP, _PRODUCER_TIMESTAMP, _MILLIS_BEHIND_NOW,
 * _CONTINUATION_TOKEN, _ERROR_ID, _ERROR_CODE), KVS_TAG names, timestamp formatting, PIC's end-of-fragment tag.
 *
 * Codec configuration, src/h264: parseAvcDecoderConfig (avcC), parseH264Sps (size after cropping, profile/level,
 * VUI frame rate), avcCodecString ("avc1.640028"), parseHevcDecoderConfig + hevcCodecString ("hvc1.1.6.L93.B0").
 *
 * MP4 (ISO BMFF), src/mp4: mp4TrackFromMatroska (H.264/H.265/AAC), parseMatroskaFragment(header, cluster),
 * writeInitSegment, writeMediaSegment / remuxFragment (moof + mdat, one track; parts whose sample bytes are views
 * of the stored cluster), writeMp4Clip (faststart, non-fragmented), bytesLength; BoxWriter writes every box header.
 * DTS = the fragment's PTS values sorted; CTS offsets signed (trun/ctts version 1).
 *
 * Errors: MediaError { code: MALFORMED_EBML | MALFORMED_MKV | UNSUPPORTED_MKV | TRUNCATED | INVALID_ARGUMENT |
 * MISSING_CODEC_PRIVATE | INVALID_CODEC_PRIVATE | UNSUPPORTED_CODEC; retriable: false; offset? }. "Need more bytes" is the NEED_MORE sentinel, never an error.
 */
export { MediaError, type MediaErrorCode } from './media-error';

export { EbmlSchema, type EbmlElementSpec, type EbmlType } from './ebml/ebml-schema';
export {
  EbmlStreamDecoder,
  NEED_MORE,
  END_OF_STREAM,
  type NeedMore,
  type EndOfStream,
  type EbmlEvent,
  type EbmlPolicy,
  type EbmlStreamDecoderOptions,
} from './ebml/ebml-stream-decoder';
export {
  UNKNOWN_SIZE,
  readElementHeader,
  readVintValue,
  encodeId,
  encodeSize,
  writeId,
  writeSize,
  idLength,
  sizeLengthFor,
  vintLength,
  type EbmlHeader,
} from './ebml/ebml-vint';
export { forEachChild, readElement, type EbmlChild } from './ebml/ebml-reader';
export { readUint, readUintBig, readInt, readFloat, readString, readUtf8, readDateMs, EBML_EPOCH_MS } from './ebml/ebml-values';
export {
  EbmlWriter,
  encodeElement,
  encodeMaster,
  uintBytes,
  intBytes,
  floatBytes,
  stringBytes,
  utf8Bytes,
  type ElementOptions,
  type MasterOptions,
  type MasterMark,
} from './ebml/ebml-writer';

export { MkvId, MkvTrackType, MATROSKA_SCHEMA } from './matroska/matroska-ids';
export type {
  MkvTrack,
  MkvTrackKind,
  MkvStreamHeader,
  MkvFrame,
  MkvCluster,
  MkvSimpleTag,
  MatroskaEvent,
} from './matroska/matroska-types';
export { MatroskaStreamReader, type MatroskaStreamReaderOptions } from './matroska/matroska-stream-reader';
export {
  writeStreamHeader,
  writeCluster,
  msToTicks,
  DEFAULT_TIMECODE_SCALE_NS,
  DEFAULT_MUXING_APP,
  type WriteClusterOptions,
} from './matroska/matroska-writer';
export { readTags, writeTags, type WriteTagsOptions } from './matroska/matroska-tags';
export {
  readBlockHeader,
  blockFrames,
  lacingOf,
  encodeLacedBlock,
  writeBlockHeader,
  blockHeaderLength,
  BLOCK_FLAG_KEYFRAME,
  BLOCK_FLAG_INVISIBLE,
  BLOCK_FLAG_DISCARDABLE,
  type BlockHeader,
  type Lacing,
} from './matroska/matroska-block-codec';
export {
  Fragmenter,
  FRAGMENTER_DEFAULTS,
  KVS_FRAGMENT_LIMITS,
  type FragmenterOptions,
  type FragmenterStats,
  type FragmenterStep,
  type MkvFragment,
} from './matroska/fragmenter';
export { LiveClusterWriter } from './matroska/live-cluster-writer';
export { writeFragment, withSizeField, withKnownSize, withUnknownSegmentSize, type WriteFragmentOptions } from './matroska/matroska-element-edit';

export {
  KVS_TAG,
  KVS_TAG_SIZE_LENGTH,
  writeKvsFragmentTags,
  readKvsFragmentTags,
  formatKvsTimestamp,
  parseKvsTimestamp,
  isKvsReservedTagName,
  writeEndOfFragmentTags,
  type KvsFragmentTags,
} from './kvs/kvs-fragment-tags';

// HLS (src/hls): KVS-style master/media playlists, discontinuity placement, URI rewriting (proxies), parsing back.
export type { HlsVariant, HlsRendition, HlsSegment, HlsMasterPlaylist, HlsMediaPlaylist, DiscontinuityMode, HlsUriKind } from './hls/hls-types';
export { writeMasterPlaylist, writeMediaPlaylist, formatProgramDateTime, formatDurationSec, formatFrameRate } from './hls/hls-playlist-writer';
export { discontinuityFlags, DISCONTINUITY_TOLERANCE_MS } from './hls/hls-discontinuity';
export { rewritePlaylistUris } from './hls/hls-playlist-rewriter';
export { parseMediaPlaylist, type ParsedMediaPlaylist } from './hls/hls-playlist-parser';

// DASH (src/dash): the MPD writer (one Period, SegmentTemplate + SegmentTimeline per track) of GetDASHManifest.
export { writeMpd, isoDuration, type Mpd, type MpdAdaptationSet, type MpdSegment } from './dash/mpd-writer';

// h264/ and mp4/ (helper "mp4"): codec configuration and the KVS fragment → MP4 remuxer.
export { parseAvcDecoderConfig, avcCodecString, type AvcDecoderConfig } from './h264/avc-decoder-config';
export { parseH264Sps, type H264Sps } from './h264/sps-parser';
export { parseHevcDecoderConfig, hevcCodecString, type HevcDecoderConfig } from './h264/hevc-decoder-config';
export { RbspBitReader, nalToRbsp } from './h264/rbsp-bit-reader';
export { parseAudioSpecificConfig, type AudioSpecificConfig } from './mp4/audio-specific-config';
export { BoxWriter, boxHeaderLength, bytesLength } from './mp4/box-writer';
export { mp4TrackFromMatroska, VIDEO_TIMESCALE, type Mp4Track } from './mp4/mp4-track';
export { parseMatroskaFragment, type ParsedFragment } from './mp4/matroska-fragment';
export {
  writeInitSegment,
  writeMediaSegment,
  remuxFragment,
  mp4TrackOf,
  type FragmentTiming,
  type MediaSegmentOptions,
} from './mp4/fmp4-writer';
export { writeMp4Clip, type Mp4ClipOptions } from './mp4/mp4-clip-writer';
export { decodeTimestamps, sampleTable, msToTimescale, type SampleTable } from './mp4/sample-timing';

// MPEG-TS (src/mpegts): one stored fragment → one HLS TS segment with all tracks (GetTSFragment), hand-written muxer.
export { writeTsSegment, TS_CLOCK, VIDEO_PID, AUDIO_PID, PCR_DELAY, type TsSegmentOptions } from './mpegts/ts-segment-writer';
export { adtsConfig, adtsHeader, ADTS_HEADER_LENGTH, type AdtsConfig } from './mpegts/adts';
export { annexBConfig, annexBAccessUnit, hevcParameterSets, splitNalUnits, type AnnexBConfig, type VideoCodec } from './mpegts/annexb';
export { TS_PACKET_SIZE, crc32Mpeg2, pesHeader, patSection, pmtSection, TsPacketWriter, wrap33, STREAM_TYPE } from './mpegts/ts-packet-writer';
