/**
 * Part 3 of the consumer bench: failover time after a worker is killed with SIGKILL, 3 workers with default
 * settings on a 6-shard stream (emulator limits on); see consumer-bench.ts.
 */
import { CONSUMER_DEFAULTS } from '@tributary/kinesis-consumer';
import { fmtRate, median, printGrid } from './bench-report';
import { createStream, deleteStream, sleep } from './bench-support';
import { LineChild, heldBy, messageOf, startProducer, startWorker } from './consumer-bench-children';
import { DEVICES, RECORD_BYTES, unique, type Setup } from './consumer-bench-options';
import { epochMs, type WorkerMessage } from './consumer-bench-protocol';

/** The scenario (fixed by the issue). */
const FAILOVER_SHARDS = 6;
const FAILOVER_WORKERS = 3;
const FAILOVER_RATE = 1_000;
const FAILOVER_LINGER_MS = 50;

interface FailoverMeasurement {
  /** Kill → the last of the victim's shards handled by another worker. */
  failoverMs: number;
  /** Per victim shard: kill → taken by another worker, and kill → first handled there. */
  shards: Array<{ shardId: string; takenMs: number; handledMs: number; by: string }>;
  /** Start of the first worker → every worker at its share. */
  convergeMs: number;
}

async function failoverRun(setup: Setup): Promise<FailoverMeasurement> {
  const { options, aws, awsAdmin } = setup;
  const stream = unique('bench-consumer-failover');
  await createStream(awsAdmin, stream, FAILOVER_SHARDS);
  const applicationName = unique('bench-consumer-fo');
  const producer = startProducer({
    mode: 'paced',
    url: aws.url,
    stream,
    rate: FAILOVER_RATE,
    warmupSeconds: 0,
    seconds: 0,
    devices: DEVICES,
    recordBytes: RECORD_BYTES,
    maxBufferedTimeMs: FAILOVER_LINGER_MS,
  });
  const workers: LineChild<WorkerMessage>[] = [];
  try {
    const started = epochMs();
    for (let i = 1; i <= FAILOVER_WORKERS; i++) {
      const w = startWorker({ mode: 'failover', url: aws.url, stream, applicationName, workerId: `w${i}` }, options.profile);
      workers.push(w);
      await w.waitFor('start()', () => messageOf(w, 'ready'), 60_000);
    }
    const share = FAILOVER_SHARDS / FAILOVER_WORKERS;
    await workers[0].waitFor('an even share of the leases', () => (workers.every((w) => heldBy(w).size === share) ? true : undefined), 60_000);
    const convergeMs = epochMs() - started;
    await sleep(1_000);
    const [victim, ...others] = workers;
    const victimShards = [...heldBy(victim)];
    const killedAt = epochMs();
    victim.proc.kill('SIGKILL');
    const firstAfter = (shardId: string, type: 'acquired' | 'batch'): { t: number; by: string } | undefined => {
      let best: { t: number; by: string } | undefined;
      for (const w of others) {
        for (const m of w.messages) {
          if (m.type === type && m.shardId === shardId && m.t > killedAt && (best === undefined || m.t < best.t)) best = { t: m.t, by: w.label };
        }
      }
      return best;
    };
    await others[0].waitFor(
      "the victim's shards handled elsewhere",
      () => (victimShards.every((s) => firstAfter(s, 'batch') !== undefined) ? true : undefined),
      30_000,
    );
    const shards = victimShards.map((shardId) => {
      const handled = firstAfter(shardId, 'batch') as { t: number; by: string };
      const taken = firstAfter(shardId, 'acquired');
      return { shardId, takenMs: taken ? taken.t - killedAt : Number.NaN, handledMs: handled.t - killedAt, by: handled.by.replace(/ \(failover\)$/, '').replace(/^worker /, '') };
    });
    return { failoverMs: Math.max(...shards.map((s) => s.handledMs)), shards, convergeMs };
  } finally {
    await producer.stop(5_000);
    await Promise.all(workers.map((w) => w.stop()));
    await deleteStream(awsAdmin, stream).catch(() => undefined);
  }
}

export async function failoverPart(setup: Setup): Promise<Record<string, unknown>> {
  const { options } = setup;
  console.log(
    `\n3. Failover after SIGKILL: ${FAILOVER_WORKERS} workers (default settings: ${CONSUMER_DEFAULTS.retrieval}, failoverTimeMs ${CONSUMER_DEFAULTS.failoverTimeMs}, ` +
      `takerIntervalMs ${CONSUMER_DEFAULTS.takerIntervalMs}) on a ${FAILOVER_SHARDS}-shard stream, ${fmtRate(FAILOVER_RATE)} records/s flowing; emulator limits on; ` +
      'kill -> the last of its shards handled by another worker.',
  );
  const runs: FailoverMeasurement[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const m = await failoverRun(setup);
    runs.push(m);
    console.log(
      `   run ${run}/${options.runs} failover ${fmtRate(m.failoverMs)} ms  (` +
        m.shards.map((s) => `shard ${Number(s.shardId.replace(/^shardId-/, ''))}: taken ${fmtRate(s.takenMs)} ms, handled ${fmtRate(s.handledMs)} ms by ${s.by}`).join('; ') +
        `; converged ${(m.convergeMs / 1000).toFixed(1)} s after the first start)`,
    );
  }
  const medianMs = median(runs.map((r) => r.failoverMs));
  console.log('');
  printGrid(
    ['Failover after SIGKILL', 'ms'],
    [
      ['median', fmtRate(medianMs)],
      ['min', fmtRate(Math.min(...runs.map((r) => r.failoverMs)))],
      ['max', fmtRate(Math.max(...runs.map((r) => r.failoverMs)))],
    ],
  );
  return {
    workers: FAILOVER_WORKERS,
    shards: FAILOVER_SHARDS,
    rate: FAILOVER_RATE,
    producerLingerMs: FAILOVER_LINGER_MS,
    settings: { retrieval: CONSUMER_DEFAULTS.retrieval, failoverTimeMs: CONSUMER_DEFAULTS.failoverTimeMs, takerIntervalMs: CONSUMER_DEFAULTS.takerIntervalMs },
    runs,
    medianFailoverMs: medianMs,
  };
}
