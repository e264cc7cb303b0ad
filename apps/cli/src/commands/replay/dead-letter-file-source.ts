/**
 * Entries of a dead-letter file: the NDJSON the consumer's FileDeadLetterSink appends (one envelope per line,
 * dead-letter-envelope.ts in @tributary/kinesis-consumer), read as a stream so a large file is not held in memory.
 */
import { createReadStream } from 'node:fs';
import { isLine, splitLines } from '../put/line-splitter';
import { entryOfDeadLetterLine, type ReplayEntry } from './replay-item';

export async function* readDeadLetterFile(filePath: string, onBytes: (n: number) => void = () => undefined): AsyncGenerator<ReplayEntry> {
  const name = filePath;
  for await (const line of splitLines(counted(createReadStream(filePath), onBytes))) {
    if (!isLine(line)) continue;
    yield entryOfDeadLetterLine(line.data.toString('utf8'), `${name}:${line.lineNumber}`);
  }
}

async function* counted(chunks: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    onBytes(chunk.length);
    yield chunk;
  }
}
