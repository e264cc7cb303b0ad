/**
 * Reads complete lines from an offset, bounded: at most `maxBytes` per read, and the chunk ends after the last
 * '\n' read, so a partial last line stays in the file until its newline arrives and is read again then (re-reading
 * a partial line costs less than keeping a carry buffer per file alive while the file idles). A single line longer
 * than `maxBytes` cannot wait for its newline without unbounded memory: it is returned in pieces flagged
 * `continuesLine` (tailer-types.ts).
 */
import type { FileHandle } from 'node:fs/promises';

export type LineRead =
  /** Complete lines: `bytes` ends with '\n'. */
  | { kind: 'lines'; bytes: Buffer; endOffset: number }
  /** A piece of one line longer than maxBytes (no '\n' in it). */
  | { kind: 'long-line'; bytes: Buffer; endOffset: number }
  /** Bytes without a newline, fewer than maxBytes: the last line is still being written. */
  | { kind: 'partial'; pending: number }
  /** Nothing past the offset. */
  | { kind: 'eof' };

export async function readLines(handle: FileHandle, offset: number, maxBytes: number, available: number): Promise<LineRead> {
  const want = Math.min(maxBytes, available);
  if (want <= 0) return { kind: 'eof' };
  const buffer = Buffer.allocUnsafe(want);
  let filled = 0;
  while (filled < want) {
    const { bytesRead } = await handle.read(buffer, filled, want - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled === 0) return { kind: 'eof' };
  const lastNewline = buffer.lastIndexOf(0x0a, filled - 1);
  if (lastNewline >= 0) {
    const bytes = copyOut(buffer, lastNewline + 1);
    return { kind: 'lines', bytes, endOffset: offset + bytes.length };
  }
  if (filled === maxBytes) return { kind: 'long-line', bytes: buffer, endOffset: offset + filled };
  return { kind: 'partial', pending: filled };
}

/**
 * A chunk that keeps most of the read buffer is handed over as a view; a small one is copied, so the large
 * buffer is not kept alive by a few lines downstream.
 */
export function copyOut(buffer: Buffer, length: number): Buffer {
  return length * 2 >= buffer.length ? buffer.subarray(0, length) : Buffer.from(buffer.subarray(0, length));
}

/**
 * The offset just after the last '\n' in the last `window` bytes before `size`, for END_OF_FILE: starting there
 * rather than at the size sends the line being written when the agent started whole instead of its tail.
 * Falls back to `size` when the window holds no newline.
 */
export async function lastLineStart(handle: FileHandle, size: number, window: number): Promise<number> {
  const from = Math.max(0, size - window);
  const buffer = Buffer.allocUnsafe(size - from);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
  const lastNewline = buffer.lastIndexOf(0x0a, bytesRead - 1);
  if (lastNewline < 0) return from === 0 ? 0 : size;
  return from + lastNewline + 1;
}
