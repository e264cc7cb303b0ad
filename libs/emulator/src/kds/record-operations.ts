/**
 * The data plane: PutRecord, PutRecords, GetShardIterator, GetRecords.
 *
 * Positions: the shard log numbers records 0, 1, 2, …; sequence numbers carry that ordinal plus one, so the
 * shard's StartingSequenceNumber (ordinal 0) is never a record's and "AFTER the starting number" is the first
 * record.
 */
import { awsErrors } from '../errors';
import { KDS_SIZES } from '../defaults';
import type { RecordInput } from '../storage/record-frame-codec';
import type { StoredRecord } from '../storage/shard-log';
import { hashKeyOf, MAX_HASH_KEY } from '@tributary/partitioning';
import { readServiceSequenceNumber } from './sequence-number-reader';
import { shardIdOf } from './shard-id';
import { orderingSequenceError } from './sequence-for-ordering';
import type { Shard } from './stream-model';
import type { Stream } from './stream-registry';
import { childShardsView } from './shard-view';
import { parseTimestamp, toEpochSeconds, type KdsEnv } from './kds-context';
import { ShardSequencer } from './sequence-number';
import { JSON_BODY, writeGetRecordsJson, type JsonBodyWriter } from './get-records-json';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kds-shapes.ts

function writableStream(env: KdsEnv, input: In): Stream {
  const stream = env.registry.find(input);
  if (stream.meta.status !== 'ACTIVE' && stream.meta.status !== 'UPDATING') {
    throw awsErrors.resourceNotFound(`Stream ${stream.meta.name} under account ${stream.meta.accountId} not found.`);
  }
  return stream;
}

function hashKeyFor(entry: In): bigint {
  if (entry.ExplicitHashKey === undefined) return hashKeyOf(entry.PartitionKey);
  const key = BigInt(entry.ExplicitHashKey);
  if (key > MAX_HASH_KEY) {
    throw awsErrors.invalidArgument(
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${entry.ExplicitHashKey}`,
    );
  }
  return key;
}

const throttledMessage = (stream: Stream, shard: Shard): string =>
  `Rate exceeded for shard ${shard.id} in stream ${stream.meta.name} under account ${stream.meta.accountId}.`;

/** Takes the shard's write tokens for one record; false when the shard is over its quota. */
function admit(shard: Shard, bytes: number): boolean {
  if (shard.writeRecords.available() < 1 || shard.writeBytes.available() < bytes) return false;
  shard.writeRecords.tryTake(1);
  shard.writeBytes.tryTake(bytes);
  return true;
}

interface Pending {
  shard: Shard;
  records: RecordInput[];
  keyBytes: number[];
  /** Index of each record in the request, to place its result. */
  positions: number[];
}

/** Appends the admitted records shard by shard (one write per shard) and fills in their results. */
function commit(pending: Map<Shard, Pending>, results: Array<Record<string, unknown>>, now: number): void {
  for (const p of pending.values()) {
    const last = p.shard.log.lastArrival ?? 0;
    // Arrival times never decrease within a shard: AT_TIMESTAMP seeks by binary search.
    const arrival = now > last ? now : last;
    for (const r of p.records) r.arrival = arrival;
    const first = p.shard.log.append(p.records, p.keyBytes);
    for (let i = 0; i < p.positions.length; i++) {
      results[p.positions[i]] = { SequenceNumber: p.shard.sequencer.encode(first + i + 1, arrival), ShardId: p.shard.id };
    }
  }
}

/** `path` is the member path AWS prints: `data` (PutRecord) or `records.N.member.data` (PutRecords, 1-based). */
function checkRecordSize(stream: Stream, bytes: number, path = 'data'): void {
  const max = stream.meta.maxRecordSizeKiB * 1024;
  if (bytes > max) {
    throw awsErrors.validation(
      `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${bytes} cap=${bytes}]' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }
}

export function putRecord(env: KdsEnv, input: In): object {
  const stream = writableStream(env, input);
  const data = Buffer.from(input.Data, 'base64');
  const keyBytes = Buffer.byteLength(input.PartitionKey, 'utf8');
  checkRecordSize(stream, data.length);
  const hashKey = hashKeyFor(input);
  // After the hash key, as AWS checks them: an ordering number the service could not have issued is refused.
  const ordering = input.SequenceNumberForOrdering ?? undefined;
  const badOrdering = ordering === undefined ? undefined : orderingSequenceError(ordering, stream.meta.name, stream.meta.accountId, env.registry.clock.now());
  if (badOrdering) throw badOrdering;
  const shard = stream.route(hashKey);
  const fault = env.faults.recordFault('PutRecord', stream.meta.name, shard.id);
  if (fault === 'internal') throw awsErrors.internalFailure('Internal service failure.');
  if (fault === 'throttle' || !admit(shard, data.length + keyBytes)) throw awsErrors.throughputExceeded(throttledMessage(stream, shard));
  const results: Array<Record<string, unknown>> = [];
  const pending = new Map([[shard, { shard, records: [{ partitionKey: input.PartitionKey, data, arrival: 0 }], keyBytes: [keyBytes], positions: [0] }]]);
  commit(pending, results, env.registry.clock.now());
  return { ...results[0], ...(stream.meta.encryptionType === 'KMS' ? { EncryptionType: 'KMS' } : {}) };
}

export function putRecords(env: KdsEnv, input: In): object {
  const stream = writableStream(env, input);
  const entries: In[] = input.Records;
  // Decode and size-check everything first: a bad entry rejects the whole call before anything is written.
  const datas: Buffer[] = new Array(entries.length);
  const keyBytes: number[] = new Array(entries.length);
  const hashes: bigint[] = new Array(entries.length);
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    datas[i] = Buffer.from(entries[i].Data, 'base64');
    keyBytes[i] = Buffer.byteLength(entries[i].PartitionKey, 'utf8');
    checkRecordSize(stream, datas[i].length, `records.${i + 1}.member.data`);
    hashes[i] = hashKeyFor(entries[i]);
    total += datas[i].length + keyBytes[i];
  }
  if (total > KDS_SIZES.maxPutRecordsBytes) {
    throw awsErrors.invalidArgument(`Records size exceeds ${KDS_SIZES.maxPutRecordsBytes / 1024 / 1024} MB limit`);
  }
  const results: Array<Record<string, unknown>> = new Array(entries.length);
  const pending = new Map<Shard, Pending>();
  let failed = 0;
  for (let i = 0; i < entries.length; i++) {
    const shard = stream.route(hashes[i]);
    const fault = env.faults.recordFault('PutRecords', stream.meta.name, shard.id);
    if (fault === 'internal') {
      results[i] = { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' };
      failed++;
      continue;
    }
    if (fault === 'throttle' || !admit(shard, datas[i].length + keyBytes[i])) {
      results[i] = { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: throttledMessage(stream, shard) };
      failed++;
      continue;
    }
    let p = pending.get(shard);
    if (!p) pending.set(shard, (p = { shard, records: [], keyBytes: [], positions: [] }));
    p.records.push({ partitionKey: entries[i].PartitionKey, data: datas[i], arrival: 0 });
    p.keyBytes.push(keyBytes[i]);
    p.positions.push(i);
  }
  commit(pending, results, env.registry.clock.now());
  return {
    FailedRecordCount: failed,
    Records: results,
    ...(stream.meta.encryptionType === 'KMS' ? { EncryptionType: 'KMS' } : {}),
  };
}

/** Resolves a starting position (GetShardIterator, SubscribeToShard) to the log ordinal to read next. */
export function startingOrdinal(
  env: KdsEnv,
  stream: Stream,
  shard: Shard,
  type: string,
  sequenceNumber: string | undefined,
  timestamp: unknown,
  op: string,
): number {
  const log = shard.log;
  const needsSeq = type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER';
  if (needsSeq !== (sequenceNumber !== undefined) && type !== 'AT_TIMESTAMP') {
    throw awsErrors.invalidArgument(
      `Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and ${sequenceNumber === undefined ? 'no' : 'also a'} StartingSequenceNumber.`,
    );
  }
  env.registry.applyRetention(stream, shard);
  switch (type) {
    case 'TRIM_HORIZON':
      return log.trimHorizon;
    case 'LATEST':
      return log.length;
    case 'AT_TIMESTAMP': {
      if (timestamp === undefined) {
        throw awsErrors.invalidArgument(`Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.`);
      }
      const ts = parseTimestamp(timestamp);
      const now = env.registry.clock.now();
      if (ts > now) {
        throw awsErrors.invalidArgument(
          `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${ts}, currentTimestampInMillis: ${now}`,
        );
      }
      return log.ordinalAtOrAfter(ts);
    }
    default:
      return sequenceOrdinal(stream, shard, type, sequenceNumber as string, op);
  }
}

/**
 * AT_ / AFTER_SEQUENCE_NUMBER: checked as the service checks (sequence-number-reader.ts), in its order and
 * words: unreadable, then another shard, then another stream (a version 0 number there is its InternalFailure).
 */
function sequenceOrdinal(stream: Stream, shard: Shard, type: string, seq: string, op: string): number {
  const where = `on shard ${shard.id} in stream ${stream.meta.name} under account ${stream.meta.accountId}`;
  const read = readServiceSequenceNumber(seq);
  if (!read) throw awsErrors.invalidArgument(`StartingSequenceNumber ${seq} used in ${op} ${where} is invalid.`);
  if (read.shardIndex !== shard.meta.index) {
    throw awsErrors.invalidArgument(
      `Invalid StartingSequenceNumber. It encodes ${shardIdOf(read.shardIndex)}, while it was used in a call to a shard with ${shard.id}`,
    );
  }
  if (read.version !== 2 || read.shardCreatedSeconds !== shard.createdSeconds) {
    if (read.version === 0) throw awsErrors.internalFailure('Internal service failure.');
    throw awsErrors.invalidArgument(`StartingSequenceNumber ${seq} used in ${op} ${where} is invalid because it did not come from this stream.`);
  }
  const parts = shard.sequencer.decode(seq);
  if (!parts) throw awsErrors.invalidArgument(`StartingSequenceNumber ${seq} used in ${op} ${where} is invalid.`);
  const log = shard.log;
  const recordOrdinal = parts.ordinal - 1;
  const next = type === 'AT_SEQUENCE_NUMBER' ? recordOrdinal : recordOrdinal + 1;
  return Math.min(Math.max(next, log.trimHorizon), log.length);
}

export function getShardIterator(env: KdsEnv, input: In): object {
  const { stream, shard } = env.registry.findShard(input, input.ShardId);
  // Arguments are checked before the call rate: a refused request does not spend it.
  const ordinal = startingOrdinal(env, stream, shard, input.ShardIteratorType, input.StartingSequenceNumber, input.Timestamp, 'GetShardIterator');
  if (!shard.iteratorCalls.tryTake(1)) throw awsErrors.throughputExceeded(throttledMessage(stream, shard));
  return {
    ShardIterator: env.registry.iterators.encode({
      issuedAt: env.registry.clock.now(),
      streamCreatedAt: stream.meta.createdAt,
      shardIndex: shard.meta.index,
      ordinal,
      streamName: stream.meta.name,
    }),
  };
}

/** The `Record` structure of GetRecords and SubscribeToShard events. */
export function recordView(shard: Shard, r: StoredRecord, encrypted: boolean): Record<string, unknown> {
  return {
    SequenceNumber: shard.sequencer.encode(r.ordinal + 1, r.arrival),
    ApproximateArrivalTimestamp: toEpochSeconds(r.arrival),
    Data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
    PartitionKey: r.partitionKey,
    ...(encrypted ? { EncryptionType: 'KMS' } : {}),
  };
}

/** How far `nextOrdinal` is behind the tip: 0 when caught up, else the age of the oldest unread record. */
export function millisBehind(shard: Shard, nextOrdinal: number, now: number): number {
  if (nextOrdinal >= shard.log.length) return 0;
  return Math.max(0, now - shard.log.arrivalOf(Math.max(nextOrdinal, shard.log.trimHorizon)));
}

/** A time as the service (Java's Date.toString in UTC) writes it in messages: `Fri Mar 15 07:58:30 UTC 2024`. */
export function javaUtcDate(ms: number): string {
  const [day, date, month, year, time] = new Date(ms).toUTCString().replace(',', '').split(' ');
  return `${day} ${month} ${date} ${time} UTC ${year}`;
}

export function getRecords(env: KdsEnv, input: In): object {
  const { registry } = env;
  const it = registry.iterators.decode(input.ShardIterator);
  if (!it) throw awsErrors.invalidArgument('Invalid ShardIterator.');
  const now = registry.clock.now();
  if (now - it.issuedAt > registry.options.iteratorLifetimeMs) {
    throw awsErrors.expiredIterator(
      `Iterator expired. The iterator was created at time ${javaUtcDate(it.issuedAt)} while right now it is ${javaUtcDate(now)} which is further in the future than the tolerated delay of ${registry.options.iteratorLifetimeMs} milliseconds.`,
    );
  }
  const stream = registry.streams.get(it.streamName);
  const shardId = shardIdOf(it.shardIndex);
  const shard = stream?.meta.createdAt === it.streamCreatedAt ? stream.shards.get(shardId) : undefined;
  if (!stream || !shard) {
    throw awsErrors.resourceNotFound(`Shard ${shardId} in stream ${it.streamName} under account ${registry.options.accountId} does not exist`);
  }
  if (input.StreamARN !== undefined && input.StreamARN !== stream.meta.arn) {
    throw awsErrors.invalidArgument(`StreamARN ${input.StreamARN} does not match the stream of the ShardIterator.`);
  }
  if (env.faults.recordFault('GetRecords', stream.meta.name, shard.id) === 'throttle' || shard.readBytes.available() <= 0 || !shard.readCalls.tryTake(1)) {
    throw awsErrors.throughputExceeded(`Rate exceeded for Shard - ${stream.meta.accountId}:${stream.meta.name}:${shard.id}`);
  }
  registry.applyRetention(stream, shard);
  const limit: number = input.Limit ?? KDS_SIZES.maxGetRecordsCount;
  const records = shard.log.read(it.ordinal, limit, KDS_SIZES.maxGetRecordsBytes);
  const next = records.length > 0 ? records[records.length - 1].ordinal + 1 : Math.max(it.ordinal, shard.log.trimHorizon);
  let bytes = 0;
  for (const r of records) bytes += r.data.length + r.partitionKey.length;
  shard.readBytes.takeDebt(bytes);
  const encrypted = stream.meta.encryptionType === 'KMS';
  const atEnd = !shard.open && next >= shard.log.length;
  const millisBehindLatest = millisBehind(shard, next, now);
  // End of a closed shard: no next iterator, and the children to continue with (KCL checks the pair).
  const childShards = atEnd ? childShardsView(stream, shard) : undefined;
  const nextShardIterator = atEnd
    ? undefined
    : registry.iterators.encode({ issuedAt: now, streamCreatedAt: stream.meta.createdAt, shardIndex: shard.meta.index, ordinal: next, streamName: stream.meta.name });
  // The object form (CBOR answers) builds its Records only when read; a JSON answer is written by get-records-json.ts.
  const result: Record<string, unknown> & JsonBodyWriter = {};
  let views: Array<Record<string, unknown>> | undefined;
  Object.defineProperty(result, 'Records', { enumerable: true, get: () => (views ??= records.map((r) => recordView(shard, r, encrypted))) });
  result['MillisBehindLatest'] = millisBehindLatest;
  if (atEnd) result['ChildShards'] = childShards;
  else result['NextShardIterator'] = nextShardIterator;
  Object.defineProperty(result, JSON_BODY, {
    enumerable: false,
    value: () =>
      writeGetRecordsJson({
        records,
        writeSequence: (r, out, pos) => shard.sequencer.writeInto(r.ordinal + 1, r.arrival, out, pos),
        maxSequenceDigits: ShardSequencer.MAX_DIGITS,
        encrypted,
        millisBehindLatest,
        ...(atEnd ? { childShards } : { nextShardIterator }),
      }),
  });
  return result;
}
