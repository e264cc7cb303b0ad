/**
 * The emulator down for 30 s (the issue's figure, kept: the suite stays under its 3-minute budget) while a writer
 * appends at 10,000 lines/s: the agent stops reading once the producer's buffer is full (memory bounded: the
 * producer holds at most its record bound, the files' unread bytes grow instead), /readyz answers 503 with the
 * reason, records that go unacknowledged for the record TTL (5 s here, so the re-put path runs six times over)
 * are put again; when the emulator is back (same port, same data directory) the agent catches up and every line
 * is in the stream. Duplicates can only be records Kinesis stored whose answers were lost at the cut; printed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { startLogAgent, type RunningLogAgent } from './log-agent-app';
import { DELIVERY_DEFAULTS } from './delivery/producer-settings';
import { agentConfig, countStream, createStream, flowFor, kinesisClient, sleep, tempDir, TEST_CREDENTIALS, TEST_REGION, untilCaughtUp } from './testing/agent-harness';
import { LogWriter } from './testing/log-writer';

const OUTAGE_MS = 30_000;

describe('log-agent: Kinesis unreachable for 30 s', () => {
  let emu: RunningEmulator | undefined;
  let agent: RunningLogAgent | undefined;
  let dir: string;
  let writer: LogWriter | undefined;

  afterAll(async () => {
    await writer?.stop();
    await agent?.close();
    await emu?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops reading (memory bounded), reports it, catches up after, and loses nothing', async () => {
    dir = tempDir('la-outage-');
    const dataDir = path.join(dir, 'emulator');
    emu = await startEmulator({ port: 0, dataDir, limits: false });
    const port = emu.port;
    let client: KinesisClient = kinesisClient(emu.url);
    const stream = `outage-${Date.now().toString(36)}`;
    await createStream(client, stream, 4);
    client.destroy();
    const logPath = path.join(dir, 'access.log');
    fs.writeFileSync(logPath, '');
    const config = agentConfig([flowFor(dir, stream)], path.join(dir, 'checkpoints.json'));
    config.delivery = { recordTtlMs: 5_000 };
    agent = await startLogAgent({
      config,
      kinesis: { endpoint: emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS },
      producerOptions: { requestTimeoutMs: 2_000, retry: { baseDelayMs: 50, maxDelayMs: 1_000 } },
      tailerOptions: { rotatedIdleMs: 300 },
      defaultMetrics: false,
      fsync: false,
    });
    const running = agent;
    // Unread bytes of the file being written: its size on disk minus what the tailer read (the tailer's own
    // figure is as of its last stat, which it does not take while it waits for the producer).
    const unread = (): number => {
      const f = running.flows[0].tailer.stats().files.find((file) => file.path === logPath);
      return f ? fs.statSync(logPath).size - f.readOffset : 0;
    };
    writer = new LogWriter({ path: logPath, linesPerSecond: 10_000, rotation: 'rename', rotateBytes: 1_000_000_000 });
    writer.start();
    await sleep(2_000);

    await emu.close();
    emu = undefined;
    const outageStart = Date.now();
    let maxBuffered = 0;
    let behindEarly = -1;
    let readyz: { status: number; body: string } | undefined;
    while (Date.now() - outageStart < OUTAGE_MS) {
      await sleep(500);
      const buffered = [...running.producers.values()].reduce((n, p) => n + p.stats().bufferedRecords, 0);
      maxBuffered = Math.max(maxBuffered, buffered);
      const behind = unread();
      if (behindEarly < 0 && Date.now() - outageStart > 10_000) behindEarly = behind;
      if (!readyz && Date.now() - outageStart > 5_000) {
        const res = await fetch(`${running.url}/readyz`);
        readyz = { status: res.status, body: await res.text() };
      }
    }
    const behindLate = unread();
    const resent = running.flows[0].flowDelivery.stats().recordsResent;
    process.stdout.write(
      `outage: producer buffer at most ${maxBuffered} records (bound ${DELIVERY_DEFAULTS.maxBufferedRecords}); unread bytes ${behindEarly} at 10 s, ${behindLate} at 30 s; ${resent} records put again after their TTL; heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB\n`,
    );
    expect(maxBuffered).toBeLessThanOrEqual(DELIVERY_DEFAULTS.maxBufferedRecords);
    expect(behindLate).toBeGreaterThan(behindEarly);
    expect(behindEarly).toBeGreaterThan(0);
    expect(resent).toBeGreaterThan(0);
    expect(readyz?.status).toBe(503);
    expect(readyz?.body).toMatch(/degraded/);

    emu = await startEmulator({ port, dataDir, limits: false });
    await sleep(2_000);
    await writer.stop();
    const written = writer;
    await untilCaughtUp(agent, 90_000);
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
    client = kinesisClient(emu.url);
    const count = await countStream(client, stream, written.seqs, `30 s outage (${resent} re-puts)`);
    client.destroy();
    expect(count.missing).toEqual([]);
    expect(count.unexpected).toEqual([]);
    // At most what was sent in the calls cut by the outage: the producer's buffer bound.
    expect(count.duplicates).toBeLessThanOrEqual(DELIVERY_DEFAULTS.maxBufferedRecords);
  }, 150_000);
});
