/**
 * The moov-level boxes both MP4 writers share (ISO/IEC 14496-12 §8.2–§8.5, sample entries from ISO/IEC 14496-15
 * §5.4 (avc1/avcC), §8.4 (hvc1/hvcC) and ISO/IEC 14496-14 §5.6 (mp4a/esds)). The sample tables differ: the
 * fragmented init segment has empty ones, the clip full ones — the caller writes them.
 */
import type { BoxWriter } from './box-writer';
import type { Mp4Track } from './mp4-track';

/** 1000 ticks per second for mvhd/tkhd/elst: durations there are in ms. */
export const MOVIE_TIMESCALE = 1000;
const UNITY_MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];
/** ISO 639-2 "und" packed as three 5-bit letters. */
const LANGUAGE_UND = 0x55c4;
const FIXED_72_DPI = 0x00480000;
const TRACK_ENABLED_IN_MOVIE = 0x000003;

export function writeFtyp(w: BoxWriter, major: string, compatible: readonly string[]): void {
  w.box('ftyp', (b) => {
    b.fourcc(major).u32(0);
    for (const c of compatible) b.fourcc(c);
  });
}

/** 64-bit times and durations (version 1) only when a value needs them. */
const needsV1 = (...values: number[]): boolean => values.some((v) => v >= 2 ** 32);

export function writeMvhd(w: BoxWriter, durationMs: number, nextTrackId: number): void {
  const v1 = needsV1(durationMs);
  w.fullBox('mvhd', v1 ? 1 : 0, 0, (b) => {
    if (v1) b.u64(0).u64(0).u32(MOVIE_TIMESCALE).u64(durationMs);
    else b.u32(0).u32(0).u32(MOVIE_TIMESCALE).u32(durationMs);
    b.u32(0x00010000).u16(0x0100).zeros(10);
    for (const m of UNITY_MATRIX) b.u32(m);
    b.zeros(24).u32(nextTrackId);
  });
}

export interface TrakOptions {
  /** In MOVIE_TIMESCALE units (0 for a fragmented init segment). */
  durationMs: number;
  /** In the track's timescale. */
  mediaDuration: number;
  /** Empty time before the media starts (ms): an edit list with an empty edit. */
  startOffsetMs?: number;
  /** Writes stts/ctts/stss/stsz/stsc/stco or their empty forms, after stsd. */
  sampleTables: (w: BoxWriter) => void;
}

export function writeTrak(w: BoxWriter, track: Mp4Track, o: TrakOptions): void {
  const video = track.kind === 'video';
  w.box('trak', (t) => {
    const v1 = needsV1(o.durationMs, o.mediaDuration);
    t.fullBox('tkhd', v1 ? 1 : 0, TRACK_ENABLED_IN_MOVIE, (b) => {
      if (v1) b.u64(0).u64(0).u32(track.id).u32(0).u64(o.durationMs);
      else b.u32(0).u32(0).u32(track.id).u32(0).u32(o.durationMs);
      b.zeros(8).u16(0).u16(video ? 0 : 1).u16(video ? 0 : 0x0100).u16(0);
      for (const m of UNITY_MATRIX) b.u32(m);
      b.u32(video ? (track.width ?? 0) * 0x10000 : 0).u32(video ? (track.height ?? 0) * 0x10000 : 0);
    });
    const startOffsetMs = o.startOffsetMs ?? 0;
    if (startOffsetMs > 0) {
      t.box('edts', (e) =>
        e.fullBox('elst', 0, 0, (b) => {
          b.u32(2);
          b.u32(startOffsetMs).i32(-1).u16(1).u16(0); // empty edit: nothing shown yet
          b.u32(o.durationMs - startOffsetMs).i32(0).u16(1).u16(0);
        }),
      );
    }
    t.box('mdia', (m) => {
      m.fullBox('mdhd', v1 ? 1 : 0, 0, (b) => {
        if (v1) b.u64(0).u64(0).u32(track.timescale).u64(o.mediaDuration);
        else b.u32(0).u32(0).u32(track.timescale).u32(o.mediaDuration);
        b.u16(LANGUAGE_UND).u16(0);
      });
      m.fullBox('hdlr', 0, 0, (b) => {
        b.u32(0).fourcc(video ? 'vide' : 'soun').zeros(12);
        for (const ch of video ? 'VideoHandler' : 'SoundHandler') b.u8(ch.charCodeAt(0));
        b.u8(0);
      });
      m.box('minf', (mi) => {
        if (video) mi.fullBox('vmhd', 0, 1, (b) => b.zeros(8));
        else mi.fullBox('smhd', 0, 0, (b) => b.zeros(4));
        mi.box('dinf', (d) => d.fullBox('dref', 0, 0, (b) => b.u32(1).fullBox('url ', 0, 1, () => undefined)));
        mi.box('stbl', (s) => {
          s.fullBox('stsd', 0, 0, (b) => {
            b.u32(1);
            writeSampleEntry(b, track);
          });
          o.sampleTables(s);
        });
      });
    });
  });
}

function writeSampleEntry(w: BoxWriter, track: Mp4Track): void {
  if (track.kind === 'video') {
    w.box(track.codec, (b) => {
      b.zeros(6).u16(1); // reserved, data_reference_index
      b.zeros(16).u16(track.width ?? 0).u16(track.height ?? 0).u32(FIXED_72_DPI).u32(FIXED_72_DPI).u32(0).u16(1);
      b.zeros(32).u16(0x0018).i16(-1); // compressorname, depth, pre_defined
      b.box(track.codec === 'hvc1' ? 'hvcC' : 'avcC', (c) => c.bytes(track.codecPrivate));
    });
    return;
  }
  w.box('mp4a', (b) => {
    b.zeros(6).u16(1).zeros(8).u16(track.channels ?? 2).u16(16).u16(0).u16(0);
    b.u32(Math.min(track.sampleRate ?? track.timescale, 0xffff) * 0x10000);
    writeEsds(b, track);
  });
}

/** MPEG-4 descriptor header: tag + size in the one-octet form when it fits, else the 4-octet expandable form. */
function descriptor(w: BoxWriter, tag: number, size: number): void {
  w.u8(tag);
  if (size < 0x80) w.u8(size);
  else w.u8(0x80 | ((size >>> 21) & 0x7f)).u8(0x80 | ((size >>> 14) & 0x7f)).u8(0x80 | ((size >>> 7) & 0x7f)).u8(size & 0x7f);
}
const descriptorLength = (size: number): number => size + (size < 0x80 ? 2 : 5);

const ES_DESCRIPTOR = 0x03;
const DECODER_CONFIG_DESCRIPTOR = 0x04;
const DECODER_SPECIFIC_INFO = 0x05;
const SL_CONFIG_DESCRIPTOR = 0x06;
const OBJECT_TYPE_AAC = 0x40;
const STREAM_TYPE_AUDIO = 0x05;

/** esds (ISO/IEC 14496-1 §7.2.6.5): ES_Descriptor{DecoderConfigDescriptor{AudioSpecificConfig}, SLConfig{2}}. */
function writeEsds(w: BoxWriter, track: Mp4Track): void {
  const asc = track.codecPrivate;
  const dsi = descriptorLength(asc.length);
  const dcd = descriptorLength(13 + dsi);
  const sl = descriptorLength(1);
  w.fullBox('esds', 0, 0, (b) => {
    descriptor(b, ES_DESCRIPTOR, 3 + dcd + sl);
    b.u16(track.id).u8(0);
    descriptor(b, DECODER_CONFIG_DESCRIPTOR, 13 + dsi);
    b.u8(OBJECT_TYPE_AAC).u8((STREAM_TYPE_AUDIO << 2) | 1).u24(0).u32(0).u32(0);
    descriptor(b, DECODER_SPECIFIC_INFO, asc.length);
    b.bytes(asc);
    descriptor(b, SL_CONFIG_DESCRIPTOR, 1);
    b.u8(2);
  });
}
