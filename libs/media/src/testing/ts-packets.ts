/**
 * Test-only: reads an MPEG-TS byte string back into packets and PES packets (ISO/IEC 13818-1 §2.4.3), independently
 * of the writer, so the muxer's specs check field values rather than round-trip their own encoder.
 */

export interface TsPacket {
  pid: number;
  unitStart: boolean;
  cc: number;
  hasPayload: boolean;
  /** Adaptation field octets after its length byte (empty when absent or of length 0). */
  adaptation: Uint8Array;
  adaptationLength: number;
  payload: Uint8Array;
}

export interface Pes {
  pid: number;
  streamId: number;
  /** PES_packet_length as written. */
  packetLength: number;
  /** Octets of the whole PES after the PES_packet_length field. */
  actualLength: number;
  pts?: number;
  dts?: number;
  data: Uint8Array;
  /** PCR base (90 kHz) of the PES's first packet, when it has one. */
  pcr?: number;
  randomAccess: boolean;
}

export function tsPackets(ts: Uint8Array): TsPacket[] {
  if (ts.length % 188 !== 0) throw new Error(`${ts.length} is not a multiple of 188`);
  const out: TsPacket[] = [];
  for (let p = 0; p < ts.length; p += 188) {
    const b = ts.subarray(p, p + 188);
    if (b[0] !== 0x47) throw new Error(`no sync byte at ${p}`);
    const afc = (b[3] >> 4) & 3;
    let at = 4;
    let adaptation: Uint8Array = new Uint8Array(0);
    let adaptationLength = -1;
    if (afc & 2) {
      adaptationLength = b[4];
      adaptation = b.subarray(5, 5 + adaptationLength);
      at = 5 + adaptationLength;
    }
    out.push({
      pid: ((b[1] & 0x1f) << 8) | b[2],
      unitStart: (b[1] & 0x40) !== 0,
      cc: b[3] & 0x0f,
      hasPayload: (afc & 1) !== 0,
      adaptation,
      adaptationLength,
      payload: afc & 1 ? b.subarray(at) : new Uint8Array(0),
    });
  }
  return out;
}

export function readTimestamp(b: Uint8Array, at: number): number {
  return ((b[at] >> 1) & 7) * 2 ** 30 + ((b[at + 1] << 7) | (b[at + 2] >> 1)) * 2 ** 15 + ((b[at + 3] << 7) | (b[at + 4] >> 1));
}

function pcrOf(adaptation: Uint8Array): number | undefined {
  if (adaptation.length < 7 || (adaptation[0] & 0x10) === 0) return undefined;
  const a = adaptation;
  return ((a[1] << 24) >>> 0) * 2 + ((a[2] << 16) | (a[3] << 8) | a[4]) * 2 + (a[5] >> 7);
}

/** PES packets of every PID, in the order they start (packets of PIDs 0 and 0x1000 — PSI — are skipped). */
export function tsPesPackets(ts: Uint8Array): Pes[] {
  const out: Pes[] = [];
  const open = new Map<number, { chunks: Uint8Array[]; first: TsPacket; slot: number }>();
  const close = (pid: number): void => {
    const o = open.get(pid);
    if (!o) return;
    const all = Buffer.concat(o.chunks);
    const flags = all[7];
    const headerLength = all[8];
    const pes: Pes = {
      pid,
      streamId: all[3],
      packetLength: (all[4] << 8) | all[5],
      actualLength: all.length - 6,
      data: all.subarray(9 + headerLength),
      randomAccess: o.first.adaptation.length > 0 && (o.first.adaptation[0] & 0x40) !== 0,
    };
    if (flags & 0x80) pes.pts = readTimestamp(all, 9);
    if (flags & 0x40) pes.dts = readTimestamp(all, 14);
    const pcr = pcrOf(o.first.adaptation);
    if (pcr !== undefined) pes.pcr = pcr;
    out[o.slot] = pes;
    open.delete(pid);
  };
  for (const p of tsPackets(ts)) {
    if (p.pid === 0 || p.pid === 0x1000) continue;
    if (p.unitStart) {
      close(p.pid);
      open.set(p.pid, { chunks: [], first: p, slot: out.length });
      out.length++;
    }
    open.get(p.pid)?.chunks.push(p.payload);
  }
  for (const pid of [...open.keys()]) close(pid);
  return out;
}
