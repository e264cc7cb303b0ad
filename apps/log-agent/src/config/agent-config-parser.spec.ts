import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentConfigError } from './agent-config-error';
import { formatUnsupported, parseAgentConfig, type UnsupportedSetting } from './agent-config-parser';
import { readAgentConfig, readAgentConfigSync } from './agent-config-reader';
import { FlowProcessing } from '../processing';
import { AGENT_REPO_EXAMPLE, AGENT_REPO_RELEASE, DOCS_MULTI_LINE_FLOW, DOCS_MULTIPLE_STREAMS, DOCS_PROCESSING_OPTIONS } from './testing/agent-json-examples';

const flow = (extra: Record<string, unknown> = {}) => ({ filePattern: '/var/log/app/*.log', kinesisStream: 'logs', ...extra });

function refusal(json: unknown): AgentConfigError {
  try {
    parseAgentConfig(json);
  } catch (err) {
    expect(err).toBeInstanceOf(AgentConfigError);
    return err as AgentConfigError;
  }
  throw new Error('expected parseAgentConfig to refuse the file');
}

describe('parseAgentConfig on the Kinesis Agent\'s own examples', () => {
  it('reads configuration/example/agent.json of the agent\'s repository', () => {
    const { config, unsupported } = parseAgentConfig(AGENT_REPO_EXAMPLE);
    expect(config).toMatchObject({
      checkpointFile: '/tmp/aws-kinesis-agent-checkpoints/main.log',
      kinesisEndpoint: 'https://kinesis.us-west-2.amazonaws.com',
      credentials: { accessKeyId: 'ACCESSKEY', secretAccessKey: 'SECRETKEY' },
      shutdownTimeoutMillis: 10_000,
      checkpointTimeToLiveDays: 7,
    });
    expect(config.flows).toHaveLength(2);
    expect(config.flows[0]).toEqual({
      id: 'kinesis:aws-kinesis-agent-test1:/tmp/aws-kinesis-agent-test1.log*',
      filePattern: '/tmp/aws-kinesis-agent-test1.log*',
      kinesisStream: 'aws-kinesis-agent-test1',
      partitionKeyOption: 'RANDOM',
      initialPosition: 'END_OF_FILE',
      skipHeaderLines: 0,
      truncatedRecordTerminator: '\n',
      maxBufferAgeMillis: 60_000,
      maxBufferSizeRecords: 500,
      maxBufferSizeBytes: 5 * 1024 * 1024,
      minTimeBetweenFilePollsMillis: 100,
      maxTimeBetweenFileTrackerRefreshMillis: 10_000,
      dataProcessingOptions: [{ optionName: 'CSVTOJSON', customFieldNames: ['field1', 'field2', 'field3'], delimiter: '\\t', jsonFormat: 'COMPACT' }],
    });
    expect(config.flows[1]).toMatchObject({
      initialPosition: 'START_OF_FILE',
      dataProcessingOptions: [{ optionName: 'LOGTOJSON', logFormat: 'COMMONAPACHELOG', jsonFormat: 'COMPACT' }],
    });
    expect(unsupported.map(formatUnsupported)).toEqual([
      'agent.json: setting cloudwatch.endpoint is not supported: metrics are served on /metrics (Prometheus), not sent to CloudWatch',
      'agent.json: setting cloudwatch.emitMetrics is not supported: metrics are served on /metrics (Prometheus), not sent to CloudWatch',
    ]);
  });

  it('refuses the release agent.json for its Firehose flow, naming the flow, and reads it without that flow', () => {
    const err = refusal(AGENT_REPO_RELEASE);
    expect(err.code).toBe('FIREHOSE_FLOW_REFUSED');
    expect(err.message).toContain('flow /tmp/app.log*: flows[1].deliveryStream: Firehose flow refused');
    expect(err.message).toContain('"yourdeliverystream"');
    const withoutFirehose = { ...(AGENT_REPO_RELEASE as Record<string, unknown>) };
    withoutFirehose['flows'] = (withoutFirehose['flows'] as unknown[]).slice(0, 1);
    const { config, unsupported } = parseAgentConfig(withoutFirehose);
    // "kinesis.endpoint": "" is the release file's way of saying "the default".
    expect(config.kinesisEndpoint).toBeUndefined();
    expect(config.flows[0]).toMatchObject({ kinesisStream: 'yourkinesisstream', partitionKeyOption: 'RANDOM' });
    expect(unsupported.map((u) => u.setting)).toEqual(['firehose.endpoint', 'cloudwatch.emitMetrics']);
  });

  it('refuses the documentation\'s two-stream example for its Firehose flow only', () => {
    const err = refusal(DOCS_MULTIPLE_STREAMS);
    expect(err.code).toBe('FIREHOSE_FLOW_REFUSED');
    expect(err.problems).toEqual([expect.objectContaining({ flow: '/tmp/app2.log*', path: 'flows[1].deliveryStream' })]);
  });

  it('runs the documentation\'s multi-line flow: [SEQUENCE= starts a record, SINGLELINE, then CSVTOJSON on tabs', () => {
    const { config } = parseAgentConfig(DOCS_MULTI_LINE_FLOW);
    const p = new FlowProcessing(config.flows[0]).forFile();
    const input = '[SEQUENCE=1]\tstart\n  \tsecond\n[SEQUENCE=2]\tx\ty\n';
    const out = [...p.push(Buffer.from(input)), ...p.flush()].map((r) => r.data?.toString('utf8'));
    // SINGLELINE trims every line, the tab that began the continuation line included, and joins with nothing.
    expect(out).toEqual([
      '{"field1":"[SEQUENCE=1]","field2":"startsecond","field3":null}\n',
      '{"field1":"[SEQUENCE=2]","field2":"x","field3":"y"}\n',
    ]);
  });

  it('builds every processing option the documentation shows', () => {
    const { config } = parseAgentConfig({ flows: [flow({ dataProcessingOptions: DOCS_PROCESSING_OPTIONS })] });
    expect(config.flows[0].dataProcessingOptions.map((o) => o.optionName)).toEqual(['SINGLELINE', 'CSVTOJSON', 'LOGTOJSON', 'LOGTOJSON']);
  });
});

describe('parseAgentConfig: values, defaults and bounds (FileFlow, KinesisFileFlow, AgentConfiguration)', () => {
  it('applies the agent\'s defaults to a minimal file', () => {
    const { config, unsupported } = parseAgentConfig({ flows: [flow()] });
    expect(config).toMatchObject({ checkpointFile: '/var/run/aws-kinesis-agent/checkpoints', cloudwatchEmitMetrics: true });
    expect(config.credentials).toBeUndefined();
    expect(config.flows[0]).toMatchObject({ initialPosition: 'END_OF_FILE', partitionKeyOption: 'RANDOM', dataProcessingOptions: [] });
    expect(unsupported).toEqual([]);
  });

  it('takes a bare host as kinesis.endpoint, with https as the Java SDK does', () => {
    expect(parseAgentConfig({ 'kinesis.endpoint': 'kinesis.eu-west-1.amazonaws.com', flows: [flow()] }).config.kinesisEndpoint).toBe(
      'https://kinesis.eu-west-1.amazonaws.com',
    );
  });

  it('takes numbers and booleans written as strings, as the agent\'s converters do', () => {
    const { config } = parseAgentConfig({
      'cloudwatch.emitMetrics': 'false',
      shutdownTimeoutMillis: '2500',
      flows: [flow({ maxBufferSizeRecords: '100', skipHeaderLines: 2, multiLineStartPattern: '' })],
    });
    expect(config).toMatchObject({ cloudwatchEmitMetrics: false, shutdownTimeoutMillis: 2500 });
    expect(config.flows[0]).toMatchObject({ maxBufferSizeRecords: 100, skipHeaderLines: 2 });
    expect(config.flows[0].multiLineStartPattern).toBeUndefined();
  });

  it('reads the poll and rescan intervals the tailer runs on (no longer reported as unsupported)', () => {
    const { config, unsupported } = parseAgentConfig({
      flows: [flow({ minTimeBetweenFilePollsMillis: '250', maxTimeBetweenFileTrackerRefreshMillis: 30_000 })],
    });
    expect(config.flows[0]).toMatchObject({ minTimeBetweenFilePollsMillis: 250, maxTimeBetweenFileTrackerRefreshMillis: 30_000 });
    expect(unsupported).toEqual([]);
  });

  it.each([
    ['maxBufferAgeMillis', 999, /at least 1000/],
    ['maxBufferAgeMillis', 900_001, /at most 900000/],
    ['maxBufferSizeRecords', 501, /at most 500/],
    ['maxBufferSizeRecords', 0, /at least 1/],
    ['maxBufferSizeBytes', 5 * 1024 * 1024 + 1, /at most 5242880/],
    ['initialPosition', 'BEGINNING', /START_OF_FILE or END_OF_FILE/],
    ['partitionKeyOption', 'HASH', /RANDOM or DETERMINISTIC/],
    ['skipHeaderLines', -1, /at least 0/],
    ['truncatedRecordTerminator', 'x'.repeat(1024 * 1024), /exceeds the maximum record size/],
    ['kinesisStream', 'bad stream!', /Kinesis stream name/],
    ['multiLineStartPattern', '(?>atomic)', /atomic groups/],
    ['filePattern', '/var/log/*/app.log', /globs are supported in the file name only/],
  ])('refuses a bad %s, naming the flow and the setting', (key, value, message) => {
    const err = refusal({ flows: [flow({ [key]: value })] });
    expect(err.code).toBe('AGENT_CONFIG_INVALID');
    expect(err.message).toMatch(message);
    expect(err.problems[0]).toMatchObject({ flow: key === 'filePattern' ? value : '/var/log/app/*.log' });
    expect(err.problems[0].path.startsWith('flows[0]')).toBe(true);
  });

  it('lists every problem of the file at once', () => {
    const err = refusal({ checkpointFile: '', flows: [flow({ maxBufferSizeRecords: 0 }), { filePattern: '/b/*.log' }] });
    expect(err.problems.map((p) => p.path)).toEqual(['checkpointFile', 'flows[0].maxBufferSizeRecords', 'flows[1].kinesisStream']);
    expect(err.problems[2].message).toBe('is required');
  });

  it.each([
    [{}, /flows/],
    [{ flows: [] }, /at least one flow/],
    [[], /JSON object/],
    [{ flows: [flow()], awsAccessKeyId: 'AKIA' }, /give both or neither/],
    [{ flows: [flow()], 'kinesis.endpoint': 'http://' }, /expected a URL/],
  ])('refuses %j', (json, message) => {
    expect(refusal(json).message).toMatch(message);
  });
});

describe('parseAgentConfig: dataProcessingOptions', () => {
  const options = (...dpo: unknown[]) => ({ flows: [flow({ dataProcessingOptions: dpo })] });

  it('refuses ADDEC2METADATA by name, saying why', () => {
    const err = refusal(options({ optionName: 'ADDEC2METADATA' }));
    expect(err.message).toContain('flows[0].dataProcessingOptions[0].optionName: optionName ADDEC2METADATA is not supported');
    expect(err.message).toContain('instance metadata service');
  });

  it.each(['GZIPCOMPRESSION', 'USINGPLUGGIN'])('refuses %s, found only in the agent\'s sources, by name', (name) => {
    expect(refusal(options({ optionName: name })).message).toContain(`optionName ${name} is not supported: `);
  });

  it.each([
    [{ optionName: 'GZIP' }, /must be one of SINGLELINE, CSVTOJSON, LOGTOJSON, ADDMETADATA, ADDBRACKETS \(got GZIP\)/],
    [{ customFieldNames: ['a'] }, /optionName must be one of/],
    [{ optionName: 'CSVTOJSON' }, /customFieldNames: is required/],
    [{ optionName: 'LOGTOJSON' }, /logFormat: is required/],
    [{ optionName: 'LOGTOJSON', logFormat: 'RFC5424SYSLOG' }, /expected one of COMMONAPACHELOG, .*RFC3339SYSLOG/],
    [{ optionName: 'LOGTOJSON', logFormat: 'SYSLOG', jsonFormat: 'YAML' }, /COMPACT or PRETTYPRINT/],
    [{ optionName: 'LOGTOJSON', logFormat: 'SYSLOG', matchPattern: '(x)' }, /matchPattern needs customFieldNames/],
    [{ optionName: 'LOGTOJSON', logFormat: 'COMMONAPACHELOG', customFieldNames: ['a'] }, /has 7 fields/],
    [{ optionName: 'CSVTOJSON', customFieldNames: ['a'], delimiter: '(' }, /not a valid regular expression/],
  ])('refuses %j at start', (option, message) => {
    expect(refusal(options(option)).message).toMatch(message);
  });

  it('takes ADDMETADATA\'s fields from metadataFields or, as other agent versions read it, metadata', () => {
    const fields = (o: Record<string, unknown>) => parseAgentConfig(options({ optionName: 'ADDMETADATA', ...o })).config.flows[0].dataProcessingOptions[0];
    expect(fields({ metadataFields: { env: 'prod' } })).toEqual({ optionName: 'ADDMETADATA', metadataFields: { env: 'prod' }, jsonFormat: 'COMPACT' });
    expect(fields({ metadata: { env: 'dev' } })).toEqual({ optionName: 'ADDMETADATA', metadataFields: { env: 'dev' }, jsonFormat: 'COMPACT' });
  });

  it('reports keys an option does not have, without refusing it', () => {
    const { unsupported } = parseAgentConfig(options({ optionName: 'SINGLELINE', trim: true }));
    expect(unsupported).toEqual([
      { flow: '/var/log/app/*.log', setting: 'dataProcessingOptions[0].trim', why: 'SINGLELINE has no such setting; ignored' },
    ]);
  });
});

describe('parseAgentConfig: settings it does not honour', () => {
  it('names each with its flow and why, and still runs', () => {
    const { config, unsupported } = parseAgentConfig({
      maxSendingThreads: 24,
      assumeRoleARN: 'arn:aws:iam::123456789012:role/x',
      'cloudwatch.emitMetrics': false,
      colour: 'blue',
      flows: [flow({ fileFooterPattern: '^END$', retryMaxBackoffMillis: 5000, partitionKey: 'x' })],
    });
    expect(config.flows).toHaveLength(1);
    const lines = unsupported.map(formatUnsupported);
    expect(lines).toEqual([
      expect.stringMatching(/^agent\.json: setting maxSendingThreads is not supported: Node sends from one event loop/),
      expect.stringMatching(/^agent\.json: setting assumeRoleARN is not supported: credentials come from the AWS SDK/),
      'agent.json: setting colour is not supported: the Kinesis Agent has no such setting; ignored',
      expect.stringMatching(/^flow \/var\/log\/app\/\*\.log: setting fileFooterPattern is not supported: /),
      expect.stringMatching(/^flow \/var\/log\/app\/\*\.log: setting retryMaxBackoffMillis is not supported: libs\/kinesis-producer/),
      'flow /var/log/app/*.log: setting partitionKey is not supported: the Kinesis Agent has no such setting; ignored',
    ]);
  });

  it('does not report cloudwatch.emitMetrics when it is false or absent', () => {
    const settings = (json: unknown): UnsupportedSetting[] => parseAgentConfig(json).unsupported;
    expect(settings({ 'cloudwatch.emitMetrics': false, flows: [flow()] })).toEqual([]);
    expect(settings({ flows: [flow()] })).toEqual([]);
  });
});

describe('readAgentConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-agent-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and parses a file, and names the file in its errors', async () => {
    const path = join(dir, 'agent.json');
    await writeFile(path, JSON.stringify(AGENT_REPO_EXAMPLE));
    expect((await readAgentConfig(path)).config.flows).toHaveLength(2);
    await writeFile(path, JSON.stringify({ flows: [flow({ maxBufferSizeRecords: 0 })] }));
    await expect(readAgentConfig(path)).rejects.toThrow(`${path} is not usable`);
    await writeFile(path, '{ "flows": [ }');
    await expect(readAgentConfig(path)).rejects.toMatchObject({ code: 'AGENT_CONFIG_UNREADABLE' });
    await expect(readAgentConfig(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the agent configuration .*missing\.json/);
  });

  it('reads a file with comments, synchronously too', async () => {
    const path = join(dir, 'agent.json');
    await writeFile(path, '{\n  // the app\'s logs\n  "flows": [ { "filePattern": "/var/log/app/*.log", /* KDS */ "kinesisStream": "logs" } ]\n}\n');
    expect(readAgentConfigSync(path).config.flows[0].kinesisStream).toBe('logs');
    expect((await readAgentConfig(path)).config.flows).toHaveLength(1);
    expect(() => readAgentConfigSync(join(dir, 'missing.json'))).toThrow(/cannot read the agent configuration/);
  });
});
