/**
 * The lease protocol at scale (issue 17), on virtual time: scale-sim.ts runs the real lease code of
 * @tributary/kinesis-consumer for a fleet on the in-memory DynamoDB, which bills every call in capacity units.
 *
 *   npm run bench:scale -- [--shards 100] [--workers 10] [--setups per-lease,heartbeat,kcl] [--steady-s 120]
 *                          [--latency-ms 10] [--limit-s 1200] [--seed 1] [--matrix]
 *
 * `--shards` and `--workers` take comma lists (every pair is run); `--matrix` runs 10×2, 100×10, 1000×20 and
 * 4000×100 (takes long: the per-lease protocol at 4,000 shards does 4,000 renewals and 100 scans of 4,000 items
 * per virtual second). The three columns: today's consumer (per-lease renewals, 3-s failover, 1-s taker), the
 * heartbeat protocol at the same timings (KinesisConsumer's default), and the per-lease code at KCL's default
 * timings (10-s failover, renewals every 3.3 s, taker every 20 s, one steal per run; see scale-sim.ts for where each
 * figure comes from). Results: tools/bench/results/scale-latest.json.
 */
import { parseBenchArgs, positiveIntegerOption, positiveOption } from './bench-args';
import { BenchSession, printMetricTable } from './bench-report';
import { runBench } from './bench-support';
import { PROTOCOL_SETUPS, runScaleSimulation, type ProtocolSetupName, type ScaleSimResult } from './scale-sim';

const SOURCES = ['libs/kinesis-consumer/src/leases', 'libs/kinesis-consumer/src/shards', 'libs/kinesis-consumer/src/testing', 'tools/bench/src'];
const ALL_SETUPS: readonly ProtocolSetupName[] = ['per-lease', 'heartbeat', 'kcl'];
const MATRIX: ReadonlyArray<[number, number]> = [
  [10, 2],
  [100, 10],
  [1000, 20],
  [4000, 100],
];

const USAGE = `npm run bench:scale -- [options]

Simulates a consumer fleet's lease protocol on virtual time (the real lease code, an in-memory DynamoDB billing
each call in capacity units): start, steady state, a worker joining, a worker killed.

  --shards N[,N...]     shards (leases) (default 100)
  --workers N[,N...]    workers at start; every shards × workers pair runs (default 10)
  --matrix              10×2, 100×10, 1000×20 and 4000×100 instead (minutes)
  --setups LIST         per-lease, heartbeat, kcl (default all three)
  --steady-s S          steady-state window, virtual seconds (default 120)
  --latency-ms MS       round trip of each DynamoDB call (default 10)
  --limit-s S           longest wait for a scenario to balance, virtual seconds (default 1200)
  --seed N              seed of the workers' random choices (default 1)
`;

interface Options {
  sizes: Array<[number, number]>;
  setups: ProtocolSetupName[];
  steadyMs: number;
  latencyMs: number;
  limitMs: number;
  seed: number;
}

function numberList(name: string, text: string | undefined, fallback: number): number[] {
  return (text ?? String(fallback)).split(',').map((s) => positiveIntegerOption(name, s.trim(), fallback));
}

function parse(argv: string[]): Options | undefined {
  const v = parseBenchArgs(argv, ['shards', 'workers', 'setups', 'steady-s', 'latency-ms', 'limit-s', 'seed'] as const, ['matrix'] as const);
  if (!v) return undefined;
  const setups = (v.setups ?? ALL_SETUPS.join(',')).split(',').map((s) => s.trim());
  for (const s of setups) if (!ALL_SETUPS.includes(s as ProtocolSetupName)) throw new Error(`--setups takes ${ALL_SETUPS.join(', ')}, got ${s}`);
  const sizes: Array<[number, number]> = [];
  if (v.matrix) sizes.push(...MATRIX);
  else for (const s of numberList('shards', v.shards, 100)) for (const w of numberList('workers', v.workers, 10)) sizes.push([s, w]);
  return {
    sizes,
    setups: ALL_SETUPS.filter((s) => setups.includes(s)),
    steadyMs: positiveOption('steady-s', v['steady-s'], 120) * 1000,
    latencyMs: positiveOption('latency-ms', v['latency-ms'], 10),
    limitMs: positiveOption('limit-s', v['limit-s'], 1200) * 1000,
    seed: positiveIntegerOption('seed', v.seed, 1),
  };
}

const s = (ms: number | undefined): string => (ms === undefined ? 'not within limit' : `${(ms / 1000).toFixed(1)} s`);
const n = (x: number, digits = 1): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const perHour = (x: number): string => Math.round(x * 3600).toLocaleString('en-US');

function printResults(shards: number, workers: number, results: readonly ScaleSimResult[]): void {
  console.log(`\n${shards.toLocaleString('en-US')} shards, ${workers} workers (then ${workers + 1}, then ${workers}):`);
  printMetricTable('', results, (r) => r.label, [
    ['start: balanced after', (r) => s(r.start.balancedAfterMs)],
    ['start: leases taken (moved)', (r) => `${r.start.acquisitions} (${r.start.moved})`],
    ['steady: write units/s (all tables)', (r) => n(r.steady.writeUnitsPerSecond)],
    ['steady: lease-table write units/s', (r) => n(r.steady.leaseTableWriteUnitsPerSecond)],
    ['steady: read units/s', (r) => n(r.steady.readUnitsPerSecond)],
    ['steady: write units/hour', (r) => perHour(r.steady.writeUnitsPerSecond)],
    ['steady: read units/hour', (r) => perHour(r.steady.readUnitsPerSecond)],
    ['steady: calls/s (writes + reads)', (r) => `${n(r.steady.writeCallsPerSecond)} + ${n(r.steady.readCallsPerSecond)}`],
    ['join: balanced after', (r) => s(r.join.balancedAfterMs)],
    ['join: leases moved', (r) => String(r.join.acquisitions)],
    ['death: failover max (median)', (r) => `${s(r.death.failoverMaxMs)} (${s(r.death.failoverMedianMs)})`],
    ['death: balanced after', (r) => s(r.death.balancedAfterMs)],
    ['death: leases moved (orphaned)', (r) => `${r.death.acquisitions} (${r.death.orphaned})`],
    ['overlaps: count, longest', (r) => `${r.overlaps.count}, ${(r.overlaps.maxMs / 1000).toFixed(2)} s`],
    ['overlaps beyond handoff window', (r) => `${r.overlaps.beyondWindow} (window ${(r.overlaps.windowMs / 1000).toFixed(2)} s)`],
    ['virtual time / real time (CPU)', (r) => `${(r.virtualMs / 1000).toFixed(0)} s / ${(r.realMs / 1000).toFixed(1)} s (${(r.cpuMs / 1000).toFixed(1)} s)`],
  ]);
}

async function bench(options: Options): Promise<void> {
  const session = new BenchSession('scale', SOURCES);
  console.log(`Scale simulation of the lease protocol (${session.machineSummary()}); virtual time, in-memory DynamoDB, ${options.latencyMs}-ms calls.`);
  const all: ScaleSimResult[] = [];
  for (const [shards, workers] of options.sizes) {
    const results: ScaleSimResult[] = [];
    for (const setup of options.setups) {
      const r = await runScaleSimulation({ shards, workers, setup, steadyMs: options.steadyMs, latencyMs: options.latencyMs, phaseLimitMs: options.limitMs, seed: options.seed });
      console.log(`  ${shards}×${workers} ${r.label}: ${(r.virtualMs / 1000).toFixed(0)} s of virtual time in ${(r.realMs / 1000).toFixed(1)} s (${(r.cpuMs / 1000).toFixed(1)} s CPU)`);
      results.push(r);
    }
    printResults(shards, workers, results);
    all.push(...results);
  }
  console.log(
    '\nUnits: DynamoDB capacity units as billed (on-demand request units are the same figures): writes 1 per KiB of the larger ' +
      'item image (failed conditions included), reads 1 per 4 KiB read (scans by bytes scanned), half when eventually consistent.' +
      ` Setups: ${options.setups.map((x) => `${x} = ${PROTOCOL_SETUPS[x].label}`).join('; ')}.`,
  );
  session.printClosingNotes('the lease code under test');
  session.writeResults({ options, results: all });
}

runBench(USAGE, parse, bench);
