/**
 * The built-in dead-letter sinks without a network: the file sink on a temp directory (NDJSON envelope, fsync per
 * send, one writer at a time, failed writes cut back, a crash-truncated last line closed) and the Kinesis sink
 * over a scripted PutRecords client (retry of failed entries, permanent errors, PutRecords limits, oversize).
 */
import { mkdtemp, readFile, rm, writeFile, open, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PutRecordsCommand, PutRecordsCommandOutput, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { makeRecords, SteppingClock } from '../testing/processing-test-kit';
import { parseDeadLetterEnvelope, toDeadLetterEnvelope } from './dead-letter-envelope';
import { FileDeadLetterSink, KinesisDeadLetterSink, type PutRecordsClient } from './dead-letter-sinks';
import type { DeadLetterEntry } from './processing-types';

function entriesOf(count: number, options: { dataBytes?: number; start?: number } = {}): DeadLetterEntry[] {
  return makeRecords({ count: (options.start ?? 0) + count })
    .slice(options.start ?? 0)
    .map((record, i) => ({
      record: options.dataBytes ? { ...record, data: new Uint8Array(options.dataBytes).fill(i % 256) } : record,
      streamName: 'telemetry',
      condition: 'RetryAttemptsExhausted' as const,
      error: { name: 'Error', message: `boom ${i}`, code: 'E_BOOM' },
      attempts: 4,
      firstFailureAt: new Date(1_700_000_000_000),
      lastFailureAt: new Date(1_700_000_001_500),
    }));
}

async function linesOf(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

describe('dead-letter envelope', () => {
  it('keeps the record, its position and its error, and parses back', () => {
    const [entry] = entriesOf(1);
    const envelope = toDeadLetterEnvelope({ ...entry, record: { ...entry.record, explicitHashKey: '42' } });
    expect(envelope).toEqual({
      stream: 'telemetry',
      shardId: entry.record.shardId,
      sequenceNumber: entry.record.sequenceNumber,
      subSequenceNumber: 0,
      partitionKey: entry.record.partitionKey,
      explicitHashKey: '42',
      data: Buffer.from('record-0').toString('base64'),
      approximateArrivalTimestamp: entry.record.approximateArrivalTimestamp.toISOString(),
      condition: 'RetryAttemptsExhausted',
      error: { name: 'Error', message: 'boom 0', code: 'E_BOOM' },
      attempts: 4,
      firstFailureAt: '2023-11-14T22:13:20.000Z',
      lastFailureAt: '2023-11-14T22:13:21.500Z',
    });
    expect(parseDeadLetterEnvelope(JSON.stringify(envelope))).toEqual(envelope);
    expect(() => parseDeadLetterEnvelope('{"stream":"x"}')).toThrow();
  });

  it('encodes a data view at its offset, not its whole buffer', () => {
    const [entry] = entriesOf(1);
    const backing = new TextEncoder().encode('xxPAYLOADyy');
    const envelope = toDeadLetterEnvelope({ ...entry, record: { ...entry.record, data: backing.subarray(2, 9) } });
    expect(Buffer.from(envelope.data, 'base64').toString()).toBe('PAYLOAD');
  });
});

describe('FileDeadLetterSink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dlq-'));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  /** FileHandle is not exported by node:fs/promises; its prototype is reached through an instance. */
  async function fileHandlePrototype(): Promise<{ sync(): Promise<void> }> {
    const handle = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(handle) as { sync(): Promise<void> };
    await handle.close();
    return proto;
  }

  it('appends one envelope per line, creating the directory, and appends to an existing file', async () => {
    const path = join(dir, 'nested', 'deeper', 'dlq.ndjson');
    const sink = new FileDeadLetterSink({ path });
    await sink.send(entriesOf(2));
    await sink.send(entriesOf(1, { start: 2 }));
    await sink.close();
    const reopened = new FileDeadLetterSink({ path });
    await reopened.send(entriesOf(1, { start: 3 }));
    await reopened.close();
    const parsed = (await linesOf(path)).map((l) => parseDeadLetterEnvelope(l));
    expect(parsed.map((e) => Buffer.from(e.data, 'base64').toString())).toEqual(['record-0', 'record-1', 'record-2', 'record-3']);
    expect(parsed[0]).toMatchObject({ stream: 'telemetry', condition: 'RetryAttemptsExhausted', attempts: 4, error: { code: 'E_BOOM' } });
  });

  it('fsyncs each send before acknowledging it', async () => {
    const proto = await fileHandlePrototype();
    const sync = jest.spyOn(proto, 'sync');
    const sink = new FileDeadLetterSink({ path: join(dir, 'dlq.ndjson') });
    for (let i = 0; i < 3; i++) await sink.send(entriesOf(2, { start: 2 * i }));
    await sink.close();
    // Three sends, and the directory entry of the new file once.
    expect(sync.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(sync.mock.calls.length).toBeLessThanOrEqual(4);
  });

  it('writes concurrent sends one at a time: every line whole, sends in call order', async () => {
    const path = join(dir, 'dlq.ndjson');
    const sink = new FileDeadLetterSink({ path });
    // 20 sends of 50 entries with 20 KiB of data each (about 27 KiB of JSON per line).
    await Promise.all(Array.from({ length: 20 }, (_, k) => sink.send(entriesOf(50, { start: 50 * k, dataBytes: 20_000 }))));
    await sink.close();
    const lines = await linesOf(path);
    expect(lines).toHaveLength(1000);
    const sequences = lines.map((l) => parseDeadLetterEnvelope(l).sequenceNumber);
    expect(sequences).toEqual(makeRecords({ count: 1000 }).map((r) => r.sequenceNumber));
  });

  it('cuts a failed send back off the file and reports DEAD_LETTER_FAILED (retriable); later sends work', async () => {
    const path = join(dir, 'dlq.ndjson');
    const sink = new FileDeadLetterSink({ path });
    await sink.send(entriesOf(1));
    const proto = await fileHandlePrototype();
    jest.spyOn(proto, 'sync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await expect(sink.send(entriesOf(3, { start: 1 }))).rejects.toMatchObject({ code: 'DEAD_LETTER_FAILED', retriable: true });
    await sink.send(entriesOf(1, { start: 4 }));
    await sink.close();
    const parsed = (await linesOf(path)).map((l) => Buffer.from(parseDeadLetterEnvelope(l).data, 'base64').toString());
    expect(parsed).toEqual(['record-0', 'record-4']);
  });

  it('closes a last line left without its newline (a crash mid-write) before appending', async () => {
    const path = join(dir, 'dlq.ndjson');
    await writeFile(path, '{"stream":"telemetry","shardId":"shardId-0000');
    const sink = new FileDeadLetterSink({ path });
    await sink.send(entriesOf(1));
    await sink.close();
    const lines = await linesOf(path);
    expect(lines).toHaveLength(2);
    expect(parseDeadLetterEnvelope(lines[1]).sequenceNumber).toBe(makeRecords({ count: 1 })[0].sequenceNumber);
  });

  it('rejects with DEAD_LETTER_FAILED when the file cannot be opened', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    const sink = new FileDeadLetterSink({ path });
    await expect(sink.send(entriesOf(1))).rejects.toMatchObject({ code: 'DEAD_LETTER_FAILED', retriable: true });
    await sink.close();
  });

  it('refuses sends after close() and a missing path', async () => {
    const sink = new FileDeadLetterSink({ path: join(dir, 'dlq.ndjson') });
    await sink.close();
    await expect(sink.send(entriesOf(1))).rejects.toMatchObject({ code: 'DEAD_LETTER_FAILED', retriable: false });
    expect(() => new FileDeadLetterSink({ path: '' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

type Outcome = 'ok' | string;

/** PutRecords answered by a script: `entryOutcome(call, index)` gives ok or an ErrorCode; `callError(call)` fails the call. */
class ScriptedClient implements PutRecordsClient {
  readonly calls: PutRecordsCommand['input'][] = [];
  entryOutcome: (call: number, index: number) => Outcome = () => 'ok';
  callError: (call: number) => Error | undefined = () => undefined;

  async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    this.calls.push(command.input);
    const call = this.calls.length;
    const error = this.callError(call);
    if (error) throw error;
    const records: PutRecordsResultEntry[] = (command.input.Records ?? []).map((_, i) => {
      const outcome = this.entryOutcome(call, i);
      return outcome === 'ok' ? { SequenceNumber: `${call}-${i}`, ShardId: 'shardId-000000000000' } : { ErrorCode: outcome, ErrorMessage: `${outcome} (test)` };
    });
    return {
      Records: records,
      FailedRecordCount: records.filter((r) => r.ErrorCode).length,
      $metadata: {},
    };
  }
}

describe('KinesisDeadLetterSink', () => {
  function sinkOver(client: ScriptedClient, options: Partial<ConstructorParameters<typeof KinesisDeadLetterSink>[0]> = {}) {
    const clock = new SteppingClock();
    return { clock, sink: new KinesisDeadLetterSink({ client, streamName: 'telemetry-dlq', timers: clock, random: () => 0.5, ...options }) };
  }
  const payloadsOf = (client: ScriptedClient, call: number): string[] =>
    (client.calls[call].Records ?? []).map((r) => Buffer.from(parseDeadLetterEnvelope(r.Data as Uint8Array).data, 'base64').toString());

  it('puts each envelope as a record with the original partition key', async () => {
    const client = new ScriptedClient();
    const entries = entriesOf(3);
    await sinkOver(client).sink.send(entries);
    expect(client.calls).toHaveLength(1);
    expect(client.calls[0].StreamName).toBe('telemetry-dlq');
    expect(client.calls[0].Records?.map((r) => r.PartitionKey)).toEqual(entries.map((e) => e.record.partitionKey));
    expect(parseDeadLetterEnvelope(client.calls[0].Records?.[1].Data as Uint8Array)).toEqual(toDeadLetterEnvelope(entries[1]));
  });

  it('retries only the failed entries, after a backoff', async () => {
    const client = new ScriptedClient();
    client.entryOutcome = (call, i) => (call === 1 && (i === 1 || i === 3) ? 'ProvisionedThroughputExceededException' : 'ok');
    const { sink, clock } = sinkOver(client, { streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/dlq' });
    await sink.send(entriesOf(5));
    expect(client.calls).toHaveLength(2);
    expect(client.calls[1].StreamARN).toBe('arn:aws:kinesis:us-east-1:000000000000:stream/dlq');
    expect(payloadsOf(client, 1)).toEqual(['record-1', 'record-3']);
    expect(clock.waits).toEqual([50]);
  });

  it('retries a failed call (transient) and rejects DEAD_LETTER_FAILED (retriable) after maxAttempts', async () => {
    const client = new ScriptedClient();
    client.entryOutcome = (_call, i) => (i === 0 ? 'InternalFailure' : 'ok');
    client.callError = (call) => (call === 1 ? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) : undefined);
    const { sink } = sinkOver(client, { maxAttempts: 3 });
    await expect(sink.send(entriesOf(4))).rejects.toMatchObject({
      code: 'DEAD_LETTER_FAILED',
      retriable: true,
      message: expect.stringContaining('1 of 4 dead-letter entries could not be written in 3 attempt(s)'),
    });
    expect(client.calls.map((c) => c.Records?.length)).toEqual([4, 4, 1]);
  });

  it.each([
    ['a whole call', (c: ScriptedClient) => (c.callError = () => Object.assign(new Error('Stream dlq not found'), { name: 'ResourceNotFoundException' }))],
    ['an entry', (c: ScriptedClient) => (c.entryOutcome = () => 'KMSAccessDeniedException')],
  ])('fails at once, not retriable, when %s fails permanently', async (_name, script) => {
    const client = new ScriptedClient();
    script(client);
    await expect(sinkOver(client).sink.send(entriesOf(2))).rejects.toMatchObject({ code: 'DEAD_LETTER_FAILED', retriable: false });
    expect(client.calls).toHaveLength(1);
  });

  it('keeps each call within 500 entries and 5 MiB, in order', async () => {
    const client = new ScriptedClient();
    const { sink } = sinkOver(client);
    await sink.send(entriesOf(1200));
    expect(client.calls.map((c) => c.Records?.length)).toEqual([500, 500, 200]);
    // ~533 KiB envelopes: nine would pass 5 MiB.
    await sink.send(entriesOf(20, { dataBytes: 400_000 }));
    const sizes = client.calls.slice(3).map((c) => (c.Records ?? []).reduce((n, r) => n + (r.Data?.length ?? 0) + Buffer.byteLength(r.PartitionKey ?? ''), 0));
    expect(sizes.every((s) => s <= 5 * 1024 * 1024)).toBe(true);
    expect(client.calls.slice(3).map((c) => c.Records?.length)).toEqual([9, 9, 2]);
    expect(client.calls.slice(3).flatMap((_, k) => payloadsOf(client, 3 + k)).map((p) => p.length)).toEqual(Array(20).fill(400_000));
  });

  it("refuses an envelope above the record limit, or sends it without its data with oversize: 'omit-data'", async () => {
    const client = new ScriptedClient();
    const big = entriesOf(1, { dataBytes: 900_000 });
    await expect(sinkOver(client).sink.send(big)).rejects.toMatchObject({ code: 'DEAD_LETTER_FAILED', retriable: false });
    expect(client.calls).toHaveLength(0);
    await sinkOver(client, { oversize: 'omit-data' }).sink.send(big);
    const envelope = parseDeadLetterEnvelope(client.calls[0].Records?.[0].Data as Uint8Array);
    expect(envelope).toMatchObject({ data: '', dataOmitted: true, dataBytes: 900_000, sequenceNumber: big[0].record.sequenceNumber });
  });

  it('close() waits for sends in flight, then refuses new ones', async () => {
    const client = new ScriptedClient();
    client.entryOutcome = (call) => (call === 1 ? 'InternalFailure' : 'ok');
    const { sink } = sinkOver(client);
    const sent = sink.send(entriesOf(2));
    await sink.close();
    await expect(sent).resolves.toBeUndefined();
    expect(client.calls).toHaveLength(2);
    await expect(sink.send(entriesOf(1))).rejects.toMatchObject({ code: 'DEAD_LETTER_FAILED' });
  });

  it.each<[string, object]>([
    ['onFailure.client', { client: {} }],
    ['onFailure.streamName', { streamName: undefined }],
    ['onFailure.maxAttempts', { maxAttempts: 0 }],
    ['onFailure.backoff', { backoff: { baseMs: 10, maxMs: 1 } }],
    ['onFailure.oversize', { oversize: 'truncate' }],
  ])('refuses a bad %s', (setting, options) => {
    expect(() => new KinesisDeadLetterSink({ client: new ScriptedClient(), streamName: 'dlq', ...options } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining(setting) }),
    );
  });
});
