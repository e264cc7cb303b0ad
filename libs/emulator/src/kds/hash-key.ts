/**
 * Partition key → 128-bit hash key: MD5 of the key's UTF-8 bytes read as an unsigned big-endian integer
 * (PutRecord API reference; kinesalite partitionKeyToHashKey). Hash ranges are inclusive decimal strings.
 */
import * as crypto from 'node:crypto';

export const MAX_HASH_KEY = (1n << 128n) - 1n;

/**
 * MD5 of a string's UTF-8 bytes in hex. The one-shot `crypto.hash` (Node ≥ 20.12) costs half of a
 * createHash().update().digest() round, and PutRecords hashes every key; older Node 20 falls back.
 */
const md5Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('md5', text, 'hex')
    : (text) => crypto.createHash('md5').update(text, 'utf8').digest('hex');

export function hashKeyOf(partitionKey: string): bigint {
  return BigInt('0x' + md5Hex(partitionKey));
}

/** `count` equal ranges over [0, 2^128 − 1]; the last one absorbs the remainder (as the service does). */
export function evenHashRanges(count: number): Array<{ start: bigint; end: bigint }> {
  const width = (MAX_HASH_KEY + 1n) / BigInt(count);
  const ranges: Array<{ start: bigint; end: bigint }> = [];
  for (let i = 0; i < count; i++) {
    const start = BigInt(i) * width;
    ranges.push({ start, end: i === count - 1 ? MAX_HASH_KEY : start + width - 1n });
  }
  return ranges;
}
