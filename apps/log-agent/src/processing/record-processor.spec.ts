import { buildPipeline } from './converter-chain';
import type { ProcessingOption } from './processing-options';
import { FlowProcessing, newProcessingCounters, type ProcessedRecord } from './record-processor';
import { KINESIS_MAX_RECORD_BYTES, MAX_PARTITION_KEY_BYTES } from './record-truncation';

/** The value, failing the test when it is null or undefined. */
function must<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('expected a value, got ' + String(value));
  return value;
}

const b = (s: string) => Buffer.from(s, 'utf8');
const texts = (records: ProcessedRecord[]) => records.map((r) => (r.data === null ? null : r.data.toString('utf8')));
const LOGTOJSON: ProcessingOption[] = [{ optionName: 'LOGTOJSON', logFormat: 'COMBINEDAPACHELOG', jsonFormat: 'COMPACT' }];
const access = (i: number, agent = 'curl/8.5.0') =>
  `10.0.${i % 256}.${i % 7} - - [07/Mar/2004:16:10:02 -0800] "GET /item/${i} HTTP/1.1" 200 ${i} "-" "${agent}"\n`;

/** Offsets of consecutive records must tile the file: each starts where the previous ended. */
function expectContiguous(records: ProcessedRecord[], from: number): void {
  let at = from;
  for (const r of records) {
    expect(r.startOffset).toBe(at);
    at = r.endOffset;
  }
}

describe('RecordProcessor', () => {
  it('gives the same records on its ASCII fast path as framing then piping each line', () => {
    const lines = Array.from({ length: 50 }, (_, i) => (i % 10 === 3 ? 'not a log line\n' : access(i)));
    const chunk = b(lines.join(''));
    const processor = new FlowProcessing({ dataProcessingOptions: LOGTOJSON }).forFile();
    const out = processor.push(chunk, 0);
    const pipe = buildPipeline(LOGTOJSON);
    expect(texts(out)).toEqual(lines.map((l) => pipe(b(l)).data?.toString('utf8') ?? null));
    expect(out.filter((r) => r.data === null)).toHaveLength(5);
    // The fast path encodes the chunk's records at once: all are views of one buffer (10 KiB, outside Node's pool).
    expect(new Set(out.flatMap((r) => (r.data === null ? [] : [r.data.buffer]))).size).toBe(1);
    expectContiguous(out, 0);
    expect(out[out.length - 1].endOffset).toBe(chunk.length);
    expect(processor.counters).toMatchObject({ linesRead: 50, recordsFramed: 50, recordsDropped: 5, parseFailures: 5 });
  });

  it('works through a large chunk in batches with the same records, offsets tiling the chunk', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? `junk ${i}\n` : access(i)));
    const chunk = b(lines.join(''));
    expect(chunk.length).toBeGreaterThan(4 * 48 * 1024);
    const out = new FlowProcessing({ dataProcessingOptions: LOGTOJSON }).forFile({ startOffset: 7 }).push(chunk, 7);
    const pipe = buildPipeline(LOGTOJSON);
    expect(texts(out)).toEqual(lines.map((l) => pipe(b(l)).data?.toString('utf8') ?? null));
    expectContiguous(out, 7);
    expect(out[out.length - 1].endOffset).toBe(7 + chunk.length);
    // One encoded buffer per batch, not per record.
    const buffers = new Set(out.flatMap((r) => (r.data === null ? [] : [r.data.buffer])));
    expect(buffers.size).toBeGreaterThanOrEqual(4);
    expect(buffers.size).toBeLessThan(20);
  });

  it('gives the same records for a chunk with non-ASCII bytes (the general path)', () => {
    const lines = [access(1), access(2, 'Mozilla/5.0 (Größe; ünïcode)'), 'bad\n', access(3)];
    const out = new FlowProcessing({ dataProcessingOptions: LOGTOJSON }).forFile().push(b(lines.join('')));
    const pipe = buildPipeline(LOGTOJSON);
    expect(texts(out)).toEqual(lines.map((l) => pipe(b(l)).data?.toString('utf8') ?? null));
    expect(JSON.parse(must(texts(out)[1]))).toMatchObject({ agent: 'Mozilla/5.0 (Größe; ünïcode)' });
    expectContiguous(out, 0);
  });

  it('keeps a partial last line waiting on the fast path and finishes it with the next chunk', () => {
    const processor = new FlowProcessing({ dataProcessingOptions: LOGTOJSON }).forFile({ startOffset: 1000 });
    const whole = access(1) + access(2) + access(3);
    const cut = access(1).length + 20;
    const first = processor.push(b(whole.slice(0, cut)), 1000);
    expect(first).toHaveLength(1);
    expect(processor.pendingBytes).toBe(20);
    const second = processor.push(b(whole.slice(cut)));
    expect(second).toHaveLength(2);
    expectContiguous([...first, ...second], 1000);
    expect(JSON.parse(must(texts(second)[0]))).toMatchObject({ request: 'GET /item/2 HTTP/1.1' });
    expect(processor.offset).toBe(1000 + whole.length);
  });

  it('truncates converted records over maxDataBytes and ends them with truncatedRecordTerminator', () => {
    const flow = new FlowProcessing({ dataProcessingOptions: LOGTOJSON, truncatedRecordTerminator: '…' });
    const fast = flow.forFile({ maxDataBytes: 40 }).push(b(access(1)));
    const general = flow.forFile({ maxDataBytes: 40 }).push(b(access(1).replace('curl', 'cürl')));
    for (const [r] of [fast, general]) {
      expect(r.truncated).toBe(true);
      const data = must(r.data);
      expect(data.length).toBe(40);
      expect(data.subarray(37).toString('utf8')).toBe('…');
      expect(data.subarray(0, 37).toString('utf8')).toBe('{"host":"10.0.1.1","ident":null,"auth');
    }
  });

  it('cuts a 2 MiB line without options to 1 MiB minus room for the partition key, ending in \\n', () => {
    const counters = newProcessingCounters();
    const processor = new FlowProcessing({}).forFile({}, counters);
    const [r] = processor.push(Buffer.concat([Buffer.alloc(2 * 1024 * 1024, 0x61), b('\n')]));
    const data = must(r.data);
    expect(data.length).toBe(KINESIS_MAX_RECORD_BYTES - MAX_PARTITION_KEY_BYTES);
    expect(data[data.length - 1]).toBe(0x0a);
    expect(data[data.length - 2]).toBe(0x61);
    expect(r).toMatchObject({ truncated: true, startOffset: 0, endOffset: 2 * 1024 * 1024 + 1 });
    expect(counters.recordsTruncated).toBe(1);
  });

  it('sends garbage bytes and invalid UTF-8 byte for byte without options, and never throws with them', () => {
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a, 0x80, 0x0a]);
    const raw = new FlowProcessing({}).forFile().push(garbage);
    expect(raw.map((r) => r.data)).toEqual([garbage.subarray(0, 6), garbage.subarray(6)]);
    const parsed = new FlowProcessing({ dataProcessingOptions: LOGTOJSON }).forFile();
    const out = parsed.push(Buffer.concat([garbage, b(access(1))]));
    expect(texts(out).map((t) => t === null)).toEqual([true, true, false]);
    expect(parsed.counters.parseFailures).toBe(2);
  });

  it('counts header lines and frames multi-line records through the options', () => {
    const counters = newProcessingCounters();
    const flow = new FlowProcessing({
      skipHeaderLines: 1,
      multiLineStartPattern: '\\[\\d+\\]',
      dataProcessingOptions: [{ optionName: 'SINGLELINE' }],
    });
    const p = flow.forFile({}, counters);
    const out = [...p.push(b('# header\n[1] a\n   b\n[2] c\n')), ...p.flush()];
    expect(texts(out)).toEqual(['[1] ab\n', '[2] c\n']);
    expect(counters).toMatchObject({ headerLinesSkipped: 1, linesRead: 3, recordsFramed: 2 });
    expectContiguous(out, 9);
  });

  it('shares one counters object across the files of a flow', () => {
    const counters = newProcessingCounters();
    const flow = new FlowProcessing({ dataProcessingOptions: LOGTOJSON });
    flow.forFile({}, counters).push(b(access(1) + 'x\n'));
    flow.forFile({}, counters).push(b('y\n'));
    expect(counters).toMatchObject({ linesRead: 3, parseFailures: 2, recordsDropped: 2 });
  });
});

describe('RecordProcessor.pushPacked', () => {
  const options = { dataProcessingOptions: [{ optionName: 'LOGTOJSON' as const, logFormat: 'COMMONAPACHELOG' as const, jsonFormat: 'COMPACT' as const }] };
  const line = (i: number): string => `10.0.0.${i % 256} - - [10/Oct/2000:13:55:36 -0700] "GET /${'p'.repeat(i % 90)} HTTP/1.0" 200 ${i}\n`;

  it('gives the records push() gives, packed, with their file ranges, and counts the same (batches of 48 KiB)', () => {
    const text = Array.from({ length: 2000 }, (_, i) => (i % 11 === 5 ? 'no match\n' : line(i))).join('');
    const viaPush = new FlowProcessing(options).forFile({ startOffset: 100 });
    const records = viaPush.push(Buffer.from(text), 100).filter((r) => r.data !== null);
    const p = new FlowProcessing(options).forFile({ startOffset: 100 });
    const packed = p.pushPacked(Buffer.from(text), 100);
    expect(packed).toBeDefined();
    if (!packed) return;
    const datas = packed.ends.map((end, k) => packed.data.subarray(k === 0 ? 0 : packed.ends[k - 1], end).toString());
    expect(datas).toEqual(records.map((r) => r.data?.toString()));
    expect(packed.starts).toEqual(records.map((r) => r.startOffset));
    expect(packed.fileEnds).toEqual(records.map((r) => r.endOffset));
    expect(p.counters).toEqual(viaPush.counters);
    expect(p.offset).toBe(100 + text.length);
    expect(p.pushPacked(Buffer.from(line(1)), p.offset)?.data.toString()).toBe(records[1].data?.toString());
  });

  it('declines (consuming nothing) a partial line, non-ASCII bytes, multi-line framing, or a record to truncate', () => {
    const p = new FlowProcessing(options).forFile();
    expect(p.pushPacked(Buffer.from(line(1).slice(0, -1)), 0)).toBeUndefined();
    expect(p.pushPacked(Buffer.from('é\n' + line(1)), 0)).toBeUndefined();
    expect(new FlowProcessing({ ...options, multiLineStartPattern: '10' }).forFile().pushPacked(Buffer.from(line(1)), 0)).toBeUndefined();
    expect(new FlowProcessing(options).forFile({ maxDataBytes: 50 }).pushPacked(Buffer.from(line(1)), 0)).toBeUndefined();
    expect(p.offset).toBe(0);
    expect(p.counters.linesRead).toBe(0);
  });
});
