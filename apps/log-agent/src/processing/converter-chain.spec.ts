import { createAddMetadataConverter } from './add-metadata-converter';
import { bracketsConverter } from './brackets-converter';
import { buildPipeline } from './converter-chain';
import { createCsvToJsonConverter, javaSplitter } from './csv-to-json-converter';
import { compactJson, jsonString, prettyJson } from './json-printer';
import type { ProcessingOption } from './processing-options';
import { javaTrim, singleLineConverter } from './single-line-converter';
import { JAVA_SINGLELINE_VECTORS, JAVA_SPLIT_VECTORS } from './testing/java-string-vectors';

/** The value, failing the test when it is null or undefined. */
function must<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('expected a value, got ' + String(value));
  return value;
}

const b = (s: string) => Buffer.from(s, 'utf8');

describe('SINGLELINE (SingleLineDataConverter)', () => {
  it('trims each line and joins them with nothing between, then one \\n', () => {
    expect(singleLineConverter('first line \n   second\tline\n\tthird\n')).toBe('first linesecond\tlinethird\n');
  });

  it('removes \\r of CRLF lines (Java trim takes every character up to U+0020) and trailing empty lines', () => {
    expect(singleLineConverter('a\r\n b\r\n\n\n')).toBe('ab\n');
    expect(javaTrim('\u0000\u001f x \u0007')).toBe('x');
    expect(javaTrim('\u00a0x\u00a0')).toBe('\u00a0x\u00a0');
  });

  it.each(JAVA_SINGLELINE_VECTORS)('turns %j into what the Java agent makes of it', (record, expected) => {
    expect(singleLineConverter(record)).toBe(expected);
  });

  it('keeps an inner empty line as nothing and an empty record as \\n', () => {
    expect(singleLineConverter('a\n\nb\n')).toBe('ab\n');
    expect(singleLineConverter('')).toBe('\n');
  });
});

describe('CSVTOJSON (CSVToJSONDataConverter)', () => {
  const csv = (delimiter: string | undefined, names: string[], line: string) =>
    createCsvToJsonConverter({ customFieldNames: names, delimiter })(line);

  it('maps columns to customFieldNames in order; missing columns are null, extra ones ignored', () => {
    expect(csv(undefined, ['f1', 'f2', 'f3'], 'v1,v2\n')).toBe('{"f1":"v1","f2":"v2","f3":null}\n');
    expect(csv(undefined, ['f1'], 'v1,v2,v3\n')).toBe('{"f1":"v1"}\n');
  });

  it('treats the delimiter as a Java regex: the agent\'s example "\\\\t" splits at tabs', () => {
    // configuration/example/agent.json of the agent: "delimiter": "\\t" (JSON), the regex \t.
    expect(csv('\\t', ['field1', 'field2', 'field3'], 'a\tb c\td\n')).toBe('{"field1":"a","field2":"b c","field3":"d"}\n');
    expect(csv('\\s*;\\s*', ['x', 'y'], 'p ;  q\n')).toBe('{"x":"p","y":"q"}\n');
    // "|" is the empty alternation: it matches between every two characters, as Java's "p|q".split("|") does.
    expect(csv('|', ['x', 'y'], 'p|q\n')).toBe('{"x":"p","y":"|"}\n');
  });

  it('does not honour quotes, as the agent does not (String.split)', () => {
    expect(csv(undefined, ['a', 'b', 'c'], '"x,y",z\n')).toBe('{"a":"\\"x","b":"y\\"","c":"z"}\n');
  });

  it('drops trailing empty columns but keeps inner and leading ones (String.split, limit 0)', () => {
    expect(javaSplitter(',')('a,,b,,')).toEqual(['a', '', 'b']);
    expect(javaSplitter(',')(',a')).toEqual(['', 'a']);
    expect(javaSplitter(',')('')).toEqual(['']);
    expect(javaSplitter(',')(',,')).toEqual([]);
    expect(javaSplitter('\\s+')('a  b ')).toEqual(['a', 'b']);
    expect(javaSplitter('x*')('ab')).toEqual(['a', 'b']);
  });

  it.each(JAVA_SPLIT_VECTORS)('splits with %j as Java\'s String.split does: %j', (delimiter, text, expected) => {
    expect(javaSplitter(delimiter)(text)).toEqual(expected);
  });

  it('keeps the \\r of a CRLF line in the last column (only \\n is taken off)', () => {
    expect(csv(undefined, ['a', 'b'], '1,2\r\n')).toBe('{"a":"1","b":"2\\r"}\n');
  });
});

describe('ADDMETADATA and ADDBRACKETS', () => {
  it('wraps the record as {"metadata": metadataFields, "data": record}', () => {
    const add = createAddMetadataConverter({ metadataFields: { env: 'prod', site: { id: 7 } } });
    expect(add('GET / 200\n')).toBe('{"metadata":{"env":"prod","site":{"id":7}},"data":"GET / 200"}\n');
    expect(createAddMetadataConverter({ metadataFields: undefined })('x\n')).toBe('{"metadata":null,"data":"x"}\n');
  });

  it('puts the record, its \\n included, between braces', () => {
    expect(bracketsConverter('hello there\n')).toBe('{hello there\n}');
  });
});

describe('JSON printing (Jackson)', () => {
  it('escapes like Jackson: short forms, other control characters as upper-case \\u00XX, nothing else', () => {
    expect(jsonString('a"b\\c/d\b\t\n\f\r\u0000\u001b\u007fé')).toBe('"a\\"b\\\\c/d\\b\\t\\n\\f\\r\\u0000\\u001B\u007fé"');
    expect(compactJson({ a: [1, true, null, 'x'] })).toBe('{"a":[1,true,null,"x"]}');
  });

  it('writes what Jackson 2.17.2 writes (writeValueAsString, writerWithDefaultPrettyPrinter), byte for byte', () => {
    // Computed by Jackson's ObjectMapper on the same LinkedHashMap (OpenJDK 17), not typed from memory.
    const jackson =
      '{"s":"a\\"b\\\\c/d\\b\\t\\n\\f\\r\\u0000\\u001B\u007f\u00e9\u2028","n":null,"b":{"c":[1,2]},"d":{},"e":[]}\n' +
      '{\n  "s" : "a\\"b\\\\c/d\\b\\t\\n\\f\\r\\u0000\\u001B\u007f\u00e9\u2028",\n  "n" : null,\n  "b" : {\n    "c" : [ 1, 2 ]\n  },\n' +
      '  "d" : { },\n  "e" : [ ]\n}\n';
    const value = { s: 'a"b\\c/d\b\t\n\f\r\u0000\u001b\u007f\u00e9\u2028', n: null, b: { c: [1, 2] }, d: {}, e: [] };
    expect(compactJson(value) + '\n' + prettyJson(value) + '\n').toBe(jackson);
  });

  it('pretty-prints like DefaultPrettyPrinter', () => {
    expect(prettyJson({ a: 'x', b: { c: [1, 2] }, d: {}, e: [] })).toBe(
      '{\n  "a" : "x",\n  "b" : {\n    "c" : [ 1, 2 ]\n  },\n  "d" : { },\n  "e" : [ ]\n}',
    );
  });
});

describe('buildPipeline (AgentDataConverterChain, AbstractParser.buildRecord)', () => {
  it('passes bytes through untouched without options, invalid UTF-8 included', () => {
    const raw = Buffer.from([0x61, 0xff, 0xfe, 0x00, 0x0a]);
    const result = buildPipeline([])(raw);
    expect(result).toEqual({ data: raw, outcome: 'converted' });
    expect(result.data).toBe(raw);
  });

  it('applies the options in the order given', () => {
    const options: ProcessingOption[] = [
      { optionName: 'SINGLELINE' },
      { optionName: 'CSVTOJSON', customFieldNames: ['a', 'b'], delimiter: ',', jsonFormat: 'COMPACT' },
    ];
    expect(must(buildPipeline(options)(b('1,\n  2\n')).data).toString()).toBe('{"a":"1","b":"2"}\n');
    const reversed = buildPipeline([options[1], options[0]]);
    expect(must(reversed(b('1,\n  2\n')).data).toString()).toBe('{"a":"1","b":"\\n  2"}\n');
  });

  it('stops and drops the record when an option gives null (LOGTOJSON on an unparseable line)', () => {
    const p = buildPipeline([
      { optionName: 'LOGTOJSON', logFormat: 'SYSLOG', jsonFormat: 'COMPACT' },
      { optionName: 'ADDBRACKETS' },
    ]);
    expect(p(b('garbage\n'))).toEqual({ data: null, outcome: 'dropped' });
  });

  it('turns invalid UTF-8 and garbage bytes into U+FFFD through a converter, never throwing', () => {
    const garbage = Buffer.concat([b('a,'), Buffer.from([0xc3, 0x28, 0xff, 0x00, 0xed, 0xa0, 0x80]), b('\n')]);
    const result = buildPipeline([{ optionName: 'CSVTOJSON', customFieldNames: ['x', 'y'], delimiter: ',', jsonFormat: 'COMPACT' }])(garbage);
    expect(result.outcome).toBe('converted');
    const text = must(result.data).toString('utf8');
    expect(JSON.parse(text)).toEqual({ x: 'a', y: '\ufffd(\ufffd\u0000\ufffd\ufffd\ufffd' });
    expect(text).toContain('\\u0000');
    expect(Buffer.from(text, 'utf8').equals(must(result.data))).toBe(true);
  });
});
