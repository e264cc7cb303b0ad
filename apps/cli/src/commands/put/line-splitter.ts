/**
 * Lines of an input as records: bytes split at `\n` (a `\r` before it is dropped, so files from Windows give the
 * same records), each with its 1-based line number for the failure report. Bytes, not strings: a line that is
 * not UTF-8 is sent as it is. An empty line is counted, not sent (Kinesis data may be empty, but a blank line
 * at the end of a file is almost never meant as a record). Pure over an AsyncIterable of chunks.
 */

export interface InputLine {
  /** 1-based, per source. */
  lineNumber: number;
  data: Buffer;
}

export async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<InputLine | { empty: number }> {
  let pending: Buffer = Buffer.alloc(0);
  let lineNumber = 0;
  for await (const chunk of chunks) {
    let buffer = pending.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([pending, chunk]);
    let start = 0;
    for (let nl = buffer.indexOf(0x0a, start); nl !== -1; nl = buffer.indexOf(0x0a, start)) {
      lineNumber++;
      const end = nl > start && buffer[nl - 1] === 0x0d ? nl - 1 : nl;
      // A copy: the chunk's memory may be reused by the stream, and the producer keeps data until it is acked.
      yield end === start ? { empty: lineNumber } : { lineNumber, data: Buffer.from(buffer.subarray(start, end)) };
      start = nl + 1;
    }
    buffer = buffer.subarray(start);
    pending = buffer;
  }
  if (pending.length > 0) {
    lineNumber++;
    const end = pending[pending.length - 1] === 0x0d ? pending.length - 1 : pending.length;
    yield end === 0 ? { empty: lineNumber } : { lineNumber, data: Buffer.from(pending.subarray(0, end)) };
  }
}

export function isLine(item: InputLine | { empty: number }): item is InputLine {
  return 'data' in item;
}
