/**
 * Rotation of each kind while a writer appends combined Apache lines at 10,000 lines/s, the agent in process
 * against the emulator; every line is counted in the stream afterwards (KPL aggregates deaggregated).
 * - rename-and-create and copytruncate (logrotate's two modes): the rotated file keeps a name the glob matches
 *   (`access.log*`, as the agent's own docs write it), so nothing may be missing;
 * - truncation (a log reset, no copy kept): lines written after the agent's last read and before the truncation
 *   exist nowhere any more, for this agent as for the Java one; the writer waits until the agent has read the
 *   file to its end before truncating (as a reset after a drain would), so nothing may be missing either, and the
 *   tailer's `file-truncated` events must report 0 bytes lost.
 * Duplicates: none with rename or truncation; with copytruncate at most the in-flight window (see the assertion);
 * the count is printed for each.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DELIVERY_DEFAULTS } from './delivery/producer-settings';
import { startLogAgent, type RunningLogAgent } from './log-agent-app';
import { agentConfig, countStream, createStream, flowFor, kinesisClient, sleep, tempDir, TEST_CREDENTIALS, TEST_REGION, untilCaughtUp } from './testing/agent-harness';
import { LogWriter, type Rotation } from './testing/log-writer';
import pino from 'pino';

describe('log-agent: rotation while a writer appends at 10,000 lines/s', () => {
  let emu: RunningEmulator;
  let client: KinesisClient;
  let agent: RunningLogAgent | undefined;
  const dirs: string[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    client = kinesisClient(emu.url);
  });

  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  afterAll(async () => {
    client.destroy();
    await emu.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const cases: [Rotation, string][] = [
    ['rename', 'rename-and-create'],
    ['copytruncate', 'copytruncate'],
    ['truncate', 'truncation'],
  ];

  it.each(cases)('%s (%s): every line in the stream', async (rotation, label) => {
    const dir = tempDir(`la-rot-${rotation}-`);
    dirs.push(dir);
    const stream = `rot-${rotation}-${Date.now().toString(36)}`;
    await createStream(client, stream, 4);
    const logPath = path.join(dir, 'access.log');
    fs.writeFileSync(logPath, '');
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
    agent = await startLogAgent({
      config: agentConfig(
        [flowFor(dir, stream, { dataProcessingOptions: rotation === 'rename' ? [{ optionName: 'LOGTOJSON', logFormat: 'COMBINEDAPACHELOG', jsonFormat: 'COMPACT' }] : [] })],
        path.join(dir, 'checkpoints.json'),
      ),
      kinesis: { endpoint: emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS },
      tailerOptions: { rotatedIdleMs: 300, pollIntervalMs: 100 },
      logger,
      defaultMetrics: false,
      fsync: false,
    });
    const running = agent;
    const writer = new LogWriter({
      path: logPath,
      linesPerSecond: 10_000,
      rotation,
      rotateBytes: 1_000_000,
      beforeRotate:
        rotation === 'truncate'
          ? async () => {
              // Wait until the agent has read what is there (see file header).
              const size = fs.statSync(logPath).size;
              for (let i = 0; i < 200; i++) {
                const file = running.flows[0].tailer.stats().files.find((f) => f.path === logPath);
                if (file && file.readOffset >= size) return;
                await sleep(5);
              }
              throw new Error('the agent did not read the file before the truncation');
            }
          : undefined,
    });
    writer.start();
    await sleep(3_000);
    await writer.stop();
    expect(writer.rotationCount).toBeGreaterThanOrEqual(3);
    await untilCaughtUp(agent);
    const count = await countStream(client, stream, writer.seqs, `${label}: ${writer.rotationCount} rotations`);
    expect(writer.linesWritten).toBeGreaterThan(25_000);
    expect(count.missing).toEqual([]);
    expect(count.unexpected).toEqual([]);
    // copytruncate: the copy is read from where the tailer stood in the original when it saw the truncation; lines
    // read from the original and not yet acknowledged then can come again from the copy (bounded by the in-flight
    // window). The other two kinds re-send nothing.
    if (rotation === 'copytruncate') expect(count.duplicates).toBeLessThanOrEqual(DELIVERY_DEFAULTS.maxBufferedRecords);
    else expect(count.duplicates).toBe(0);
    // With copytruncate the tailer may report bytes as lost at the truncation that it then reads from the copy
    // (the count above is what matters); with a bare truncation after a full read, nothing may be reported lost.
    if (rotation === 'truncate') expect(lines.filter((l) => l.msg.startsWith('file truncated before'))).toEqual([]);
    // Every truncation was seen: with copytruncate it is reported as "truncated before its last lines were read"
    // when the tailer had not reached the end yet (the copy then supplies them), else as "reading it again".
    if (rotation !== 'rename') expect(lines.filter((l) => l.msg.startsWith('file truncated')).length).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
