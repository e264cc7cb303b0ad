/**
 * CSVTOJSON (awslabs/amazon-kinesis-agent processing/processors/CSVToJSONDataConverter.java): one trailing `\n` off,
 * the text split with Java's `String.split(delimiter)` — the delimiter is a regular expression (the documented
 * example `"\\t"` is the regex `\t`), there is no quoting (a quoted field holding the delimiter is split like any
 * other text), and trailing empty columns are dropped —; each name of `customFieldNames` takes the column at its
 * position, or null when the line has fewer columns; extra columns are ignored. JSON then `\n`.
 *
 * This is deliberately not csv-parse: an RFC 4180 parser would turn `"a,b"` into one field where the agent sends two,
 * and a consumer written against the agent's output would break.
 */
import { compileJavaRegex } from './java-regex';
import { jsonString, prettyJson } from './json-printer';
import { stripNewline } from './log-to-json-converter';
import type { JsonFormat } from './processing-options';
import type { TextConverter } from './text-converter';

export interface CsvToJsonOptions {
  customFieldNames: readonly string[];
  /** A Java regular expression; default `,`. */
  delimiter?: string;
  jsonFormat?: JsonFormat;
}

export function createCsvToJsonConverter(options: CsvToJsonOptions): TextConverter {
  const split = javaSplitter(options.delimiter ?? ',');
  const fields = options.customFieldNames;
  const pretty = options.jsonFormat === 'PRETTYPRINT';
  return (text) => {
    const columns = split(stripNewline(text));
    // LinkedHashMap.put: a repeated name keeps its first position and takes the last value.
    const map = new Map<string, string | null>();
    for (let i = 0; i < fields.length; i++) map.set(fields[i], i < columns.length ? columns[i] : null);
    if (pretty) return prettyJson(Object.fromEntries(map)) + '\n';
    const parts: string[] = [];
    for (const [k, v] of map) parts.push(jsonString(k) + ':' + (v === null ? 'null' : jsonString(v)));
    return '{' + parts.join(',') + '}\n';
  };
}

const REGEX_META = '.$|()[{^?*+\\';

/**
 * java.lang.String.split(regex) with limit 0: pieces between matches; a match of width zero at the very start
 * adds no leading empty piece; trailing empty pieces are removed; no match at all gives the whole text.
 */
export function javaSplitter(delimiter: string): (text: string) => string[] {
  if (delimiter.length === 1 && !REGEX_META.includes(delimiter)) {
    // String.split's own fast path for a one-character literal.
    return (text) => {
      const pieces = text.split(delimiter);
      return pieces.length === 1 ? pieces : dropTrailingEmpty(pieces);
    };
  }
  const regex = compileJavaRegex(delimiter, { anchor: 'none', global: true });
  return (text) => {
    const pieces: string[] = [];
    let from = 0;
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      if (m[0].length === 0) {
        if (m.index === 0 || m.index >= text.length) {
          regex.lastIndex++;
          continue;
        }
      }
      pieces.push(text.slice(from, m.index));
      from = m.index + m[0].length;
      if (m[0].length === 0) regex.lastIndex++;
    }
    if (pieces.length === 0) return [text];
    pieces.push(text.slice(from));
    return dropTrailingEmpty(pieces);
  };
}

function dropTrailingEmpty(pieces: string[]): string[] {
  let end = pieces.length;
  while (end > 0 && pieces[end - 1] === '') end--;
  return end === pieces.length ? pieces : pieces.slice(0, end);
}
