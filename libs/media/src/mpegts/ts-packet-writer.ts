/**
 * MPEG-2 transport stream packets (ISO/IEC 13818-1 §2.4.3): 188-octet packets with sync byte 0x47, PAT and PMT
 * sections (§2.4.4) with their CRC-32, and PES packets (§2.4.3.6) cut into packets per PID with continuity counters,
 * a PCR in the adaptation field where asked, and adaptation-field stuffing to fill the last packet of a PES.
 *
 * Hand-written: no maintained TypeScript MPEG-TS muxer exists on npm (mux.js transmuxes the other way, TS → fMP4),
 * and the subset HLS needs is small. Timestamps are 90 kHz ticks, taken modulo 2^33 as the 33-bit fields carry them.
 */

export const TS_PACKET_SIZE = 188;
export const SYNC_BYTE = 0x47;
export const PAT_PID = 0x0000;
/** ffmpeg's defaults, which players and tools expect to see. */
export const PMT_PID = 0x1000;
export const PROGRAM_NUMBER = 1;

const PAYLOAD_SIZE = TS_PACKET_SIZE - 4;
const PTS_MODULO = 2 ** 33;

/** ISO/IEC 13818-1 stream_type values (Table 2-34) for what KVS carries. */
export const STREAM_TYPE = { AAC_ADTS: 0x0f, H264: 0x1b, H265: 0x24 } as const;

export interface PmtStream {
  streamType: number;
  pid: number;
}

/** 33-bit wrap of a 90 kHz tick count (negative values wrap too). */
export function wrap33(ticks: number): number {
  const t = Math.round(ticks) % PTS_MODULO;
  return t < 0 ? t + PTS_MODULO : t;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC-32/MPEG-2 (Annex A): polynomial 0x04C11DB7, initial 0xFFFFFFFF, no reflection, no final xor. */
export function crc32Mpeg2(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]) >>> 0;
  return crc >>> 0;
}

/** A PSI section: `body` (from table_id_extension on), wrapped with table_id, section_length and CRC. */
function section(tableId: number, tableIdExtension: number, body: number[]): Uint8Array {
  // section_length counts from after itself: extension(2) + version/current(1) + numbers(2) + body + CRC(4).
  const length = 5 + body.length + 4;
  const out = new Uint8Array(3 + length);
  const head = [tableId, 0xb0 | (length >> 8), length & 0xff, tableIdExtension >> 8, tableIdExtension & 0xff, 0xc1, 0, 0, ...body];
  out.set(head);
  const crc = crc32Mpeg2(out.subarray(0, head.length));
  out.set([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff], head.length);
  return out;
}

/** program_association_section: program 1 at PMT_PID. */
export function patSection(): Uint8Array {
  return section(0x00, 1, [PROGRAM_NUMBER >> 8, PROGRAM_NUMBER & 0xff, 0xe0 | (PMT_PID >> 8), PMT_PID & 0xff]);
}

/** TS_program_map_section: the PCR on `pcrPid`, one elementary stream per entry, no descriptors. */
export function pmtSection(pcrPid: number, streams: readonly PmtStream[]): Uint8Array {
  const body = [0xe0 | (pcrPid >> 8), pcrPid & 0xff, 0xf0, 0x00];
  for (const s of streams) body.push(s.streamType, 0xe0 | (s.pid >> 8), s.pid & 0xff, 0xf0, 0x00);
  return section(0x02, PROGRAM_NUMBER, body);
}

/** The 5-octet PTS/DTS field (§2.4.3.7): 4-bit prefix, 33 bits split 3/15/15, each part followed by a marker bit. */
export function writeTimestamp(out: Uint8Array, at: number, prefix: number, ticks: number): void {
  const t = wrap33(ticks);
  const high = Math.floor(t / 2 ** 30); // bits 32..30
  const low30 = t % 2 ** 30;
  out[at] = (prefix << 4) | (high << 1) | 1;
  const mid = (low30 >>> 15) & 0x7fff;
  out[at + 1] = mid >> 7;
  out[at + 2] = ((mid & 0x7f) << 1) | 1;
  const low = low30 & 0x7fff;
  out[at + 3] = low >> 7;
  out[at + 4] = ((low & 0x7f) << 1) | 1;
}

/**
 * PES header (§2.4.3.6) for `payloadLength` octets of elementary stream data: PTS only, or PTS and DTS when they
 * differ. PES_packet_length is 0 ("unbounded", allowed for video only) when the packet would not fit 16 bits.
 */
export function pesHeader(streamId: number, payloadLength: number, pts: number, dts?: number): Uint8Array {
  const withDts = dts !== undefined && wrap33(dts) !== wrap33(pts);
  const headerDataLength = withDts ? 10 : 5;
  const out = new Uint8Array(9 + headerDataLength);
  const packetLength = 3 + headerDataLength + payloadLength;
  out.set([0, 0, 1, streamId]);
  const bounded = packetLength <= 0xffff;
  out[4] = bounded ? packetLength >> 8 : 0;
  out[5] = bounded ? packetLength & 0xff : 0;
  out[6] = 0x84; // '10', not scrambled, no priority, data_alignment_indicator = 1
  out[7] = withDts ? 0xc0 : 0x80;
  out[8] = headerDataLength;
  writeTimestamp(out, 9, withDts ? 0x3 : 0x2, pts);
  if (withDts) writeTimestamp(out, 14, 0x1, dts);
  return out;
}

export interface PacketOptions {
  /** program_clock_reference (27 MHz clock as base × 300 + extension; base given in 90 kHz ticks). */
  pcr?: number;
  /** random_access_indicator: the PES starts a point a decoder can start from (a keyframe). */
  randomAccess?: boolean;
  /**
   * Spread the PES over enough packets (fewer payload octets each, the rest stuffing) that the PID's continuity
   * counter ends back at 0: a segment written this way continues any other that was, CC-wise.
   */
  alignCounter?: boolean;
}

/** Writes TS packets into a growing buffer; one continuity counter per PID, for the life of the writer. */
export class TsPacketWriter {
  private buf: Uint8Array;
  private length = 0;
  private readonly counters = new Map<number, number>();

  constructor(expectedBytes = 64 * TS_PACKET_SIZE) {
    this.buf = new Uint8Array(Math.max(TS_PACKET_SIZE, Math.ceil(expectedBytes / TS_PACKET_SIZE) * TS_PACKET_SIZE));
  }

  /** A PSI section in one packet (PAT and PMT fit), pointer_field 0, the rest 0xFF. */
  writeSection(pid: number, sectionBytes: Uint8Array): void {
    const p = this.packet(pid, true, 0, {});
    this.buf[p] = 0; // pointer_field
    this.buf.set(sectionBytes, p + 1);
    this.buf.fill(0xff, p + 1 + sectionBytes.length, this.length);
  }

  /** One PES packet (header + payload parts) cut into as many TS packets as it takes. */
  writePes(pid: number, header: Uint8Array, parts: readonly Uint8Array[], opts: PacketOptions = {}): void {
    const chunks = [header, ...parts];
    let total = 0;
    for (const c of chunks) total += c.length;
    let packets = opts.alignCounter ? this.alignedPacketCount(pid, total, adaptationFieldLength(opts)) : 0;
    let chunk = 0;
    let offset = 0;
    let first = true;
    while (total > 0) {
      const adaptation = first ? adaptationFieldLength(opts) : 0;
      const room = PAYLOAD_SIZE - adaptation;
      // Leave at least one octet for each packet still owed; fill a short packet with adaptation-field stuffing.
      packets--;
      let n = Math.min(room, total - Math.max(0, packets));
      const p = this.packet(pid, first, adaptation + (room - n), first ? opts : {});
      let at = p;
      total -= n;
      while (n > 0) {
        const c = chunks[chunk];
        const take = Math.min(n, c.length - offset);
        this.buf.set(c.subarray(offset, offset + take), at);
        at += take;
        n -= take;
        offset += take;
        if (offset === c.length) {
          chunk++;
          offset = 0;
        }
      }
      first = false;
    }
  }

  /** Continuity counter the next packet of `pid` gets. */
  counter(pid: number): number {
    return this.counters.get(pid) ?? 0;
  }

  /** Packets for `total` PES octets that end `pid`'s counter at 0 (the natural count when the octets do not suffice). */
  private alignedPacketCount(pid: number, total: number, firstAdaptation: number): number {
    const firstRoom = PAYLOAD_SIZE - firstAdaptation;
    const natural = total <= firstRoom ? 1 : 1 + Math.ceil((total - firstRoom) / PAYLOAD_SIZE);
    const aligned = natural + ((16 - ((this.counter(pid) + natural) % 16)) % 16);
    return aligned <= total ? aligned : natural;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /**
   * Appends a packet header with an adaptation field of `adaptationBytes` octets (length byte included; 0 = none)
   * and returns where the payload starts.
   */
  private packet(pid: number, unitStart: boolean, adaptationBytes: number, opts: PacketOptions): number {
    this.reserve(TS_PACKET_SIZE);
    const b = this.buf;
    const p = this.length;
    this.length += TS_PACKET_SIZE;
    const cc = this.counters.get(pid) ?? 0;
    this.counters.set(pid, (cc + 1) & 0x0f);
    b[p] = SYNC_BYTE;
    b[p + 1] = (unitStart ? 0x40 : 0) | (pid >> 8);
    b[p + 2] = pid & 0xff;
    b[p + 3] = (adaptationBytes > 0 ? 0x30 : 0x10) | cc;
    if (adaptationBytes === 0) return p + 4;
    const af = p + 4;
    b[af] = adaptationBytes - 1;
    if (adaptationBytes === 1) return af + 1;
    let at = af + 2;
    b[af + 1] = (opts.randomAccess ? 0x40 : 0) | (opts.pcr !== undefined ? 0x10 : 0);
    if (opts.pcr !== undefined) {
      writePcr(b, at, opts.pcr);
      at += 6;
    }
    b.fill(0xff, at, af + adaptationBytes);
    return af + adaptationBytes;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}

/** Octets of the adaptation field (length byte included) a PES's first packet needs for `opts`. */
function adaptationFieldLength(opts: PacketOptions): number {
  if (opts.pcr === undefined && !opts.randomAccess) return 0;
  return 2 + (opts.pcr !== undefined ? 6 : 0);
}

/** PCR (§2.4.3.5): 33-bit base, 6 reserved bits, 9-bit extension (0: the base is exact at 90 kHz). */
function writePcr(b: Uint8Array, at: number, base90k: number): void {
  const base = wrap33(base90k);
  const high32 = Math.floor(base / 2);
  b[at] = high32 >>> 24;
  b[at + 1] = (high32 >>> 16) & 0xff;
  b[at + 2] = (high32 >>> 8) & 0xff;
  b[at + 3] = high32 & 0xff;
  b[at + 4] = ((base % 2) << 7) | 0x7e;
  b[at + 5] = 0;
}
