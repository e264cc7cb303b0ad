/**
 * Fuzz inputs for the ingest API's body reading (issue 12): a Content-Type header (the accepted media types with
 * and without charsets, near misses, names an object literal answers to) and a body (envelopes as JSON or NDJSON
 * batches, mutated, with blank lines, CRLF, BOMs, bytes that are not UTF-8, arrays, noise) through bodyFormatOf and
 * parseTelemetryBody. Shared by the property spec and the soak bench, which runs this app's target in a child
 * process (tools may not import apps; testing/ingest-body-fuzz-soak.ts).
 *
 * The properties: the body is read into items (each a value or worded issues) or refused with an IngestError
 * whose status is a 4xx (the API answers it as problem JSON), and the format is one of the two the API knows.
 */
import fc from 'fast-check';
import { mutatedBytes, type FuzzTarget } from '@tributary/runtime/testing';
import { telemetryEnvelopeArbitrary } from '@tributary/schemas/testing';
import { INGEST_ERROR_CLASSES, IngestError } from './ingest-error';
import { bodyFormatOf, parseTelemetryBody } from './telemetry-body-parser';

export interface IngestBodyInput {
  contentType: string | undefined;
  body: Uint8Array;
}

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/x-ndjson',
    'application/ndjson',
    'application/jsonl',
    'Application/JSON; charset=UTF-8',
    'application/x-ndjson;charset="utf8"',
    'application/json; charset=latin1',
    'text/plain',
    '',
    ';',
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
  ),
  fc.string({ maxLength: 30 }),
  fc.constant(undefined),
);

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const envelopeLine = telemetryEnvelopeArbitrary.map((e) => JSON.stringify(e));
const body = fc.oneof(
  { weight: 2, arbitrary: envelopeLine.map(utf8) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.tuple(fc.oneof(envelopeLine, fc.constantFrom('', '   ', '{', '[1,2]', 'null', '"x"', '\uFEFF{}')), fc.constantFrom('\n', '\r\n')), { maxLength: 6 })
      .map((lines) => utf8(lines.map(([l, e]) => l + e).join(''))),
  },
  { weight: 3, arbitrary: mutatedBytes(fc.array(envelopeLine, { minLength: 1, maxLength: 4 }).map((ls) => utf8(ls.join('\n')))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 128 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => utf8(JSON.stringify(v))) },
);

export const ingestBodyInputArbitrary: fc.Arbitrary<IngestBodyInput> = fc.record({ contentType, body });

export const ingestBodyFuzzTarget: FuzzTarget<IngestBodyInput> = {
  name: 'ingest-body',
  arbitrary: ingestBodyInputArbitrary,
  run({ contentType, body }) {
    const format = bodyFormatOf(contentType);
    if (format !== 'json' && format !== 'ndjson') throw new Error(`bodyFormatOf(${JSON.stringify(contentType)}) gave ${String(format)}`);
    const items = parseTelemetryBody(body, format);
    if (items.length === 0) throw new Error('no items and no refusal');
    for (const it of items) if (!it.ok && it.errors.length === 0) throw new Error(`item ${it.index} refused without issues`);
  },
  isTypedRejection: (err) => err instanceof IngestError && INGEST_ERROR_CLASSES[err.code].status >= 400 && INGEST_ERROR_CLASSES[err.code].status < 500,
};
