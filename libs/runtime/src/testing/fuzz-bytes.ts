/**
 * Byte-level arbitraries every decoder's fuzz target shares: random mutations of a valid encoding (the inputs
 * a flipped bit, a cut connection or a confused peer produce) and random chunkings of one byte string (the reads
 * a socket delivers), for the "same bytes, any chunking, same result" property of incremental decoders.
 */
import fc from 'fast-check';

export type ByteMutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'set'; at: number; value: number };

const mutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  // 0x00 and 0xFF make VINTs invalid or all-ones (unknown size): the interesting values of EBML and varints.
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff) }),
);

/** Applies mutations in order; positions are taken modulo the current length, so every mutation applies. */
export function applyMutations(bytes: Uint8Array, mutations: readonly ByteMutation[]): Uint8Array {
  let out = bytes;
  for (const m of mutations) {
    const n = out.length;
    if (m.kind === 'insert') {
      const at = m.at % (n + 1);
      const next = new Uint8Array(n + m.bytes.length);
      next.set(out.subarray(0, at), 0);
      next.set(m.bytes, at);
      next.set(out.subarray(at), at + m.bytes.length);
      out = next;
      continue;
    }
    if (n === 0) continue;
    const at = m.at % n;
    if (m.kind === 'truncate') out = out.slice(0, at);
    else if (m.kind === 'delete') out = Uint8Array.of(...out.subarray(0, at), ...out.subarray(Math.min(n, at + m.length)));
    else {
      out = out.slice();
      out[at] = m.kind === 'flip' ? out[at] ^ m.xor : m.value;
    }
  }
  return out;
}

/** A valid encoding with 1..`maxMutations` random mutations (never the valid bytes unchanged). */
export function mutatedBytes(valid: fc.Arbitrary<Uint8Array>, maxMutations = 4): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: maxMutations })).map(([bytes, ms]) => applyMutations(bytes, ms));
}

/** Cut points for `splitAt` (any values: they are taken modulo the length). */
export const chunkCuts: fc.Arbitrary<number[]> = fc.array(fc.nat(), { maxLength: 12 });

/** `bytes` cut at `cuts` (modulo its length + 1, sorted, duplicates give empty chunks): views, not copies. */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** Bytes as hex, for comparing decoded values across chunkings. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
