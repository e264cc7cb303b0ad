/**
 * What a file can do to the agent, each counted line by line in the stream, the agent in process:
 * - deleted while pending: its lines read, Kinesis throttling every PutRecords entry (fault injection), the file
 *   deleted; the agent reads it to its end through its open descriptor and sends it once Kinesis takes records
 *   again (the agent's TrackedFile keeps its channel open the same way);
 * - garbage bytes and invalid UTF-8: raw lines (NUL, lone continuation bytes, overlong and truncated sequences,
 *   0xFF, CR LF) arrive byte for byte; with LOGTOJSON the lines that do not parse are counted as parse failures
 *   and not sent (LogToJsonProcessor filters them, as the agent does), the others arrive as JSON, and the
 *   checkpoint passes both;
 * - agent.json from the agent's own repository (configuration/example/agent.json: a CSVTOJSON flow with a tab
 *   delimiter and a LOGTOJSON COMMONAPACHELOG flow, static keys, a cloudwatch.endpoint), only its paths, stream
 *   names and endpoint pointed at this test: its unsupported setting is logged with where it came from and both
 *   flows deliver what its options make; the release file (a Firehose flow) is refused by name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import pino from 'pino';
import { appConfigOf, readAgentConfigSync } from './agent-startup';
import { AGENT_REPO_EXAMPLE, AGENT_REPO_RELEASE } from './config/testing/agent-json-examples';
import { startLogAgent, type RunningLogAgent } from './log-agent-app';
import { agentConfig, countStream, createStream, flowFor, kinesisClient, sleep, tempDir, TEST_CREDENTIALS, TEST_REGION, untilCaughtUp } from './testing/agent-harness';
import { accessLine } from './testing/log-writer';
import { readStream } from './testing/stream-reader';

describe('log-agent: deleted files, garbage, the agent\'s own agent.json', () => {
  let emu: RunningEmulator;
  let client: KinesisClient;
  let agent: RunningLogAgent | undefined;
  const dirs: string[] = [];
  const dir = (prefix: string): string => {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
  };
  const kinesis = () => ({ endpoint: emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS });

  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    client = kinesisClient(emu.url);
  });

  afterEach(async () => {
    emu.faults.clear();
    await agent?.close();
    agent = undefined;
  });

  afterAll(async () => {
    client.destroy();
    await emu.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a file deleted while its lines are pending is read to its end and delivered', async () => {
    const d = dir('la-del-');
    const stream = `del-${Date.now().toString(36)}`;
    await createStream(client, stream, 2);
    emu.faults.add({ operations: ['PutRecords'], streamName: stream, throttleRate: 1 });
    const logPath = path.join(d, 'access.log');
    fs.writeFileSync(logPath, '');
    agent = await startLogAgent({
      config: agentConfig([flowFor(d, stream)], path.join(d, 'checkpoints.json')),
      kinesis: kinesis(),
      producerOptions: { retry: { baseDelayMs: 20, maxDelayMs: 200 } },
      tailerOptions: { rotatedIdleMs: 300 },
      defaultMetrics: false,
      fsync: false,
    });
    const seqs = Array.from({ length: 5000 }, (_, i) => i);
    fs.appendFileSync(logPath, seqs.map((s) => accessLine(s, Date.now())).join(''));
    const running = agent;
    for (let i = 0; i < 100 && running.flows[0].flowDelivery.stats().recordsSent < seqs.length; i++) await sleep(50);
    expect(running.flows[0].flowDelivery.stats()).toMatchObject({ recordsSent: 5000, recordsAcked: 0 });
    fs.unlinkSync(logPath);
    await sleep(1_000);
    expect(running.flows[0].tailer.stats().filesTracked).toBe(1);
    emu.faults.clear();
    await untilCaughtUp(agent);
    expect(running.flows[0].tailer.stats().filesTracked).toBe(0);
    const count = await countStream(client, stream, seqs, 'deleted while pending');
    expect(count.missing).toEqual([]);
    expect(count.duplicates).toBe(0);
  }, 30_000);

  it('garbage bytes and invalid UTF-8: raw lines byte for byte; LOGTOJSON counts what does not parse', async () => {
    const d = dir('la-garbage-');
    const raw = `garbage-raw-${Date.now().toString(36)}`;
    const json = `garbage-json-${Date.now().toString(36)}`;
    await createStream(client, raw, 1);
    await createStream(client, json, 1);
    const rawDir = path.join(d, 'raw');
    const jsonDir = path.join(d, 'json');
    fs.mkdirSync(rawDir);
    fs.mkdirSync(jsonDir);
    const bad = [
      Buffer.from([0x00, 0x01, 0x02, 0x7f]),
      Buffer.from([0xff, 0xfe, 0xfd]),
      Buffer.from([0x80, 0x81, 0xbf]),
      Buffer.from([0xc0, 0xaf, 0xe0, 0x80, 0xaf]),
      Buffer.from([0xe2, 0x82]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('café ☕ 𝄞 \r'),
    ];
    const lines: Buffer[] = [];
    for (let i = 0; i < 700; i++) {
      const junk = bad[i % bad.length];
      lines.push(Buffer.concat([Buffer.from(`line ${i} `), junk, Buffer.from([Math.floor((i * 37) % 256) === 10 ? 11 : (i * 37) % 256]), Buffer.from('\n')]));
    }
    fs.writeFileSync(path.join(rawDir, 'access.log'), Buffer.concat(lines));
    const good = Array.from({ length: 300 }, (_, i) => Buffer.from(accessLine(i, Date.now())));
    // Apache lines with garbage between them: every other line unparseable.
    const mixed: Buffer[] = [];
    good.forEach((g, i) => mixed.push(g, lines[i]));
    fs.writeFileSync(path.join(jsonDir, 'access.log'), Buffer.concat(mixed));
    agent = await startLogAgent({
      config: agentConfig(
        [
          flowFor(rawDir, raw),
          flowFor(jsonDir, json, { dataProcessingOptions: [{ optionName: 'LOGTOJSON', logFormat: 'COMBINEDAPACHELOG', jsonFormat: 'COMPACT' }] }),
        ],
        path.join(d, 'checkpoints.json'),
      ),
      kinesis: kinesis(),
      defaultMetrics: false,
      fsync: false,
    });
    await untilCaughtUp(agent);
    const rawRecords = await readStream(client, raw);
    const sent = new Map(rawRecords.map((r) => [r.data.toString('latin1'), 0]));
    for (const r of rawRecords) sent.set(r.data.toString('latin1'), (sent.get(r.data.toString('latin1')) ?? 0) + 1);
    const missing = lines.filter((l) => !sent.has(l.toString('latin1')));
    process.stdout.write(`garbage raw: ${lines.length} lines written, ${rawRecords.length} records, ${missing.length} missing\n`);
    expect(missing).toEqual([]);
    expect(rawRecords).toHaveLength(lines.length);

    const jsonRecords = await readStream(client, json);
    const flow = agent.flows[1];
    process.stdout.write(`garbage LOGTOJSON: ${mixed.length} lines, ${jsonRecords.length} records, ${flow.counters.parseFailures} parse failures\n`);
    expect(flow.counters.parseFailures).toBe(300);
    expect(flow.counters.linesRead).toBe(600);
    const count = await countStream(client, json, good.map((_, i) => i), 'LOGTOJSON among garbage');
    expect(count.missing).toEqual([]);
    expect(count.duplicates).toBe(0);
    for (const r of jsonRecords) expect(JSON.parse(r.data.toString('utf8'))).toHaveProperty('request');
    // The checkpoint passed the garbage too: nothing unacknowledged remains.
    expect(flow.tailer.stats().files.every((f) => f.bytesUnacknowledged === 0)).toBe(true);
  }, 30_000);

  it('runs configuration/example/agent.json of the agent\'s repository; refuses its release file\'s Firehose flow', async () => {
    const d = dir('la-docs-');
    const example = JSON.parse(JSON.stringify(AGENT_REPO_EXAMPLE)) as { flows: { filePattern: string; kinesisStream: string }[]; [k: string]: unknown };
    const suffix = Date.now().toString(36);
    example.checkpointFile = path.join(d, 'checkpoints');
    example['kinesis.endpoint'] = emu.url;
    example.awsAccessKeyId = TEST_CREDENTIALS.accessKeyId;
    example.awsSecretAccessKey = TEST_CREDENTIALS.secretAccessKey;
    for (const f of example.flows) {
      f.filePattern = f.filePattern.replace('/tmp/', `${d}/`);
      f.kinesisStream = `${f.kinesisStream}-${suffix}`;
      await createStream(client, f.kinesisStream, 1);
    }
    const file = path.join(d, 'agent.json');
    fs.writeFileSync(file, JSON.stringify(example, null, 2));
    const startup = { settings: { configPath: file, host: '127.0.0.1', port: 0, aggregation: true, logLevel: 'info' as const }, agent: readAgentConfigSync(file) };
    const config = appConfigOf(startup);
    config.kinesisRegion = TEST_REGION;
    const logLines: { level: number; msg: string; setting?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void logLines.push(JSON.parse(s) as { level: number; msg: string }) });
    // The first flow starts at END_OF_FILE, the second at START_OF_FILE: lines exist before and are written after.
    const csvPath = path.join(d, 'aws-kinesis-agent-test1.log');
    const apachePath = path.join(d, 'aws-kinesis-agent-test2.log');
    fs.writeFileSync(csvPath, 'old\tline\tskipped\n');
    fs.writeFileSync(apachePath, '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326\n');
    agent = await startLogAgent({ config, logger, defaultMetrics: false, fsync: false });
    expect(logLines.filter((l) => l.level === 40 && l.setting === 'cloudwatch.endpoint')).toHaveLength(1);
    fs.appendFileSync(csvPath, 'a\tb\tc\n1\t2\t3\n');
    fs.appendFileSync(apachePath, '10.0.0.1 - - [10/Oct/2000:13:55:37 -0700] "POST /x HTTP/1.1" 404 -\n');
    // The file sets no maxBufferAgeMillis: records linger up to the agent's 60 s default. The shutdown flushes
    // them (the SIGTERM path), which is what this waits for once every line was read.
    const running = agent;
    const read = () => running.flows.map((f) => f.counters.linesRead);
    for (let i = 0; i < 100 && !(read()[0] >= 2 && read()[1] >= 2); i++) await sleep(50);
    expect(read()).toEqual([2, 2]);
    expect(running.flows.map((f) => f.flowDelivery.stats().recordsAcked)).toEqual([0, 0]);
    await agent.close();
    agent = undefined;
    const csv = (await readStream(client, example.flows[0].kinesisStream)).map((r) => JSON.parse(r.data.toString('utf8')) as unknown);
    const apache = (await readStream(client, example.flows[1].kinesisStream)).map((r) => JSON.parse(r.data.toString('utf8')) as Record<string, unknown>);
    expect(csv).toEqual([
      { field1: 'a', field2: 'b', field3: 'c' },
      { field1: '1', field2: '2', field3: '3' },
    ]);
    expect(apache).toHaveLength(2);
    expect(apache[0]).toMatchObject({ host: '127.0.0.1', authuser: 'frank', request: 'GET /apache_pb.gif HTTP/1.0', response: '200' });
    expect(apache[1]).toMatchObject({ host: '10.0.0.1', response: '404' });

    const release = path.join(d, 'release.json');
    fs.writeFileSync(release, JSON.stringify(AGENT_REPO_RELEASE));
    expect(() => readAgentConfigSync(release)).toThrow(/Firehose flow refused.*yourdeliverystream/);
  }, 30_000);
});
