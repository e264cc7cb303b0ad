import fc from 'fast-check';
import { NOT_HANDLED, apacheByteConverterFor, createApacheByteConverter, type ApacheByteConverter } from './apache-log-scanner';
import { BUILT_IN_LOG_FORMATS } from './log-patterns';
import { createLogToJsonConverter } from './log-to-json-converter';
import type { LogFormat } from './processing-options';

type ApacheFormat = Extract<LogFormat, 'COMMONAPACHELOG' | 'COMBINEDAPACHELOG'>;

const converterOf = (format: ApacheFormat): ApacheByteConverter =>
  createApacheByteConverter(BUILT_IN_LOG_FORMATS[format].fields, format === 'COMBINEDAPACHELOG');

/** The byte converter's output for `line` (no `\n`), or NOT_HANDLED; checks it stays within maxOutputBytes. */
function viaBytes(conv: ApacheByteConverter, line: string): string | typeof NOT_HANDLED {
  const src = Buffer.from(line, 'latin1');
  const room = conv.maxOutputBytes(src.length);
  // The line at 5, the output after it at an offset: the converter must use `at` and stay within its room.
  const buf = Buffer.alloc(5 + src.length + 7 + room + 16, 0xee);
  src.copy(buf, 5);
  const at = 5 + src.length + 7;
  const end = conv.convert(buf, 5, 5 + src.length, at);
  if (end === NOT_HANDLED) return NOT_HANDLED;
  expect(end - at).toBeLessThanOrEqual(room);
  expect(buf[end]).toBe(0xee);
  expect(buf.toString('latin1', 5, 5 + src.length)).toBe(line);
  return buf.toString('latin1', at, end);
}

// Apache httpd's documentation's example of the combined format (docs/2.4/logs.html#combined).
const COMBINED_LINE =
  '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 ' +
  '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';
// The Firehose/Kinesis documentation's example line ("Pre-process data with agents", LOGTOJSON).
const COMMON_LINE = '64.242.88.10 - - [07/Mar/2004:16:10:02 -0800] "GET /mailman/listinfo/hsdivision HTTP/1.1" 200 6291';
// The line tools/bench/src/log-agent-bench.ts writes.
const BENCH_LINE =
  '10.0.1.44 - - [07/Dec/2026:06:00:00 +0000] "GET /index.html?x=300 HTTP/1.1" 200 500 "https://example.com/" ' +
  '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"';

describe('the Apache byte converter (LOGTOJSON from bytes to bytes)', () => {
  it.each([
    ['COMBINEDAPACHELOG', COMBINED_LINE],
    ['COMBINEDAPACHELOG', BENCH_LINE],
    ['COMBINEDAPACHELOG', '10.0.0.7 - - [01/Jan/2024:00:00:00 +0000] "HEAD / HTTP/1.1" 304 - "-" "curl/8.5.0" 0.002 upstream=a'],
    ['COMBINEDAPACHELOG', 'host-1.example.com. u.ser_1 - [31/Dec/1999:23:59:59 +1400] "-" -5 +7 "a" "b"'],
    ['COMMONAPACHELOG', COMMON_LINE],
    ['COMMONAPACHELOG', COMBINED_LINE],
    ['COMMONAPACHELOG', '1.2.3.4 - - [07/Mar/2004:16:10:02 -0800] "GET / HTTP/1.1" 200 -x'],
    ['COMMONAPACHELOG', '1.2.3.4 - - [07/Mar/2004:16:10:02 -0800] "GET / HTTP/1.1" 200 -12abc'],
    ['COMMONAPACHELOG', '.. - - [07/Mar/2004:16:10:02 -0800] "GET / HTTP/1.1" 200 12'],
  ] as const)('takes the everyday %s line and writes what the regex converter writes: %s', (format, line) => {
    const out = viaBytes(converterOf(format), line);
    expect(out).not.toBe(NOT_HANDLED);
    expect(out).toBe(createLogToJsonConverter({ logFormat: format })(line + '\n'));
  });

  it.each([
    ['a backslash (JSON escapes it)', COMBINED_LINE.replace('start', 'st\\"art')],
    ['a tab in a field', COMBINED_LINE.replace('GET ', 'GET\t')],
    ['a CRLF line end (dropped by the regex)', COMBINED_LINE + '\r'],
    ['a one-digit day', COMBINED_LINE.replace('[10/', '[1/')],
    ['a leap second', COMBINED_LINE.replace(':36 ', ':60 ')],
    ['a zone without sign', COMBINED_LINE.replace('-0700', '0700')],
    ['a host with two dots in a row', COMBINED_LINE.replace('127.0.0.1', 'a..b')],
    ['an empty request (dropped)', COMBINED_LINE.replace('"GET /apache_pb.gif HTTP/1.0"', '""')],
    ['a common line under COMBINEDAPACHELOG (dropped)', COMMON_LINE],
    ['a month in lower case', COMBINED_LINE.replace('Oct', 'oct')],
    ['hour 24', COMBINED_LINE.replace(':13:', ':24:')],
  ])('declines %s, for the regex converter to decide', (_what, line) => {
    expect(viaBytes(converterOf('COMBINEDAPACHELOG'), line)).toBe(NOT_HANDLED);
  });

  it('uses customFieldNames as the keys', () => {
    const names = ['h', 'i', 'u', 'd', 'r', 's', 'b', 'ref', 'ua'];
    const out = viaBytes(createApacheByteConverter(names, true), COMBINED_LINE);
    expect(out).toBe(createLogToJsonConverter({ logFormat: 'COMBINEDAPACHELOG', customFieldNames: names })(COMBINED_LINE + '\n'));
    expect(out).toMatch(/^\{"h":"127\.0\.0\.1","i":null,"u":"frank",/);
  });

  it('is built only for LOGTOJSON of an Apache access format alone, without matchPattern, COMPACT, distinct names', () => {
    const logToJson = (o: object) => ({ optionName: 'LOGTOJSON' as const, logFormat: 'COMBINEDAPACHELOG' as const, jsonFormat: 'COMPACT' as const, ...o });
    expect(apacheByteConverterFor([logToJson({})])).toBeDefined();
    expect(apacheByteConverterFor([logToJson({ logFormat: 'COMMONAPACHELOG' })])).toBeDefined();
    expect(apacheByteConverterFor([logToJson({ logFormat: 'SYSLOG' })])).toBeUndefined();
    expect(apacheByteConverterFor([logToJson({ jsonFormat: 'PRETTYPRINT' })])).toBeUndefined();
    expect(apacheByteConverterFor([logToJson({ matchPattern: '(.*)', customFieldNames: ['a'] })])).toBeUndefined();
    expect(apacheByteConverterFor([logToJson({ customFieldNames: ['a', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] })])).toBeUndefined();
    expect(apacheByteConverterFor([{ optionName: 'SINGLELINE' }, logToJson({})])).toBeUndefined();
    expect(apacheByteConverterFor([])).toBeUndefined();
  });

  describe('on generated lines, near and far from the pattern', () => {
    // Each piece: forms the pattern takes (mostly), then forms it refuses or the scanner leaves to the regex.
    const piece = (taken: string[], others: string[]) =>
      fc.oneof({ arbitrary: fc.constantFrom(...taken), weight: 8 }, { arbitrary: fc.constantFrom(...others), weight: 1 });
    const host = piece(['1.2.3.4', 'a.b.', 'a-', '_x', '.', '..1', 'a.-b', '-'], ['a..b', '.a', '', 'a b', '1.2.3.4:80', 'ü']);
    const user = piece(['-', 'frank', 'a.b_c-d'], ['', 'a"b', 'x y']);
    const date = piece(
      ['10/Oct/2000:13:55:36 -0700', '01/Jan/1000:00:00:00 +0000', '31/Dec/9999:23:59:59 -1200'],
      [
        '1/Oct/2000:13:55:36 -0700', '10/Oct/2000:13:55:60 -0700', '10/Oct/2000:13:55:36.123 -0700', '10/Oct/2000:3:55:36 -0700',
        '10/Oct/0200:13:55:36 -0700', '32/Oct/2000:13:55:36 -0700', '10/Sept/2000:13:55:36 -0700', '10/Oct/2000:13:55:36 0700',
        '10/Oct/2000:13:55:36\t-0700', '10/Oct/2000:13:55:36 -07000', '00/Oct/2000:13:55:36 -0700', '10/Oct/2000:24:00:00 +0000',
      ],
    );
    const quoted = piece(['"GET / HTTP/1.1"', '"-"', '"[a] (b); c=d"', '"\'"'], ['""', '"a\\"b"', '"tab\there"', '"x', '"ctl\u0001"', '"\u007f"']);
    const num = piece(['200', '-', '+5', '-5', '007'], ['+', '2x', '']);
    const tail = piece(['', ' 0.002 upstream=a', 'x', ' "q"'], ['\r', ' \\', '\u0085']);
    const spaceOr = piece([' '], ['  ', '']);
    const line = fc
      .tuple(host, spaceOr, user, spaceOr, user, spaceOr, date, spaceOr, quoted, spaceOr, num, spaceOr, num, spaceOr, quoted, spaceOr, quoted, tail)
      .map(([h, s1, u1, s2, u2, s3, d, s4, q1, s5, n1, s6, n2, s7, q2, s8, q3, t]) =>
        `${h}${s1}${u1}${s2}${u2}${s3}[${d}]${s4}${q1}${s5}${n1}${s6}${n2}${s7}${q2}${s8}${q3}${t}`,
      );

    it.each(['COMBINEDAPACHELOG', 'COMMONAPACHELOG'] as const)('%s: every line it takes gives the regex converter\'s output', (format) => {
      const conv = converterOf(format);
      const regex = createLogToJsonConverter({ logFormat: format });
      let taken = 0;
      fc.assert(
        fc.property(line, (l) => {
          const out = viaBytes(conv, l);
          if (out === NOT_HANDLED) return;
          taken++;
          expect(out).toBe(regex(l + '\n'));
        }),
        { numRuns: 3000, seed: 14 },
      );
      // The check is worth something only if the scanner took a fair share of the lines.
      expect(taken).toBeGreaterThan(30);
    });
  });
});
