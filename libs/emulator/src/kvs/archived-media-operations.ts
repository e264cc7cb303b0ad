/**
 * Archived media (`@aws-sdk/client-kinesis-video-archived-media`; kvs-reference.md §5.1, §5.2):
 *
 * - ListFragments: fragments whose start (producer or server timestamp, per the selector) lies in
 *   [StartTimestamp, EndTimestamp], both ends included, in ingestion order (the service leaves the order
 *   unspecified), `MaxResults` per page (100 when absent — [unconfirmed]), an opaque NextToken. FragmentSelector is
 *   required unless a NextToken is given. The listing is immediate (the service is eventually consistent).
 * - GetMediaForFragmentList: the listed fragments, in the order asked, each as the chunk GetMedia would send
 *   without MILLIS_BEHIND_NOW and CONTINUATION_TOKEN (tag names per `fragmentListTagNames`). A number that is not
 *   a stored fragment is refused before the 200 with ResourceNotFoundException ([unconfirmed]: the model also
 *   documents in-band exception tags).
 *
 * A stream with DataRetentionInHours 0 answers from its host buffer (the last `hostBufferMs`).
 */
import type { Res } from '../server/http-exchange';
import { parseTimestamp } from '../kds/kds-context';
import type { FragmentEntry } from '../storage/fragment-log';
import { kvsErrors } from './kvs-errors';
import { startStreamedAnswer } from './kvs-http';
import { toEpochSeconds, type KvsEnv, type KvsRequestContext } from './kvs-context';
import { fragmentDocument } from './fragment-document';
import { writeParts } from './get-media';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kvs-shapes.ts

const DEFAULT_LIST_FRAGMENTS_RESULTS = 100;

interface ListFragmentsToken {
  /** Next ordinal to look at. */
  o: number;
  t: 'PRODUCER_TIMESTAMP' | 'SERVER_TIMESTAMP';
  s: number;
  e: number;
}

function fragmentView(e: FragmentEntry): Record<string, unknown> {
  return {
    FragmentNumber: e.fragmentNumberText,
    FragmentSizeInBytes: e.sizeBytes,
    ProducerTimestamp: toEpochSeconds(e.producerTimestampMs),
    ServerTimestamp: toEpochSeconds(e.serverTimestampMs),
    FragmentLengthInMilliseconds: Math.round(e.durationMs),
  };
}

function decodeListToken(text: string): ListFragmentsToken {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as ListFragmentsToken;
    if (Number.isInteger(t.o) && (t.t === 'PRODUCER_TIMESTAMP' || t.t === 'SERVER_TIMESTAMP') && Number.isFinite(t.s) && Number.isFinite(t.e)) return t;
  } catch {
    // falls through to the error below
  }
  throw kvsErrors.invalidArgument('The NextToken is not valid.');
}

export function listFragments(env: KvsEnv, input: In): object {
  const stream = env.registry.find(input);
  env.registry.applyRetention(stream);
  let query: ListFragmentsToken;
  if (input.NextToken !== undefined) query = decodeListToken(input.NextToken);
  else if (input.FragmentSelector !== undefined) {
    const range = input.FragmentSelector.TimestampRange;
    query = { o: 0, t: input.FragmentSelector.FragmentSelectorType, s: parseTimestamp(range.StartTimestamp), e: parseTimestamp(range.EndTimestamp) };
    if (!Number.isFinite(query.s) || !Number.isFinite(query.e)) throw kvsErrors.invalidArgument('The TimestampRange is not valid.');
    if (query.s > query.e) throw kvsErrors.invalidArgument('The StartTimestamp must not be after the EndTimestamp.');
  } else {
    throw kvsErrors.invalidArgument('Specify a FragmentSelector or a NextToken.');
  }
  const limit: number = input.MaxResults ?? DEFAULT_LIST_FRAGMENTS_RESULTS;
  const log = stream.log;
  const key = query.t === 'SERVER_TIMESTAMP' ? 'serverTimestampMs' : 'producerTimestampMs';
  // Server timestamps are ordered: skip straight to the range. Producer timestamps may not be: scan.
  let ordinal = Math.max(query.o, log.firstOrdinal, key === 'serverTimestampMs' ? log.ordinalAtOrAfterServerTime(query.s) : 0);
  const out: FragmentEntry[] = [];
  for (; ordinal < log.length && out.length < limit; ordinal++) {
    const e = log.entry(ordinal);
    if (!e) continue;
    if (key === 'serverTimestampMs' && e.serverTimestampMs > query.e) {
      ordinal = log.length;
      break;
    }
    if (e[key] >= query.s && e[key] <= query.e) out.push(e);
  }
  const more = ordinal < log.length && log.entries().slice(ordinal - log.firstOrdinal).some((e) => e[key] >= query.s && e[key] <= query.e);
  return {
    Fragments: out.map(fragmentView),
    ...(more ? { NextToken: Buffer.from(JSON.stringify({ ...query, o: ordinal })).toString('base64') } : {}),
  };
}

export async function getMediaForFragmentList(env: KvsEnv, input: In, ctx: KvsRequestContext, res: Res): Promise<void> {
  const stream = env.registry.find(input);
  env.registry.applyRetention(stream);
  const numbers = input.Fragments as string[];
  const entries = numbers.map((n) => {
    const e = stream.log.find(n);
    if (!e) throw kvsErrors.resourceNotFound(`The fragment ${n} is not found in the stream ${stream.meta.name}.`);
    return e;
  });
  startStreamedAnswer(res, { 'content-type': 'video/webm', 'x-amzn-requestid': ctx.requestId });
  for (const e of entries) {
    let frame;
    try {
      frame = stream.log.read(e);
    } catch {
      continue; // trimmed by retention since the request began
    }
    if (!(await writeParts(res, fragmentDocument(frame, undefined, env.settings.fragmentListTagNames)))) break;
  }
  if (!res.writableEnded && !res.destroyed) res.end();
}
