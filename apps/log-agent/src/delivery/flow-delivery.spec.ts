import { ProducerError, type PutRecordInput, type PutResult } from '@tributary/kinesis-producer';
import { deaggregate } from '@tributary/kpl';
import { noopLogger } from '@tributary/runtime';
import { AckTracker } from '../checkpoint/ack-tracker';
import { FlowProcessing, newProcessingCounters } from '../processing';
import type { TailChunk } from '../tailing/tailer-types';
import { FlowDelivery, type AckSink, type DeliveryProducer } from './flow-delivery';
import { partitionKeyFunction } from './partition-key';

/** A producer whose answers the test gives, with a buffer bound of `capacity` records. */
class FakeProducer implements DeliveryProducer {
  pending: { input: PutRecordInput; resolve: (r: PutResult) => void; reject: (e: Error) => void }[] = [];
  private waiters: (() => void)[] = [];
  constructor(private readonly capacity = Infinity) {}
  get writable(): boolean {
    return this.pending.length < this.capacity;
  }
  whenWritable(): Promise<void> {
    return this.writable ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
  flushes = 0;
  flush(): Promise<void> {
    this.flushes++;
    return Promise.resolve();
  }
  put(input: PutRecordInput): Promise<PutResult> {
    return new Promise((resolve, reject) => this.pending.push({ input, resolve, reject }));
  }
  ack(n = this.pending.length): void {
    for (const p of this.pending.splice(0, n)) p.resolve({ shardId: 's', sequenceNumber: '1', attempts: 1 });
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}

/** The tailer's side: a real AckTracker per file. */
class TrackerSink implements AckSink {
  readonly trackers = new Map<string, AckTracker>();
  tracker(file: string): AckTracker {
    let t = this.trackers.get(file);
    if (!t) this.trackers.set(file, (t = new AckTracker(0)));
    return t;
  }
  recordSent(file: string, start: number, end: number): void {
    this.tracker(file).sent(start, end);
  }
  recordAcked(file: string, start: number): void {
    this.tracker(file).acked(start);
  }
  bytesConsumed(file: string, offset: number): void {
    this.tracker(file).consumedUpTo(offset);
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(options: { capacity?: number; processing?: FlowProcessing; now?: () => number; aggregateMaxBytes?: number; maxInFlight?: number; quietFlushMs?: number } = {}) {
  const producer = new FakeProducer(options.capacity);
  const sink = new TrackerSink();
  const delivery = new FlowDelivery({
    flowId: 'f',
    producer,
    processing: options.processing ?? new FlowProcessing({}),
    counters: newProcessingCounters(),
    partitionKey: options.aggregateMaxBytes === undefined ? partitionKeyFunction('DETERMINISTIC') : partitionKeyFunction('RANDOM'),
    maxDataBytes: 1024 * 1024 - 32,
    ...(options.aggregateMaxBytes !== undefined ? { aggregateMaxBytes: options.aggregateMaxBytes } : {}),
    ...(options.maxInFlight !== undefined ? { maxInFlight: options.maxInFlight } : {}),
    ...(options.quietFlushMs !== undefined ? { quietFlushMs: options.quietFlushMs } : {}),
    clock: { now: options.now ?? (() => 0) },
    logger: noopLogger,
  });
  delivery.bindTailer(sink);
  return { producer, sink, delivery };
}

const chunk = (text: string, start: number, extra: Partial<TailChunk> = {}): TailChunk => {
  const bytes = Buffer.from(text);
  return { flowId: 'f', file: '1:2/0', path: '/x.log', chunk: bytes, startOffset: start, endOffset: start + bytes.length, ...extra };
};

describe('FlowDelivery', () => {
  it('puts one record per line; a chunk is acknowledged once all its records are, the checkpoint only past acked chunks', async () => {
    const { producer, sink, delivery } = setup();
    await delivery.onChunk(chunk('a\nbb\n', 0));
    await delivery.onChunk(chunk('ccc\n', 5));
    expect(producer.pending.map((p) => Buffer.from(p.input.data).toString())).toEqual(['a\n', 'bb\n', 'ccc\n']);
    expect(producer.pending[0].input.partitionKey).toMatch(/^[0-9a-f]{32}$/);
    const t = sink.tracker('1:2/0');
    const [first, second, third] = producer.pending;
    // The second chunk acknowledged first, then one of the first chunk's two records: nothing moves.
    third.resolve({ shardId: 's', sequenceNumber: '3', attempts: 1 });
    second.resolve({ shardId: 's', sequenceNumber: '2', attempts: 1 });
    await flush();
    expect(t.checkpoint).toBe(0);
    expect(delivery.stats()).toMatchObject({ recordsSent: 3, recordsAcked: 2, inFlight: 1 });
    first.resolve({ shardId: 's', sequenceNumber: '1', attempts: 1 });
    await delivery.settled();
    expect(t.checkpoint).toBe(9);
  });

  it('never acknowledges a chunk whose record was given up at shutdown', async () => {
    const { producer, sink, delivery } = setup();
    await delivery.onChunk(chunk('a\nb\n', 0));
    await delivery.onChunk(chunk('c\n', 4));
    const [a, b, c] = producer.pending;
    a.resolve({ shardId: 's', sequenceNumber: '1', attempts: 1 });
    b.reject(new ProducerError('PRODUCER_CLOSED', 'closed', false));
    c.resolve({ shardId: 's', sequenceNumber: '3', attempts: 1 });
    await delivery.settled();
    expect(sink.tracker('1:2/0').checkpoint).toBe(0);
  });

  it('does not return from onChunk while the producer is full (the tailer stops reading)', async () => {
    const { producer, delivery } = setup({ capacity: 2 });
    let done = false;
    const p = delivery.onChunk(chunk('1\n2\n3\n4\n5\n', 0)).then(() => (done = true));
    await flush();
    expect(producer.pending).toHaveLength(2);
    expect(done).toBe(false);
    producer.ack();
    await flush();
    expect(producer.pending).toHaveLength(2);
    expect(done).toBe(false);
    producer.ack();
    await p;
    expect(producer.pending).toHaveLength(1);
  });

  it('puts an expired record again and passes a rejected one, so neither loses nor blocks the file', async () => {
    const { producer, sink, delivery } = setup();
    await delivery.onChunk(chunk('a\nb\n', 0));
    const [a, b] = producer.pending.splice(0, 2);
    a.reject(new ProducerError('RECORD_EXPIRED', 'expired', true));
    b.reject(new ProducerError('RECORD_REJECTED', 'rejected', false));
    await flush();
    expect(producer.pending.map((p) => Buffer.from(p.input.data).toString())).toEqual(['a\n']);
    producer.ack();
    await delivery.settled();
    expect(sink.tracker('1:2/0').checkpoint).toBe(4);
    expect(delivery.stats()).toMatchObject({ recordsResent: 1, recordsRejected: 1, recordsSent: 2, recordsAcked: 1 });
  });

  it('counts lines LOGTOJSON cannot parse as consumed, so the checkpoint passes them', async () => {
    const processing = new FlowProcessing({ dataProcessingOptions: [{ optionName: 'LOGTOJSON', logFormat: 'COMMONAPACHELOG', jsonFormat: 'COMPACT' }] });
    const { producer, sink, delivery } = setup({ processing });
    const good = '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326\n';
    await delivery.onChunk(chunk(`${good}garbage\n`, 0));
    expect(producer.pending).toHaveLength(1);
    expect(JSON.parse(Buffer.from(producer.pending[0].input.data).toString())).toMatchObject({ host: '127.0.0.1', response: '200' });
    producer.ack();
    await delivery.settled();
    expect(sink.tracker('1:2/0').checkpoint).toBe(good.length + 'garbage\n'.length);
  });

  it('sends the last line of a rotated file without its newline, its range ending at the file end', async () => {
    const { producer, sink, delivery } = setup();
    await delivery.onChunk(chunk('a\n', 0));
    await delivery.onChunk(chunk('tail', 2, { endOfFile: true }));
    expect(producer.pending.map((p) => Buffer.from(p.input.data).toString())).toEqual(['a\n', 'tail\n']);
    producer.ack();
    await delivery.settled();
    expect(sink.tracker('1:2/0').checkpoint).toBe(6);
  });

  it('reports the age of the oldest unacknowledged chunk', async () => {
    let now = 1000;
    const { producer, delivery } = setup({ now: () => now });
    await delivery.onChunk(chunk('a\n', 0));
    now = 1500;
    await delivery.onChunk(chunk('b\n', 2));
    now = 4000;
    expect(delivery.stats().oldestUnackedAgeMs).toBe(3000);
    producer.ack(1);
    await flush();
    expect(delivery.stats().oldestUnackedAgeMs).toBe(2500);
    producer.ack();
    await flush();
    expect(delivery.stats().oldestUnackedAgeMs).toBe(0);
  });
  it('declares bytes that gave no record done, so a rotated file of header lines only is let go', async () => {
    const { producer, sink, delivery } = setup({ processing: new FlowProcessing({ skipHeaderLines: 2 }) });
    await delivery.onChunk(chunk('h1\nh2\n', 0));
    expect(producer.pending).toHaveLength(0);
    expect(sink.tracker('1:2/0').checkpoint).toBe(6);
    await delivery.onChunk(chunk('a\nh', 6, { endOfFile: true }));
    producer.ack();
    await delivery.settled();
    expect(sink.tracker('1:2/0').checkpoint).toBe(9);
  });

  describe('with aggregates (RANDOM keys)', () => {
    /** Each put's user records (an aggregate's, or the record itself), checking an aggregate's records carry its key. */
    const userRecords = (input: PutRecordInput): string[] => {
      if (input.preAggregated !== true) return [Buffer.from(input.data).toString()];
      const records = deaggregate(input.data as Uint8Array, { verifyChecksum: true }) ?? [];
      for (const r of records) expect(r.partitionKey).toBe(input.partitionKey);
      return records.map((r) => Buffer.from(r.data).toString());
    };
    const lines = Array.from({ length: 20 }, (_, i) => `line-${i}\n`).join('');

    it('puts runs of lines as aggregates within the size, in order, one key each; the chunk acked once all are', async () => {
      const { producer, sink, delivery } = setup({ aggregateMaxBytes: 900 });
      await delivery.onChunk(chunk(lines, 0));
      expect(producer.pending.length).toBeGreaterThan(1);
      expect(producer.pending.every((p) => p.input.preAggregated === true && p.input.data.length <= 900)).toBe(true);
      expect(producer.pending.flatMap((p) => userRecords(p.input)).join('')).toBe(lines);
      expect(new Set(producer.pending.map((p) => p.input.partitionKey)).size).toBe(producer.pending.length);
      expect(delivery.stats()).toMatchObject({ recordsSent: 20, inFlight: 20 });
      producer.ack(producer.pending.length - 1);
      await flush();
      expect(sink.tracker('1:2/0').checkpoint).toBe(0);
      producer.ack();
      await delivery.settled();
      expect(sink.tracker('1:2/0').checkpoint).toBe(lines.length);
      expect(delivery.stats()).toMatchObject({ recordsAcked: 20, inFlight: 0 });
    });

    it('puts a run of one line as that line, and passes trailing lines that give no record', async () => {
      const processing = new FlowProcessing({ dataProcessingOptions: [{ optionName: 'LOGTOJSON', logFormat: 'COMMONAPACHELOG', jsonFormat: 'COMPACT' }] });
      const { producer, sink, delivery } = setup({ processing, aggregateMaxBytes: 64 * 1024 });
      const good = '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326\n';
      await delivery.onChunk(chunk(`${good}garbage\n`, 0));
      expect(producer.pending.map((p) => p.input.preAggregated)).toEqual([false]);
      expect(JSON.parse(userRecords(producer.pending[0].input)[0])).toMatchObject({ host: '127.0.0.1' });
      producer.ack();
      await delivery.settled();
      expect(sink.tracker('1:2/0').checkpoint).toBe(good.length + 'garbage\n'.length);
    });

    it('puts packed LOGTOJSON records (the hot path) as the records processing makes, dropped lines passed', async () => {
      const options = { dataProcessingOptions: [{ optionName: 'LOGTOJSON' as const, logFormat: 'COMMONAPACHELOG' as const, jsonFormat: 'COMPACT' as const }] };
      const { producer, sink, delivery } = setup({ processing: new FlowProcessing(options), aggregateMaxBytes: 900, maxInFlight: 20 });
      const text = Array.from({ length: 60 }, (_, i) =>
        i % 7 === 3 ? `garbage ${i}\n` : `10.0.0.${i} - u${i} [10/Oct/2000:13:55:36 -0700] "GET /${'x'.repeat(i * 3)} HTTP/1.0" 200 ${i}\n`,
      ).join('');
      const expected = new FlowProcessing(options).forFile().push(Buffer.from(text)).flatMap((r) => (r.data ? [r.data.toString()] : []));
      const done = delivery.onChunk(chunk(`garbage\n${text}garbage\n`, 0));
      const seen: string[] = [];
      for (let i = 0; i < 20 && seen.length < expected.length; i++) {
        await flush();
        seen.push(...producer.pending.flatMap((p) => userRecords(p.input)));
        expect(producer.pending.every((p) => p.input.data.length <= 900)).toBe(true);
        producer.ack();
      }
      await done;
      await delivery.settled();
      expect(seen).toEqual(expected);
      expect(sink.tracker('1:2/0').checkpoint).toBe(text.length + 16);
    });

    it('puts an expired aggregate again under its key; waits for the in-flight bound and asks the producer to flush', async () => {
      const { producer, sink, delivery } = setup({ aggregateMaxBytes: 900, maxInFlight: 25 });
      await delivery.onChunk(chunk(lines, 0));
      const [first] = producer.pending.splice(0, 1);
      first.reject(new ProducerError('RECORD_EXPIRED', 'expired', true));
      await flush();
      const again = producer.pending[producer.pending.length - 1].input;
      expect([again.partitionKey, again.data]).toEqual([first.input.partitionKey, first.input.data]);
      let done = false;
      const second = delivery.onChunk(chunk(lines, lines.length)).then(() => (done = true));
      await flush();
      expect(done).toBe(false);
      expect(producer.flushes).toBe(1);
      producer.ack();
      await second;
      producer.ack();
      await delivery.settled();
      expect(sink.tracker('1:2/0').checkpoint).toBe(2 * lines.length);
      expect(delivery.stats()).toMatchObject({ recordsSent: 40, recordsAcked: 40, recordsResent: userRecords(first.input).length });
    });
  });
  it('sends a multi-line record waiting at a quiet file once the file stayed quiet quietFlushMs, not before', async () => {
    const processing = new FlowProcessing({ multiLineStartPattern: '\\S' });
    const { producer, sink, delivery } = setup({ processing, quietFlushMs: 40 });
    await delivery.onChunk(chunk('A1\n  a\n', 0));
    await new Promise((resolve) => setTimeout(resolve, 25));
    // More lines of the same record within the quiet time: the wait starts again, and a partial line stays.
    await delivery.onChunk(chunk('  b\n  part', 7));
    await new Promise((resolve) => setTimeout(resolve, 25));
    expect(producer.pending).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(producer.pending.map((p) => Buffer.from(p.input.data).toString())).toEqual(['A1\n  a\n  b\n']);
    producer.ack();
    await delivery.settled();
    expect(sink.tracker('1:2/0').checkpoint).toBe(11);
    delivery.stopAccepting();
  });
});
