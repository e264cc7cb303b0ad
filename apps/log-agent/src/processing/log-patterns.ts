/**
 * The Kinesis Agent's built-in log formats: its regular expressions (awslabs/amazon-kinesis-agent
 * processing/parsers/PatternConstants.java) carried over piece by piece, and its field names and their order
 * (ApacheLogParser.java: COMMON_LOG_FIELDS, COMBINED_LOG_FIELDS — `referer`, spelled as HTTP spells it —,
 * ERROR_LOG_FIELDS; SysLogParser.java: SYSLOG_FIELDS, used for SYSLOG and RFC3339SYSLOG).
 *
 * Two spellings change so that JavaScript matches exactly what Java matched: Java's `\s` is `[ \t\n\x0B\f\r]`
 * (JavaScript's also takes Unicode spaces), and Java's `.` stops at `\n \r \u0085 \u2028 \u2029` (JavaScript's does
 * not stop at U+0085). Everything else (`\w \d \b`, ASCII in both) is the same text.
 *
 * These patterns are the authority on what matches. The hot path (RecordProcessor.pushPacked) runs the Apache
 * access formats through apache-log-scanner.ts first, a single pass over the bytes that takes only a strict subset
 * of these lines (the everyday form), writes the same JSON without a string per line, and leaves every other line
 * to these patterns; reproducing the patterns' backtracking in full (e.g. HOSTNAME's optional trailing `\.`) is
 * what a scanner cannot do safely, so it does not try.
 */
import type { LogFormat } from './processing-options';

const S = '[ \\t\\n\\x0B\\f\\r]';
const ANYDATA = '[^\\n\\r\\u0085\\u2028\\u2029]*';

const INT = '(?:[+-]?(?:[0-9]+))';
const POSINT = '(?:[1-9][0-9]*)';
const NONNEGINT = '(?:[0-9]+)';
const WORD = '\\w+';
const NOQUOTE = '[^"]+';
const IP = '(?:[\\d\\.]+)';
const HOSTNAME = '(?:[\\w\\-]+)(?:\\.(?:[\\w\\-]+))*(?:\\.?|\\b)';
const IPORHOST = `(?:${HOSTNAME}|${IP})`;
const URIHOST = `(?:${IPORHOST}(?::${POSINT})?)`;
const USER = '(?:[a-zA-Z0-9._-]+)';
const MONTHDAY = '(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])';
const DAY = '(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)';
const MONTH = '\\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\b';
const YEAR = '(?:[1-9]\\d*)';
const HOUR = '(?:2[0123]|[01]?[0-9])';
const MINUTE = '(?:[0-5][0-9])';
const SECOND = '(?:(?:[0-5]?[0-9]|60)(?:[:\\.,][0-9]+)?)';
const TIME = `(?:${HOUR}:${MINUTE}:${SECOND})`;
const HTTPDATE = `(?:${MONTHDAY}/${MONTH}/${YEAR}:${TIME}${S}${INT})`;
const APACHEERRORLOGTIMESTAMP = `(?:${DAY}${S}+${MONTH}${S}+${MONTHDAY}${S}+${TIME}${S}+${YEAR})`;
const SYSLOGTIMESTAMP = `(?:${MONTH}${S}+${MONTHDAY}${S}+${TIME})`;
const RFC3339 = '(?:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?)(?:Z|(?:[-+]\\d{2}:\\d{2}))';
// PatternConstants' SYSLOGFACILITY has an unescaped `.` between the two numbers: any character but a line end.
const SYSLOGFACILITY = `<${NONNEGINT}[^\\n\\r\\u0085\\u2028\\u2029]${NONNEGINT}>`;
const PROG = '([\\w\\._/%-]+)';
const SYSLOGPROG = `${PROG}(?:\\[(${POSINT})\\])?`;

const COMMON_APACHE_LOG =
  `^(${IPORHOST}) (${USER}) (${USER}) \\[(${HTTPDATE})\\] "(${NOQUOTE})" (${INT}|\\-) (${INT}|\\-)`;
const COMBINED_APACHE_LOG = `${COMMON_APACHE_LOG} "(${NOQUOTE})" "(${NOQUOTE})"`;
const APACHE_ERROR_LOG =
  `^\\[(${APACHEERRORLOGTIMESTAMP})\\] \\[(?:(${WORD}):)?(${WORD})\\] ` +
  `\\[pid (${NONNEGINT})(?::tid (${NONNEGINT}))?\\] \\[client (${URIHOST})\\] (${ANYDATA})`;
const SYSLOG_BASE = `^(${SYSLOGTIMESTAMP}) (?:${SYSLOGFACILITY} )?(${USER}) ${SYSLOGPROG}: (${ANYDATA})`;
const RFC3339_SYSLOG_BASE = `^(${RFC3339}) (?:${SYSLOGFACILITY} )?(${USER}) ${SYSLOGPROG}: (${ANYDATA})`;

export interface BuiltInLogFormat {
  /** Matched against the whole record (Matcher.matches), so compiled with `$`. */
  pattern: RegExp;
  fields: readonly string[];
  /** ApacheLogParser turns a field that is exactly `-` into null; SysLogParser does not. */
  dashIsNull: boolean;
  /** No group of the pattern can hold a `"` (the access logs' quoted fields are `[^"]+`). */
  quoteFree: boolean;
}

const COMMON_LOG_FIELDS = ['host', 'ident', 'authuser', 'datetime', 'request', 'response', 'bytes'] as const;

/** ApacheLogParser appends `.*` to the access-log patterns: anything may follow the last field. */
export const BUILT_IN_LOG_FORMATS: Readonly<Record<LogFormat, BuiltInLogFormat>> = {
  COMMONAPACHELOG: { pattern: new RegExp(`${COMMON_APACHE_LOG}${ANYDATA}$`), fields: COMMON_LOG_FIELDS, dashIsNull: true, quoteFree: true },
  COMBINEDAPACHELOG: {
    pattern: new RegExp(`${COMBINED_APACHE_LOG}${ANYDATA}$`),
    fields: [...COMMON_LOG_FIELDS, 'referer', 'agent'],
    dashIsNull: true,
    quoteFree: true,
  },
  APACHEERRORLOG: {
    pattern: new RegExp(`${APACHE_ERROR_LOG}$`),
    fields: ['timestamp', 'module', 'severity', 'processid', 'threadid', 'client', 'message'],
    dashIsNull: true,
    quoteFree: false,
  },
  SYSLOG: {
    pattern: new RegExp(`${SYSLOG_BASE}$`),
    fields: ['timestamp', 'hostname', 'program', 'processid', 'message'],
    dashIsNull: false,
    quoteFree: false,
  },
  RFC3339SYSLOG: {
    pattern: new RegExp(`${RFC3339_SYSLOG_BASE}$`),
    fields: ['timestamp', 'hostname', 'program', 'processid', 'message'],
    dashIsNull: false,
    quoteFree: false,
  },
};
