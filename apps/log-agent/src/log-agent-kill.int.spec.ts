/**
 * kill -9 of the agent mid-stream, then a restart, while a writer appends at 10,000 lines/s and rotates by rename:
 * the agent runs as a child process (main.ts with an agent.json, the emulator's endpoint in `kinesis.endpoint`).
 * The checkpoint moves only past acknowledged chunks, so after the restart nothing may be missing, and the lines
 * sent twice are those of the chunks in flight at the kill (acknowledged per chunk: flow-delivery.ts): at most
 * the producer's record bound (DELIVERY_DEFAULTS.maxBufferedRecords) plus the rest of a partly acknowledged
 * chunk, and the acknowledged chunks whose checkpoint write had not landed. The count is printed.
 * Then SIGTERM: the agent flushes, checkpoints and exits 0, and a third start sends nothing again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { DELIVERY_DEFAULTS } from './delivery/producer-settings';
import { countStream, createStream, kinesisClient, sleep, tempDir } from './testing/agent-harness';
import { flowHealth, killAgent, startAgentProcess, untilProcessCaughtUp, type AgentProcess } from './testing/agent-process';
import { LogWriter } from './testing/log-writer';

/** Lines of one 256 KiB chunk (the tailer's read size) at ~230 bytes a line, rounded up. */
const ONE_CHUNK_LINES = 1200;

describe('log-agent: kill -9 mid-stream and restart', () => {
  let emu: RunningEmulator;
  let client: KinesisClient;
  let agent: AgentProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    client = kinesisClient(emu.url);
    dir = tempDir('la-kill-');
  });

  afterAll(async () => {
    if (agent) await killAgent(agent);
    client.destroy();
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loses no line and re-sends at most the in-flight window', async () => {
    const stream = `kill-${Date.now().toString(36)}`;
    await createStream(client, stream, 4);
    const logPath = path.join(dir, 'access.log');
    fs.writeFileSync(logPath, '');
    const configPath = path.join(dir, 'agent.json');
    fs.writeFileSync(
      configPath,
      JSON.stringify({
        checkpointFile: path.join(dir, 'checkpoints'),
        'kinesis.endpoint': emu.url,
        flows: [{ filePattern: `${dir}/access.log*`, kinesisStream: stream, initialPosition: 'START_OF_FILE', maxBufferAgeMillis: 1000 }],
      }),
    );
    // keep 20 (~20 s of rotated files at this rate, not the default 5): the agent must find at its restart the file
    // it was reading at the kill. With 5, a restart that took over ~5 s (tsx starting the agent on a loaded host)
    // found that file already deleted by the rotation, and its unacknowledged lines were lost, as they would be
    // under the Java agent (two runs at load ~11 lost 320 and 330, with ~93,000 lines written instead of ~60,000).
    const writer = new LogWriter({ path: logPath, linesPerSecond: 10_000, rotation: 'rename', rotateBytes: 2_000_000, keep: 20 });
    // The agent first: on a first start (no checkpoint) the agent reads only the current file, not the rotated
    // ones already there (start-position.ts, as SourceFileTracker), so the writer starts once it is up.
    agent = await startAgentProcess(configPath);
    writer.start();
    // Mid-stream: some lines acknowledged, the writer still going.
    for (let i = 0; i < 100; i++) {
      const [f] = await flowHealth(agent);
      if (f.recordsAcknowledged > 10_000) break;
      await sleep(100);
    }
    const [before] = await flowHealth(agent);
    expect(before.recordsAcknowledged).toBeGreaterThan(10_000);
    const firstLines = agent.lines;
    const killed = await killAgent(agent);
    expect(killed.signal).toBe('SIGKILL');
    agent = undefined;
    const killedAtLines = writer.linesWritten;
    await sleep(1_000);

    agent = await startAgentProcess(configPath);
    await sleep(2_000);
    await writer.stop();
    await untilProcessCaughtUp(agent);
    const count = await countStream(client, stream, writer.seqs, `kill -9 after ${before.recordsAcknowledged} acks (${killedAtLines} lines written at the kill)`);
    expect(writer.linesWritten).toBeGreaterThan(40_000);
    if (count.missing.length > 0) {
      const show = (l: { msg: string }) => l.msg.startsWith('tailing') || l.msg.startsWith('file') || l.msg.includes('rotat');
      process.stdout.write(`first run:\n${firstLines.filter(show).map((l) => JSON.stringify(l)).join('\n')}\nsecond run:\n${agent.lines.filter(show).map((l) => JSON.stringify(l)).join('\n')}\nmissing ${count.missing[0]}..${count.missing[count.missing.length - 1]}\n`);
    }
    expect(count.missing).toEqual([]);
    expect(count.unexpected).toEqual([]);
    expect(count.duplicates).toBeLessThanOrEqual(DELIVERY_DEFAULTS.maxBufferedRecords + ONE_CHUNK_LINES);

    // A clean stop checkpoints everything: a third start re-sends nothing.
    const stopped = await killAgent(agent, 'SIGTERM');
    expect(stopped.code).toBe(0);
    agent = await startAgentProcess(configPath);
    await sleep(1_500);
    await untilProcessCaughtUp(agent);
    const [third] = await flowHealth(agent);
    expect(third.recordsAcknowledged).toBe(0);
    const again = await countStream(client, stream, writer.seqs, 'after SIGTERM and a third start');
    expect(again.duplicates).toBe(count.duplicates);
  }, 90_000);
});
