// Property-based test of the ingest API's body reader with its Content-Encoding decoding (issue 12, item 10 and
// "Fuzzing"): any coding header and any bytes give the decoded body or a typed IngestError (400, 413, 415), never
// another error; what was compressed with an accepted coding reads back as it was sent, in any chunking.
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { chunkCuts, mutatedBytes, splitAt } from '@tributary/runtime/testing';
import { IngestError } from './ingest-error';
import { readRequestBody } from './request-body-reader';

const LIMIT = 4096;

const ENCODERS: Record<string, (b: Buffer) => Buffer> = {
  identity: (b) => b,
  gzip: (b) => zlib.gzipSync(b),
  'x-gzip': (b) => zlib.gzipSync(b),
  deflate: (b) => zlib.deflateSync(b),
  br: (b) => zlib.brotliCompressSync(b),
};

/** The reader fed `chunks` as a request with `coding`: the body, or what it rejected with. */
async function read(coding: string | undefined, chunks: readonly Uint8Array[]): Promise<Buffer | unknown> {
  const req = Object.assign(new PassThrough(), { headers: coding === undefined ? {} : { 'content-encoding': coding }, complete: false });
  const result = readRequestBody(req as unknown as IncomingMessage, LIMIT).then(
    (body) => body,
    (err: unknown) => err,
  );
  for (const c of chunks) req.write(c);
  req.end();
  return result;
}

const codingArbitrary = fc.oneof(
  fc.constantFrom(...Object.keys(ENCODERS), 'GZIP', ' br ', 'compress', 'gzip, br', 'constructor', '__proto__', 'toString'),
  fc.string({ maxLength: 12 }),
);

/** Bodies up to a bit over the limit, compressed with one of the accepted codings (not always the declared one). */
const compressedArbitrary: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.constantFrom(...Object.keys(ENCODERS)), fc.uint8Array({ maxLength: LIMIT + 1024 }))
  .map(([c, b]) => new Uint8Array((ENCODERS[c] as (b: Buffer) => Buffer)(Buffer.from(b))));

describe('readRequestBody properties', () => {
  it('any coding header and any bytes (compressed, damaged or noise): a body within the limit or a typed IngestError', async () => {
    await fc.assert(
      fc.asyncProperty(
        codingArbitrary,
        fc.oneof(fc.uint8Array({ maxLength: 512 }), compressedArbitrary, mutatedBytes(compressedArbitrary)),
        chunkCuts,
        async (coding, bytes, cuts) => {
          const out = await read(coding, splitAt(bytes, cuts));
          if (Buffer.isBuffer(out)) {
            expect(out.length).toBeLessThanOrEqual(LIMIT);
          } else {
            expect(out).toBeInstanceOf(IngestError);
            expect([400, 413, 415]).toContain((out as IngestError).status);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a body compressed with an accepted coding reads back as sent, in any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(ENCODERS)), fc.uint8Array({ maxLength: LIMIT }), chunkCuts, async (coding, body, cuts) => {
        const wire = (ENCODERS[coding] as (b: Buffer) => Buffer)(Buffer.from(body));
        const out = await read(coding, splitAt(wire, cuts));
        expect(Buffer.isBuffer(out) && out.equals(Buffer.from(body))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
