/**
 * LOGTOJSON (awslabs/amazon-kinesis-agent processing/processors/LogToJSONDataConverter.java with
 * parsers/BaseLogParser.java, ApacheLogParser.java, SysLogParser.java):
 *
 * - One trailing `\n` is taken off, the rest must match the format's pattern whole (`Matcher.matches`); the JSON
 *   object gets the fields in order, then `\n` is put back.
 * - A record that does not match, or whose pattern has another number of groups than there are field names, is
 *   dropped: the agent catches the LogParsingException and returns null ("the record is filtered out"). Dropped
 *   records are counted (`parseFailures`) and their offsets still count as done for the checkpoint.
 * - The Apache formats turn a field that is exactly `-` into null; a group that did not take part is null too.
 * - `customFieldNames` without `matchPattern` renames the built-in fields (same count required); `matchPattern`
 *   needs `customFieldNames`. Both rules are checked when the option is built (config time), as in BaseLogParser.
 *
 * A CRLF line keeps its `\r` here (only `\n` is removed, as in the agent) and `.` does not match `\r`, so CRLF
 * access logs do not parse, exactly as under the Java agent; SINGLELINE first removes the `\r`.
 */
import { BUILT_IN_LOG_FORMATS } from './log-patterns';
import { compileJavaRegex, groupCount } from './java-regex';
import { jsonString, prettyJson } from './json-printer';
import { ProcessingError } from './processing-error';
import type { JsonFormat, LogFormat } from './processing-options';
import type { TextConverter } from './text-converter';

export interface LogToJsonOptions {
  logFormat: LogFormat;
  matchPattern?: string;
  customFieldNames?: readonly string[];
  jsonFormat?: JsonFormat;
}

/** Builds the converter; throws a ProcessingError for options the agent refuses at start. */
export function createLogToJsonConverter(options: LogToJsonOptions): TextConverter {
  const builtIn = BUILT_IN_LOG_FORMATS[options.logFormat];
  let pattern = builtIn.pattern;
  let fields = builtIn.fields;
  if (options.matchPattern !== undefined) {
    if (options.customFieldNames === undefined) {
      throw new ProcessingError('UNSUPPORTED_PATTERN', 'LOGTOJSON: matchPattern needs customFieldNames (one name per group of the pattern)');
    }
    pattern = compileJavaRegex(options.matchPattern, { anchor: 'whole' });
    fields = options.customFieldNames;
    const groups = groupCount(pattern);
    if (groups !== fields.length) {
      // The agent would drop every record ("The parsed fields don't match the given fields"); say it at start.
      throw new ProcessingError(
        'UNSUPPORTED_PATTERN',
        `LOGTOJSON: matchPattern has ${groups} capturing groups but customFieldNames names ${fields.length} fields; every record would be dropped`,
      );
    }
  } else if (options.customFieldNames !== undefined) {
    if (options.customFieldNames.length !== builtIn.fields.length) {
      throw new ProcessingError(
        'UNSUPPORTED_PATTERN',
        `LOGTOJSON: ${options.logFormat} has ${builtIn.fields.length} fields (${builtIn.fields.join(', ')}) but customFieldNames names ${options.customFieldNames.length}; give matchPattern too`,
      );
    }
    fields = options.customFieldNames;
  }
  return options.jsonFormat === 'PRETTYPRINT'
    ? prettyConverter(pattern, fields, builtIn.dashIsNull)
    : compactConverter(pattern, fields, builtIn.dashIsNull, options.matchPattern === undefined && builtIn.quoteFree);
}

/**
 * The hot path: the JSON text is concatenated directly, keys quoted once up front, and the line tested once for
 * characters JSON must escape instead of once per field (the access-log groups cannot hold `"`: the pattern stops
 * them at quotes, so only `\` and control characters need looking for). With repeated field names the agent's
 * LinkedHashMap keeps the first position and the last value; that rarer case goes through a Map.
 */
function compactConverter(pattern: RegExp, fields: readonly string[], dashIsNull: boolean, quoteFree: boolean): TextConverter {
  if (new Set(fields).size !== fields.length) return mapConverter(pattern, fields, dashIsNull, (m) => compactMap(m));
  const keys = fields.map((f, i) => (i === 0 ? '{' : ',') + jsonString(f) + ':');
  const n = fields.length;
  // eslint-disable-next-line no-control-regex
  const needsEscape = quoteFree ? /[\\\u0000-\u001f]/ : /["\\\u0000-\u001f]/;
  return (text) => {
    const line = stripNewline(text);
    const m = pattern.exec(line);
    if (m === null) return null;
    if (n === 0) return '{}\n';
    const plain = !needsEscape.test(line);
    let out = '';
    for (let i = 0; i < n; i++) {
      const v = m[i + 1];
      out += keys[i] + (v === undefined || (dashIsNull && v === '-') ? 'null' : plain ? '"' + v + '"' : jsonString(v));
    }
    return out + '}\n';
  };
}

function prettyConverter(pattern: RegExp, fields: readonly string[], dashIsNull: boolean): TextConverter {
  return mapConverter(pattern, fields, dashIsNull, (m) => prettyJson(Object.fromEntries(m)));
}

function mapConverter(
  pattern: RegExp,
  fields: readonly string[],
  dashIsNull: boolean,
  print: (m: Map<string, string | null>) => string,
): TextConverter {
  return (text) => {
    const m = pattern.exec(stripNewline(text));
    if (m === null) return null;
    const map = new Map<string, string | null>();
    fields.forEach((f, i) => {
      const v = m[i + 1];
      map.set(f, v === undefined || (dashIsNull && v === '-') ? null : v);
    });
    return print(map) + '\n';
  };
}

function compactMap(m: Map<string, string | null>): string {
  const parts: string[] = [];
  for (const [k, v] of m) parts.push(jsonString(k) + ':' + (v === null ? 'null' : jsonString(v)));
  return '{' + parts.join(',') + '}';
}

/** The agent takes off one trailing `\n` (LogToJSONDataConverter, CSVToJSONDataConverter, AddMetadataConverter). */
export function stripNewline(text: string): string {
  return text.charCodeAt(text.length - 1) === 0x0a ? text.slice(0, -1) : text;
}
