import { createLogToJsonConverter, type LogToJsonOptions } from './log-to-json-converter';
import { ProcessingError } from './processing-error';

/** The value, failing the test when it is null or undefined. */
function must<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('expected a value, got ' + String(value));
  return value;
}

const convert = (options: LogToJsonOptions, line: string) => createLogToJsonConverter(options)(line);
const parse = (options: LogToJsonOptions, line: string) => {
  const out = convert(options, line);
  expect(out).not.toBeNull();
  expect(must(out).endsWith('}\n')).toBe(true);
  return JSON.parse(must(out)) as Record<string, unknown>;
};

// The Firehose/Kinesis documentation's example line ("Pre-process data with agents", LOGTOJSON).
const COMMON_LINE = '64.242.88.10 - - [07/Mar/2004:16:10:02 -0800] "GET /mailman/listinfo/hsdivision HTTP/1.1" 200 6291';
// Apache httpd's documentation's example of the combined format (docs/2.4/logs.html#combined).
const COMBINED_LINE =
  '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 ' +
  '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';

describe('LOGTOJSON COMMONAPACHELOG and COMBINEDAPACHELOG (ApacheLogParser)', () => {
  it('gives the agent\'s field names in its order, "-" as null, the JSON text exactly', () => {
    expect(convert({ logFormat: 'COMMONAPACHELOG' }, COMMON_LINE + '\n')).toBe(
      '{"host":"64.242.88.10","ident":null,"authuser":null,"datetime":"07/Mar/2004:16:10:02 -0800",' +
        '"request":"GET /mailman/listinfo/hsdivision HTTP/1.1","response":"200","bytes":"6291"}\n',
    );
  });

  it('reads the combined format with referer (HTTP\'s spelling, as the agent names it) and agent', () => {
    expect(parse({ logFormat: 'COMBINEDAPACHELOG' }, COMBINED_LINE + '\n')).toEqual({
      host: '127.0.0.1',
      ident: null,
      authuser: 'frank',
      datetime: '10/Oct/2000:13:55:36 -0700',
      request: 'GET /apache_pb.gif HTTP/1.0',
      response: '200',
      bytes: '2326',
      referer: 'http://www.example.com/start.html',
      agent: 'Mozilla/4.08 [en] (Win98; I ;Nav)',
    });
  });

  it('turns a "-" referer and size into null, and accepts anything after the last field (the agent\'s trailing .*)', () => {
    const line = '10.0.0.7 - - [01/Jan/2024:00:00:00 +0000] "HEAD / HTTP/1.1" 304 - "-" "curl/8.5.0" 0.002 upstream=a\n';
    expect(parse({ logFormat: 'COMBINEDAPACHELOG' }, line)).toMatchObject({ bytes: null, referer: null, agent: 'curl/8.5.0' });
  });

  it('reads a combined line as COMMONAPACHELOG too (the rest is the trailing .*)', () => {
    expect(parse({ logFormat: 'COMMONAPACHELOG' }, COMBINED_LINE)).toMatchObject({ authuser: 'frank', bytes: '2326' });
  });

  it('drops (null) a line that does not match: LogParsingException → record filtered out', () => {
    expect(convert({ logFormat: 'COMMONAPACHELOG' }, 'not an access log line\n')).toBeNull();
    expect(convert({ logFormat: 'COMBINEDAPACHELOG' }, COMMON_LINE + '\n')).toBeNull();
    // An empty request ("") is not [^"]+ in the agent's pattern.
    expect(convert({ logFormat: 'COMMONAPACHELOG' }, '1.2.3.4 - - [07/Mar/2004:16:10:02 -0800] "" 400 0\n')).toBeNull();
  });

  it('drops a CRLF line, as the Java agent does (only \\n is removed and . does not match \\r)', () => {
    expect(convert({ logFormat: 'COMBINEDAPACHELOG' }, COMBINED_LINE + '\r\n')).toBeNull();
    expect(convert({ logFormat: 'COMMONAPACHELOG' }, COMMON_LINE + '\r\n')).toBeNull();
  });

  it('escapes as Jackson does: backslash, control characters in upper-case hex; non-ASCII as it is', () => {
    const line = '1.2.3.4 - - [07/Mar/2004:16:10:02 -0800] "GET /a\\b\u001b HTTP/1.1" 200 1 "-" "Müller\ufffd"\n';
    const out = must(convert({ logFormat: 'COMBINEDAPACHELOG' }, line));
    expect(out).toContain('"request":"GET /a\\\\b\\u001B HTTP/1.1"');
    expect(out).toContain('"agent":"Müller\ufffd"');
    expect(JSON.parse(out)).toMatchObject({ request: 'GET /a\\b\u001b HTTP/1.1' });
  });

  it('renames the built-in fields with customFieldNames of the same count', () => {
    const out = parse({ logFormat: 'COMMONAPACHELOG', customFieldNames: ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'] }, COMMON_LINE);
    expect(Object.keys(out)).toEqual(['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7']);
    expect(out).toMatchObject({ f1: '64.242.88.10', f2: null, f7: '6291' });
  });

  it('keeps the first position and the last value of a repeated field name (LinkedHashMap.put)', () => {
    const out = convert({ logFormat: 'COMMONAPACHELOG', customFieldNames: ['a', 'b', 'a', 'c', 'd', 'e', 'f'] }, COMMON_LINE);
    expect(out).toBe('{"a":null,"b":null,"c":"07/Mar/2004:16:10:02 -0800","d":"GET /mailman/listinfo/hsdivision HTTP/1.1","e":"200","f":"6291"}\n');
  });
});

describe('LOGTOJSON, the documentation\'s examples (writing-with-agents.html, "Use the agent to Preprocess Data")', () => {
  it('converts the Apache Common Log example exactly as shown', () => {
    expect(convert({ logFormat: 'COMMONAPACHELOG' }, COMMON_LINE + '\n')).toBe(
      '{"host":"64.242.88.10","ident":null,"authuser":null,"datetime":"07/Mar/2004:16:10:02 -0800",' +
        '"request":"GET /mailman/listinfo/hsdivision HTTP/1.1","response":"200","bytes":"6291"}\n',
    );
  });

  it('converts it with custom field names exactly as shown', () => {
    expect(convert({ logFormat: 'COMMONAPACHELOG', customFieldNames: ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'] }, COMMON_LINE + '\n')).toBe(
      '{"f1":"64.242.88.10","f2":null,"f3":null,"f4":"07/Mar/2004:16:10:02 -0800",' +
        '"f5":"GET /mailman/listinfo/hsdivision HTTP/1.1","f6":"200","f7":"6291"}\n',
    );
  });

  it('converts the match-pattern example (bytes omitted) exactly as shown', () => {
    const options: LogToJsonOptions = {
      logFormat: 'COMMONAPACHELOG',
      matchPattern: '^([\\d.]+) (\\S+) (\\S+) \\[([\\w:/]+\\s[+\\-]\\d{4})\\] "(.+?)" (\\d{3})',
      customFieldNames: ['host', 'ident', 'authuser', 'datetime', 'request', 'response'],
    };
    expect(convert(options, '123.45.67.89 - - [27/Oct/2000:09:27:09 -0400] "GET /java/javaResources.html HTTP/1.0" 200\n')).toBe(
      '{"host":"123.45.67.89","ident":null,"authuser":null,"datetime":"27/Oct/2000:09:27:09 -0400",' +
        '"request":"GET /java/javaResources.html HTTP/1.0","response":"200"}\n',
    );
  });
});

describe('LOGTOJSON matchPattern (BaseLogParser with a custom pattern)', () => {
  // The documentation's custom pattern; Matcher.matches() needs it to cover the whole line.
  const matchPattern = '^([\\d.]+) (\\S+) (\\S+) \\[([\\w:/]+\\s[+\\-]\\d{4})\\] "(.+?)" (\\d{3})';
  const customFieldNames = ['client_ip', 'ident', 'auth_user', 'timestamp', 'request', 'response_code'];

  it('maps the groups to customFieldNames, "-" as null under an Apache format', () => {
    const line = '64.242.88.10 - - [07/Mar/2004:16:10:02 -0800] "GET /mailman/listinfo/hsdivision HTTP/1.1" 200';
    expect(parse({ logFormat: 'COMMONAPACHELOG', matchPattern, customFieldNames }, line + '\n')).toEqual({
      client_ip: '64.242.88.10',
      ident: null,
      auth_user: null,
      timestamp: '07/Mar/2004:16:10:02 -0800',
      request: 'GET /mailman/listinfo/hsdivision HTTP/1.1',
      response_code: '200',
    });
  });

  it('drops a line the pattern covers only in part (matches, not find)', () => {
    expect(convert({ logFormat: 'COMMONAPACHELOG', matchPattern, customFieldNames }, COMMON_LINE + '\n')).toBeNull();
  });

  it('keeps "-" under SYSLOG (SysLogParser does not turn it into null)', () => {
    const out = parse({ logFormat: 'SYSLOG', matchPattern: '(\\w+) (\\S+)', customFieldNames: ['a', 'b'] }, 'x -');
    expect(out).toEqual({ a: 'x', b: '-' });
  });

  it.each([
    [{ logFormat: 'COMMONAPACHELOG', matchPattern: '(a)' }, /matchPattern needs customFieldNames/],
    [{ logFormat: 'COMMONAPACHELOG', matchPattern: '(a)(b)', customFieldNames: ['x'] }, /2 capturing groups .* 1 fields/],
    [{ logFormat: 'SYSLOG', customFieldNames: ['only', 'four', 'names', 'here'] }, /SYSLOG has 5 fields/],
    [{ logFormat: 'COMMONAPACHELOG', matchPattern: '(a++)', customFieldNames: ['x'] }, /possessive/],
  ] as const)('refuses at start %j', (options, message) => {
    expect(() => createLogToJsonConverter(options as LogToJsonOptions)).toThrow(ProcessingError);
    expect(() => createLogToJsonConverter(options as LogToJsonOptions)).toThrow(message);
  });
});

describe('LOGTOJSON APACHEERRORLOG', () => {
  it('reads an Apache 2.4 error line: module, severity, pid and tid, client with port', () => {
    const line =
      '[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:4321] ' +
      'File does not exist: /usr/local/apache2/htdocs/favicon.ico\n';
    expect(parse({ logFormat: 'APACHEERRORLOG' }, line)).toEqual({
      timestamp: 'Fri Sep 09 10:42:29.902022 2011',
      module: 'core',
      severity: 'error',
      processid: '35708',
      threadid: '4328636416',
      client: '72.15.99.187:4321',
      message: 'File does not exist: /usr/local/apache2/htdocs/favicon.ico',
    });
  });

  it('gives null for the optional module and tid', () => {
    const line = '[Wed Oct 11 14:32:52 2000] [error] [pid 42] [client 127.0.0.1] client denied by server configuration\n';
    expect(parse({ logFormat: 'APACHEERRORLOG' }, line)).toMatchObject({ module: null, severity: 'error', threadid: null });
  });

  it('drops an Apache 2.2 line without [pid …], which the agent\'s pattern requires', () => {
    const line = '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration\n';
    expect(convert({ logFormat: 'APACHEERRORLOG' }, line)).toBeNull();
  });
});

describe('LOGTOJSON SYSLOG (RFC 3164) and RFC3339SYSLOG (SysLogParser)', () => {
  it('reads timestamp, hostname, program, processid, message', () => {
    const line = "Mar 12 12:00:08 server2 rcd[308]: Loaded 12 packages in 'ximian-red-carpet|351' (0.01878 seconds)\n";
    expect(convert({ logFormat: 'SYSLOG' }, line)).toBe(
      '{"timestamp":"Mar 12 12:00:08","hostname":"server2","program":"rcd","processid":"308",' +
        '"message":"Loaded 12 packages in \'ximian-red-carpet|351\' (0.01878 seconds)"}\n',
    );
  });

  it('gives null for a missing pid and accepts a padded day and a facility <n.n>', () => {
    expect(parse({ logFormat: 'SYSLOG' }, 'Jan  1 00:00:01 host kernel: [    0.000000] Linux version 6.1\n')).toEqual({
      timestamp: 'Jan  1 00:00:01',
      hostname: 'host',
      program: 'kernel',
      processid: null,
      message: '[    0.000000] Linux version 6.1',
    });
    expect(parse({ logFormat: 'SYSLOG' }, 'Feb 29 23:59:60 <4.6> gw dhcpd[7]: DHCPACK on 10.0.0.9\n')).toMatchObject({ hostname: 'gw' });
  });

  it('keeps quotes in the message and escapes them', () => {
    const out = must(convert({ logFormat: 'SYSLOG' }, 'Mar  3 01:02:03 h app[9]: said "hi"\n'));
    expect(out).toContain('"message":"said \\"hi\\""');
  });

  it('reads an RFC 3339 timestamp under RFC3339SYSLOG, and not under SYSLOG', () => {
    const line = '2024-05-01T12:00:08.123456+02:00 server2 sshd[4242]: Accepted publickey for root\n';
    expect(parse({ logFormat: 'RFC3339SYSLOG' }, line)).toEqual({
      timestamp: '2024-05-01T12:00:08.123456+02:00',
      hostname: 'server2',
      program: 'sshd',
      processid: '4242',
      message: 'Accepted publickey for root',
    });
    expect(convert({ logFormat: 'SYSLOG' }, line)).toBeNull();
  });

  it('drops an RFC 5424 line (the agent has no RFC 5424 format)', () => {
    expect(convert({ logFormat: 'SYSLOG' }, '<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - su root failed\n')).toBeNull();
  });

  it('prints Jackson\'s default pretty form with jsonFormat PRETTYPRINT', () => {
    const out = convert({ logFormat: 'SYSLOG', jsonFormat: 'PRETTYPRINT' }, 'Mar  3 01:02:03 h app: x\n');
    expect(out).toBe(
      '{\n  "timestamp" : "Mar  3 01:02:03",\n  "hostname" : "h",\n  "program" : "app",\n  "processid" : null,\n  "message" : "x"\n}\n',
    );
  });
});
