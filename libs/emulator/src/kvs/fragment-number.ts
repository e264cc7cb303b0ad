/**
 * Kinesis Video fragment numbers (kvs-reference.md §3.6): decimal strings of 47 digits, strictly increasing in
 * ingestion order, not contiguous. Five consecutive real numbers decode as the 157-bit layout
 *
 *   bit 156        1 (so every number has 47 digits)
 *   bits 92..155   per-stream sequence, +1 per fragment
 *   bits 28..91    server timestamp of the fragment, epoch ms
 *   bits 0..27     28 bits that vary (random here)
 *
 * The emulator issues numbers of that layout (the sequence is the fragment's ordinal in the stream's log, so they
 * increase even if the clock steps back). Clients must treat them as opaque and compare them as big integers.
 */
export const FRAGMENT_NUMBER_BITS = 157;

export function makeFragmentNumber(sequence: number, serverTimestampMs: number, random28: number): bigint {
  return (
    (1n << 156n) |
    (BigInt(sequence) << 92n) |
    (BigInt(Math.max(0, Math.floor(serverTimestampMs))) << 28n) |
    BigInt(Math.floor(random28) & 0xfffffff)
  );
}

/** The sequence and server timestamp of a number of that layout, or undefined for any other number. */
export function decodeFragmentNumber(text: string): { sequence: number; serverTimestampMs: number } | undefined {
  if (!/^[0-9]{1,128}$/.test(text)) return undefined;
  const n = BigInt(text);
  if (n >> 156n !== 1n) return undefined;
  return {
    sequence: Number((n >> 92n) & ((1n << 64n) - 1n)),
    serverTimestampMs: Number((n >> 28n) & ((1n << 64n) - 1n)),
  };
}
