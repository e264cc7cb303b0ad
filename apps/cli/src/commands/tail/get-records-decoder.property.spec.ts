/**
 * The GetRecords decoder parses bytes from outside (an endpoint's answer), so its rule is checked over arbitrary
 * answers rather than examples: for any body, either the decoder gives exactly what the SDK's own deserializer
 * gives (a KinesisClient of the SDK, fed the same bytes as the HTTP answer), or it hands the body over
 * (undefined). Never a different result, and never a result where the SDK refuses the body.
 *
 * The bodies are GetRecords answers encoded as a JSON 1.1 service may write them: members in any order, optional
 * members absent, whitespace between tokens, strings with escapes where JSON allows them (\uXXXX for any
 * character, \/ for a slash), non-ASCII and astral partition keys, binary data of any length, timestamps written
 * with or without a fraction or an exponent (Jackson writes 1.796633133927E9), ChildShards at a shard's end, and
 * then the same bodies cut short or with one byte changed.
 *
 * The SDK's deserializer runs inside a real KinesisClient; only its HTTP handler is replaced, by one that answers
 * the given bytes (the decode is what is under test here; get-records-protocol.int.spec.ts does the same over the
 * emulator's sockets).
 */
import { GetRecordsCommand, KinesisClient, type GetRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import fc from 'fast-check';
import { bodyOffsetsOf, decodeGetRecordsBody, type DecodedGetRecords } from './get-records-decoder';

let nextBody: Uint8Array = new Uint8Array();

const sdk = new KinesisClient({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
  requestHandler: {
    handle: async () => ({
      // The shape of @smithy/protocol-http's HttpResponse (the SDK checks it by shape).
      response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'r' }, body: nextBody },
    }),
  },
});

afterAll(() => sdk.destroy());

/** What the SDK makes of `body`, without $metadata; or 'refused' when it throws. */
async function sdkReading(body: Uint8Array): Promise<Omit<GetRecordsCommandOutput, '$metadata'> | 'refused'> {
  nextBody = body;
  try {
    const { $metadata: _metadata, ...rest } = await sdk.send(new GetRecordsCommand({ ShardIterator: 'x' }));
    return rest;
  } catch {
    return 'refused';
  }
}

/** A JSON text of `value` with the writer's choices: whitespace, escapes, number forms. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json } | RawNumber;
class RawNumber {
  constructor(readonly text: string) {}
}

interface Style {
  /** Whitespace put between tokens (each token gap picks from it). */
  spaces: string[];
  /** Characters written as \uXXXX: none, non-ASCII only, or every one. */
  escape: 'none' | 'non-ascii' | 'all';
  escapeSlash: boolean;
}

function writeString(s: string, style: Style): string {
  let out = '"';
  // Per UTF-16 unit: a pair written as two literal units is one character again; escaped, it is \uD83D\uDE00.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const u = `\\u${c.toString(16).padStart(4, '0')}`;
    if (style.escape === 'all') out += u;
    else if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c < 0x20) out += u;
    else if (c === 0x2f && style.escapeSlash) out += '\\/';
    else if (style.escape === 'non-ascii' && c > 0x7e) out += u;
    else out += s[i];
  }
  return out + '"';
}

function writeJson(value: Json, style: Style, gap: () => string): string {
  if (value instanceof RawNumber) return value.text;
  if (typeof value === 'string') return writeString(value, style);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${gap()}${value.map((v) => writeJson(v, style, gap)).join(`${gap()},${gap()}`)}${gap()}]`;
  const members = Object.entries(value).map(([k, v]) => `${writeString(k, style)}${gap()}:${gap()}${writeJson(v, style, gap)}`);
  return `{${gap()}${members.join(`${gap()},${gap()}`)}${gap()}}`;
}

/** Epoch seconds with millisecond precision (what Kinesis keeps), written in one of the forms JSON writers use. */
const timestampArb = fc
  .tuple(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constantFrom('fixed', 'exponent', 'upper-exponent', 'extra-digits'), fc.stringMatching(/^[0-9]{1,4}$/))
  .map(([ms, form, extra]) => {
    const seconds = ms / 1000;
    switch (form) {
      case 'fixed':
        return new RawNumber(String(seconds));
      case 'exponent':
        return new RawNumber(seconds.toExponential());
      case 'upper-exponent':
        return new RawNumber(seconds.toExponential().toUpperCase().replace('E+', 'E'));
      default:
        // More digits than milliseconds: the SDK rounds to the nearest millisecond.
        return new RawNumber(`${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}${extra}`);
    }
  });

const partitionKeyArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
  fc.constantFrom('sensor-1', 'a/b', 'quote"back\\slash', 'ключ', '\u2028\u2029', '\ud83d\ude00'),
);

const recordArb = fc
  .record(
    {
      SequenceNumber: fc.bigInt({ min: 0n, max: 10n ** 56n }).map((n) => n.toString()),
      ApproximateArrivalTimestamp: timestampArb,
      Data: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64')),
      PartitionKey: partitionKeyArb,
      EncryptionType: fc.constantFrom('KMS', 'NONE'),
    },
    { requiredKeys: ['SequenceNumber', 'ApproximateArrivalTimestamp', 'Data', 'PartitionKey'] },
  )
  .chain((r) => fc.shuffledSubarray(Object.keys(r), { minLength: Object.keys(r).length }).map((order) => Object.fromEntries(order.map((k) => [k, r[k as keyof typeof r] as Json]))));

const childShardsArb = fc.array(
  fc.record({ ShardId: fc.constantFrom('shardId-000000000001', 'shardId-000000000002'), ParentShards: fc.constant(['shardId-000000000000'] as Json[]), HashKeyRange: fc.constant({ StartingHashKey: '0', EndingHashKey: '1' } as Json) }),
  { minLength: 1, maxLength: 2 },
);

/** An answer's members in any order; `withChildShards` adds the member of a shard's last answer. */
function bodyArb(withChildShards: boolean): fc.Arbitrary<{ [key: string]: Json }> {
  return fc
    .record(
      {
        Records: fc.array(recordArb, { maxLength: 12 }),
        NextShardIterator: fc.string({ minLength: 1, maxLength: 60 }),
        MillisBehindLatest: fc.nat({ max: 86_400_000 }),
        ...(withChildShards ? { ChildShards: childShardsArb } : {}),
      },
      { requiredKeys: [] },
    )
    .chain((body) => fc.shuffledSubarray(Object.keys(body), { minLength: Object.keys(body).length }).map((order) => Object.fromEntries(order.map((k) => [k, body[k as keyof typeof body] as Json]))));
}

const styleArb: fc.Arbitrary<Style> = fc.record({
  spaces: fc.constantFrom([''], ['', ' '], ['', '\n', '\t', '\r\n  ']),
  escape: fc.constantFrom<Style['escape']>('none', 'none', 'non-ascii', 'all'),
  escapeSlash: fc.boolean(),
});

/** A body as bytes, written in `styles`. */
function encodedArb(withChildShards: boolean, styles: fc.Arbitrary<Style>): fc.Arbitrary<Buffer> {
  return fc.tuple(bodyArb(withChildShards), styles, fc.infiniteStream(fc.nat())).map(([body, style, picks]) => {
    const it = picks[Symbol.iterator]();
    const gap = (): string => style.spaces[(it.next().value as number) % style.spaces.length];
    return Buffer.from(`${gap()}${writeJson(body, style, gap)}${gap()}`, 'utf8');
  });
}

/** As AWS and the emulator write: escapes only where JSON requires them; any whitespace. */
const awsStyleArb: fc.Arbitrary<Style> = styleArb.map((style) => ({ ...style, escape: 'none', escapeSlash: false }));

/** The decoder's result must be the SDK's, or undefined; it must be undefined whenever the SDK refuses. */
async function agreesWithSdk(body: Uint8Array): Promise<DecodedGetRecords | undefined> {
  const decoded = decodeGetRecordsBody(body);
  const expected = await sdkReading(body);
  if (decoded !== undefined) {
    expect(expected).not.toBe('refused');
    expect(decoded).toEqual(expected);
    checkOffsets(decoded);
  }
  return decoded;
}

/** Where bodyOffsetsOf says a record's sequence number or key sits, the body's bytes are exactly that text. */
function checkOffsets(decoded: DecodedGetRecords): void {
  if (!decoded.Records) return;
  const found = bodyOffsetsOf(decoded.Records);
  expect(found).toBeDefined();
  if (!found) return;
  decoded.Records.forEach((r, i) => {
    const [seqStart, seqEnd, keyStart, keyEnd] = found.offsets.subarray(4 * i, 4 * i + 4);
    if (seqStart >= 0) expect(Buffer.from(found.body.subarray(seqStart, seqEnd)).toString('latin1')).toBe(r.SequenceNumber);
    if (keyStart >= 0) expect(Buffer.from(found.body.subarray(keyStart, keyEnd)).toString('latin1')).toBe(r.PartitionKey);
  });
}

describe('decodeGetRecordsBody against the SDK deserializer, over arbitrary answers', () => {
  it('reads every answer written as AWS writes it (no ChildShards) exactly as the SDK does', async () => {
    await fc.assert(
      fc.asyncProperty(encodedArb(false, awsStyleArb), async (body) => {
        // Not handed over: this is the hot path's whole point.
        expect(await agreesWithSdk(body)).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it('reads any answer, in any JSON writer style, as the SDK does, or hands it over; ChildShards always handed over', async () => {
    await fc.assert(
      fc.asyncProperty(encodedArb(true, styleArb), async (body) => {
        const decoded = await agreesWithSdk(body);
        if (body.includes('ChildShards')) expect(decoded).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('never differs from the SDK on a body cut short or with one byte changed', async () => {
    await fc.assert(
      fc.asyncProperty(encodedArb(false, styleArb), fc.nat(), fc.nat({ max: 255 }), fc.boolean(), async (body, at, byte, cut) => {
        const changed = Buffer.from(body);
        if (cut) await agreesWithSdk(changed.subarray(0, at % (changed.length + 1)));
        else {
          changed[at % changed.length] = byte;
          await agreesWithSdk(changed);
        }
      }),
      { numRuns: 400 },
    );
  });
});
