/**
 * Which HTTP handler should the producer's default Kinesis client use? PutRecords calls against the emulator
 * (in a child process, limits off, started through tools/bench/src/bench-server.ts) with three handlers:
 *
 *   sdk-default   the client's default: NodeHttp2Handler with disableConcurrentStreams (one HTTP/2 session per call)
 *   h1-keepalive  NodeHttpHandler with a keep-alive http.Agent (what createKinesisClient uses)
 *   h2-shared     NodeHttp2Handler with concurrent streams on one shared session
 *
 *   npx tsx libs/kinesis-producer/bench/compare-http-handlers.ts [--rounds 3]
 *
 * Payloads: 500 records of 100 bytes (an unaggregated call) and 50 records of 51,000 bytes (an aggregated call,
 * ~2.5 MB), each sequentially and with several calls in flight. Prints the median calls/s and client CPU per call
 * over the rounds (the handlers interleaved within each round, so drift of a shared machine hits them alike).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';

// A bench, like tools/bench: the SDK's Node 20 warning (its 2027 releases need Node 22) is clutter here, and only
// applies under Node 20 (why: jest.preset.js).
if (Number(process.versions.node.split('.')[0]) < 22) process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const ROOT = path.resolve(__dirname, '../../..');
const HANDLERS = ['sdk-default', 'h1-keepalive', 'h2-shared'] as const;
type HandlerName = (typeof HANDLERS)[number];

function makeClient(url: string, handler: HandlerName): KinesisClient {
  const base = { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  const client =
    handler === 'sdk-default'
      ? new KinesisClient(base)
      : handler === 'h1-keepalive'
        ? new KinesisClient({ ...base, requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 32 }) }) })
        : new KinesisClient({ ...base, requestHandler: new NodeHttp2Handler({ disableConcurrentStreams: false, maxConcurrentStreams: 100 }) });
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string' } } });
  const rounds = Number(values.rounds ?? 3);
  const server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/bench/src/bench-server.ts'), 'emulator'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    createInterface({ input: server.stdout as NodeJS.ReadableStream }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port)),
  );
  const url = `http://127.0.0.1:${port}`;
  const clients = Object.fromEntries(HANDLERS.map((h) => [h, makeClient(url, h)])) as Record<HandlerName, KinesisClient>;
  await clients['h1-keepalive'].send(new CreateStreamCommand({ StreamName: 'handlers', ShardCount: 4 }));
  await new Promise((r) => setTimeout(r, 200));
  const small: PutRecordsRequestEntry[] = Array.from({ length: 500 }, (_, i) => ({ Data: randomBytes(100), PartitionKey: `device-${i}` }));
  const big: PutRecordsRequestEntry[] = Array.from({ length: 50 }, () => ({
    Data: randomBytes(51_000),
    PartitionKey: 'a',
    ExplicitHashKey: BigInt('0x' + randomBytes(16).toString('hex')).toString(),
  }));
  const cases = [
    { label: '500 x 100 B, 1 in flight', entries: small, inFlight: 1, calls: 200 },
    { label: '500 x 100 B, 8 in flight', entries: small, inFlight: 8, calls: 400 },
    { label: '50 x 51 KB, 1 in flight', entries: big, inFlight: 1, calls: 40 },
    { label: '50 x 51 KB, 4 in flight', entries: big, inFlight: 4, calls: 60 },
  ];
  const results: Record<string, Record<HandlerName, { rates: number[]; cpu: number[]; errors: string[] }>> = {};
  for (let round = 0; round <= rounds; round++) {
    for (const c of cases) {
      results[c.label] ??= Object.fromEntries(HANDLERS.map((h) => [h, { rates: [], cpu: [], errors: [] }])) as never;
      for (const h of HANDLERS) {
        let done = 0;
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        try {
          await Promise.all(
            Array.from({ length: c.inFlight }, async () => {
              while (done < c.calls) {
                done++;
                const out = await clients[h].send(new PutRecordsCommand({ StreamName: 'handlers', Records: c.entries }));
                if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records failed`);
              }
            }),
          );
        } catch (err) {
          results[c.label][h].errors.push((err as Error).message);
          continue;
        }
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        if (round === 0) continue; // warm-up
        results[c.label][h].rates.push(c.calls / (ms / 1000));
        results[c.label][h].cpu.push((cpu.user + cpu.system) / 1000 / c.calls);
      }
    }
  }
  console.log(`median of ${rounds} rounds: calls/s (client CPU ms per call)`);
  console.log(['case'.padEnd(26), ...HANDLERS.map((h) => h.padStart(24))].join(''));
  for (const c of cases) {
    const cells = HANDLERS.map((h) => {
      const r = results[c.label][h];
      if (r.rates.length === 0) return `failed: ${r.errors[0]}`.slice(0, 23).padStart(24);
      const text = `${median(r.rates).toFixed(0)} (${median(r.cpu).toFixed(2)})` + (r.errors.length ? ` ${r.errors.length}err` : '');
      return text.padStart(24);
    });
    console.log([c.label.padEnd(26), ...cells].join(''));
  }
  for (const c of cases) {
    for (const h of HANDLERS) {
      const errors = results[c.label][h].errors;
      if (errors.length > 0) console.log(`${c.label}, ${h}: ${errors.length} failed round(s), first: ${errors[0]}`);
    }
  }
  for (const c of Object.values(clients)) c.destroy();
  server.kill('SIGTERM');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
