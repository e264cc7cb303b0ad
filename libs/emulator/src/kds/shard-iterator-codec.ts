/**
 * Shard iterators are self-describing and signed, so the server keeps no iterator state and an iterator
 * survives an emulator restart (the key lives in the data dir). Layout before base64:
 *
 *   offset  size  field
 *   0       1     version (1)
 *   1       8     issue time, f64 BE epoch ms (expiry: 300 s, kds-reference.md §1.2)
 *   9       8     stream creation time, f64 BE epoch ms (an iterator of a deleted stream stays invalid)
 *   17      4     shard index, u32 BE
 *   21      8     next ordinal to read, f64 BE
 *   29      n     stream name, UTF-8 (≤ 128 bytes)
 *   29+n    16    HMAC-SHA256 of the bytes before it, truncated to 16 bytes
 *
 * At most 173 bytes, 232 base64 characters: inside the API's 1–512.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ShardIteratorState {
  issuedAt: number;
  streamCreatedAt: number;
  shardIndex: number;
  ordinal: number;
  streamName: string;
}

const VERSION = 1;
const MAC_BYTES = 16;

export class ShardIteratorCodec {
  constructor(private readonly key: Uint8Array) {}

  encode(s: ShardIteratorState): string {
    const name = Buffer.from(s.streamName, 'utf8');
    const body = Buffer.allocUnsafe(29 + name.length);
    body.writeUInt8(VERSION, 0);
    body.writeDoubleBE(s.issuedAt, 1);
    body.writeDoubleBE(s.streamCreatedAt, 9);
    body.writeUInt32BE(s.shardIndex, 17);
    body.writeDoubleBE(s.ordinal, 21);
    name.copy(body, 29);
    return Buffer.concat([body, this.mac(body)]).toString('base64');
  }

  /** Undefined when the text is not an iterator we issued (tampered, truncated, foreign). */
  decode(text: string): ShardIteratorState | undefined {
    const raw = Buffer.from(text, 'base64');
    if (raw.length < 29 + MAC_BYTES || raw.readUInt8(0) !== VERSION) return undefined;
    const body = raw.subarray(0, raw.length - MAC_BYTES);
    if (!timingSafeEqual(this.mac(body), raw.subarray(raw.length - MAC_BYTES))) return undefined;
    return {
      issuedAt: body.readDoubleBE(1),
      streamCreatedAt: body.readDoubleBE(9),
      shardIndex: body.readUInt32BE(17),
      ordinal: body.readDoubleBE(21),
      streamName: body.toString('utf8', 29),
    };
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}
