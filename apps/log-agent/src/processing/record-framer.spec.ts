import { compileJavaRegex } from './java-regex';
import { ProcessingError } from './processing-error';
import { RecordFramer, type FramedRecord } from './record-framer';

const b = (s: string) => Buffer.from(s, 'utf8');
const texts = (records: FramedRecord[]) => records.map((r) => r.data.toString('utf8'));
const spans = (records: FramedRecord[]) => records.map((r) => [r.startOffset, r.endOffset]);

describe('RecordFramer, one record per line (SingleLineSplitter)', () => {
  it('cuts at \\n, keeps the \\n, and gives each record its place in the file', () => {
    const f = new RecordFramer();
    const out = f.push(b('a\nbb\nccc\n'));
    expect(texts(out)).toEqual(['a\n', 'bb\n', 'ccc\n']);
    expect(spans(out)).toEqual([[0, 2], [2, 5], [5, 9]]);
    expect(out.every((r) => r.lines === 1 && !r.runaway)).toBe(true);
    expect(f.offset).toBe(9);
  });

  it('keeps \\r of a CRLF line: only \\n ends a line, as ByteBuffers.advanceBufferToNextLine', () => {
    expect(texts(new RecordFramer().push(b('one\r\ntwo\r\n')))).toEqual(['one\r\n', 'two\r\n']);
  });

  it('holds a partial last line until its \\n arrives, across chunks', () => {
    const f = new RecordFramer({ startOffset: 100 });
    expect(texts(f.push(b('first\nsec'), 100))).toEqual(['first\n']);
    expect(f.pendingBytes).toBe(3);
    expect(f.push(b('o'))).toEqual([]);
    const out = f.push(b('nd\nthird'));
    expect(texts(out)).toEqual(['second\n']);
    expect(spans(out)).toEqual([[106, 113]]);
    expect(f.flush()).toEqual([]);
    expect(f.pendingBytes).toBe(5);
  });

  it('returns views of the pushed chunk when a record lies within it (no copy)', () => {
    const chunk = b('x\ny\n');
    const [first] = new RecordFramer().push(chunk);
    expect(first.data.buffer).toBe(chunk.buffer);
  });

  it('skips skipHeaderLines lines at offset 0 only (AbstractParser.setCurrentFile)', () => {
    const fromStart = new RecordFramer({ skipHeaderLines: 2 });
    const out = fromStart.push(b('h1,h2\nunits\nv1\nv2\n'));
    expect(texts(out)).toEqual(['v1\n', 'v2\n']);
    expect(out[0].startOffset).toBe(12);
    expect(fromStart.counters.headerLinesSkipped).toBe(2);
    const resumed = new RecordFramer({ skipHeaderLines: 2, startOffset: 12 });
    expect(texts(resumed.push(b('v1\nv2\n'), 12))).toEqual(['v1\n', 'v2\n']);
  });

  it('skips header lines that arrive in pieces', () => {
    const f = new RecordFramer({ skipHeaderLines: 1 });
    expect(f.push(b('head'))).toEqual([]);
    expect(texts(f.push(b('er\nrow\n')))).toEqual(['row\n']);
  });

  it('refuses a chunk that does not continue the previous one', () => {
    const f = new RecordFramer();
    f.push(b('a\n'));
    expect(() => f.push(b('b\n'), 5)).toThrow(ProcessingError);
    expect(() => f.push(b('b\n'), 5)).toThrow(/offset 5 .* ended at 2/);
  });

  it('cuts a line longer than maxFramedBytes and counts the rest as discarded (runaway record)', () => {
    const f = new RecordFramer({ maxFramedBytes: 8 });
    const out = f.push(b('0123456789abc\nok\n'));
    expect(texts(out)).toEqual(['01234567', 'ok\n']);
    expect(out[0].runaway).toBe(true);
    expect(spans(out)).toEqual([[0, 14], [14, 17]]);
    expect(f.counters).toMatchObject({ runawayRecords: 1, bytesDiscarded: 6 });
  });

  it('cuts a runaway line that is still being written, and discards it up to its \\n in later chunks', () => {
    const f = new RecordFramer({ maxFramedBytes: 8 });
    const first = f.push(b('0123456789'));
    expect(texts(first)).toEqual(['01234567']);
    expect(f.pendingBytes).toBe(0);
    expect(f.push(b('abcdef'))).toEqual([]);
    const next = f.push(b('gh\nnext\n'));
    expect(texts(next)).toEqual(['next\n']);
    // The cut record's end moved past every discarded byte, so a checkpoint there does not re-read them.
    expect(first[0].endOffset).toBe(19);
    expect(next[0].startOffset).toBe(19);
    expect(f.counters.bytesDiscarded).toBe(2 + 6 + 3);
  });
});

describe('RecordFramer with multiLineStartPattern (RegexSplitter)', () => {
  const javaTrace = [
    '2024-05-01 12:00:00 ERROR boom\n',
    'java.lang.IllegalStateException: x\n',
    '\tat a.b.C.d(C.java:10)\n',
    '2024-05-01 12:00:01 INFO fine\n',
  ].join('');
  const start = compileJavaRegex('\\d{4}-\\d{2}-\\d{2}', { anchor: 'start' });

  it('joins continuation lines to the record their start line opened', () => {
    const f = new RecordFramer({ multiLineStart: start });
    const out = f.push(b(javaTrace));
    expect(texts(out)).toEqual([
      '2024-05-01 12:00:00 ERROR boom\njava.lang.IllegalStateException: x\n\tat a.b.C.d(C.java:10)\n',
    ]);
    expect(out[0].lines).toBe(3);
    // The last record waits: the next line may continue it.
    const rest = f.flush();
    expect(texts(rest)).toEqual(['2024-05-01 12:00:01 INFO fine\n']);
    expect(spans([...out, ...rest])).toEqual([[0, 89], [89, 119]]);
  });

  it('matches the pattern at the start of a line only (lookingAt), not inside it', () => {
    const f = new RecordFramer({ multiLineStart: start });
    const out = f.push(b('2024-01-01 a\nsee 2024-01-02\n2024-01-03 b\n'));
    expect(texts(out)).toEqual(['2024-01-01 a\nsee 2024-01-02\n']);
  });

  it('makes the first line of a file the start of a record whatever it holds', () => {
    const f = new RecordFramer({ multiLineStart: start });
    const out = f.push(b('orphan\ncontinued\n2024-01-01 x\n'));
    expect(texts(out)).toEqual(['orphan\ncontinued\n']);
  });

  it('builds a record from lines split across chunks, copying only then', () => {
    const f = new RecordFramer({ multiLineStart: start });
    expect(f.push(b('2024-01-01 a\ncon'))).toEqual([]);
    expect(f.push(b('t\n2024'))).toEqual([]);
    expect(texts(f.push(b('-01-02 b\n')))).toEqual(['2024-01-01 a\ncont\n']);
    expect(texts(f.flush())).toEqual(['2024-01-02 b\n']);
  });

  it('cuts a multi-line record over maxFramedBytes and drops its remaining lines until the next start', () => {
    const f = new RecordFramer({ multiLineStart: start, maxFramedBytes: 20 });
    const out = f.push(b('2024-01-01 a\nline two\nline three\n2024-01-02 b\n'));
    expect(texts(out)).toEqual(['2024-01-01 a\nline tw']);
    expect(out[0]).toMatchObject({ runaway: true, startOffset: 0, endOffset: 33 });
    expect(texts(f.flush())).toEqual(['2024-01-02 b\n']);
    expect(f.counters.runawayRecords).toBe(1);
  });
});
