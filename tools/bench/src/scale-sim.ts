/**
 * The lease protocol at scale (issue 17): the real lease code (createLeaseCoordinator: taker, renewer or heartbeat,
 * graceful handoff; ShardSyncer and its planner creating the leases; LeaseTable writing them) for a fleet of
 * workers on virtual time (scale-scheduler.ts) and the in-memory DynamoDB of @tributary/kinesis-consumer/testing,
 * which bills every call as AWS would (capacity units). Scenarios, one after the other on one fleet:
 *
 *   start   every worker starts at once (a deployment): time until balanced, leases taken
 *   steady  a window of the balanced fleet: DynamoDB reads and writes per second (and per hour)
 *   join    one more worker: time until balanced again, leases moved
 *   death   a worker stops without releasing (SIGKILL), at a seeded instant of its renewal interval: failover
 *           (kill → each of its shards held again), time until balanced again, leases moved
 *
 * Balanced: every shard believed held by exactly one live worker, each worker within ±1 of shards / workers.
 * Overlaps: intervals when two workers believed they held one shard (what a KinesisConsumer would process twice).
 *
 * Protocol setups (the three columns of `npm run bench:scale`):
 *   per-lease   today's consumer: per-lease renewals, CONSUMER_DEFAULTS timings (3-s failover, 1-s taker, steal 2)
 *   heartbeat   the heartbeat protocol with the same CONSUMER_DEFAULTS timings (KinesisConsumer's default)
 *   kcl         the per-lease code at KCL 2's default timings: failoverTimeMillis 10,000, epsilonMillis 25,
 *               maxLeasesToStealAtOneTime 1 (KCL LeaseManagementConfig), renewer every failover/3 − ε = 3,308 ms,
 *               taker every 2·(failover + ε) = 20,050 ms (DynamoDBLeaseCoordinator), shardSyncIntervalMillis
 *               60,000 (LeaseManagementConfig); kds-reference.md §4.3–4.4. Our taker's follow-up run is set to
 *               the taker interval (KCL has none); its early scan at a lease's expiry instant is ours, not KCL's
 *               (KCL's failover is therefore up to one taker interval longer than simulated here).
 */
import { CONSUMER_DEFAULTS, LEASE_DEFAULTS, type LeaseCoordinatorOptions, type LeaseProtocol } from '@tributary/kinesis-consumer';
import { InMemoryDynamoDb, subtractTotals, type CapacityTotals } from '@tributary/kinesis-consumer/testing';
import { seededRandom } from '@tributary/runtime/testing';
import { ScaleFleet, makeShards, type Overlap } from './scale-fleet';
import { VirtualScheduler } from './scale-scheduler';

export type ProtocolSetupName = 'per-lease' | 'heartbeat' | 'kcl';

export interface ProtocolSetup {
  label: string;
  protocol: LeaseProtocol;
  coordinator: Partial<LeaseCoordinatorOptions>;
  /** How long two workers may both process a shard by design (a steal's victim learns at its next renewal). */
  handoffWindowMs: number;
}

const KCL_FAILOVER = LEASE_DEFAULTS.failoverTimeMs;
const KCL_TAKER = 2 * (KCL_FAILOVER + LEASE_DEFAULTS.epsilonMs);
const TODAY_RENEW = Math.floor(CONSUMER_DEFAULTS.failoverTimeMs / 3) - LEASE_DEFAULTS.epsilonMs;

export const PROTOCOL_SETUPS: Record<ProtocolSetupName, ProtocolSetup> = {
  'per-lease': {
    label: 'today (per-lease, 3 s)',
    protocol: 'per-lease',
    coordinator: {
      failoverTimeMs: CONSUMER_DEFAULTS.failoverTimeMs,
      takerIntervalMs: CONSUMER_DEFAULTS.takerIntervalMs,
      maxLeasesToStealAtOneTime: CONSUMER_DEFAULTS.maxLeasesToStealAtOneTime,
    },
    handoffWindowMs: TODAY_RENEW,
  },
  heartbeat: {
    label: 'heartbeat (3 s)',
    protocol: 'heartbeat',
    coordinator: {
      failoverTimeMs: CONSUMER_DEFAULTS.failoverTimeMs,
      takerIntervalMs: CONSUMER_DEFAULTS.takerIntervalMs,
      maxLeasesToStealAtOneTime: CONSUMER_DEFAULTS.maxLeasesToStealAtOneTime,
    },
    handoffWindowMs: 0,
  },
  kcl: {
    label: 'KCL defaults (10 s)',
    protocol: 'per-lease',
    coordinator: {
      failoverTimeMs: KCL_FAILOVER,
      epsilonMs: LEASE_DEFAULTS.epsilonMs,
      maxLeasesToStealAtOneTime: 1,
      takerFollowUpMs: KCL_TAKER,
    },
    handoffWindowMs: Math.floor(KCL_FAILOVER / 3) - LEASE_DEFAULTS.epsilonMs,
  },
};

export interface ScaleSimOptions {
  shards: number;
  workers: number;
  setup: ProtocolSetupName;
  /** Round trip of a DynamoDB call (default 10 ms). */
  latencyMs?: number;
  /** Length of the steady-state window (default 120 s of virtual time). */
  steadyMs?: number;
  /** Longest wait for a scenario to balance (default 1,200 s). */
  phaseLimitMs?: number;
  /** How long the fleet must stay balanced to end a scenario (default 2 taker intervals, at least 10 s). */
  settleMs?: number;
  handoffWorkMs?: number;
  seed?: number;
}

export interface PhaseResult {
  /** From the scenario's event to balanced (undefined: not within the limit). */
  balancedAfterMs: number | undefined;
  acquisitions: number;
  /** Acquisitions from a previous owner. */
  moved: number;
  /** Virtual time the scenario ran. */
  ranMs: number;
}

export interface FailoverResult extends PhaseResult {
  /** Shards the dead worker held; kill → each held again by a live worker: max and median (undefined: some never). */
  orphaned: number;
  failoverMaxMs: number | undefined;
  failoverMedianMs: number | undefined;
}

export interface SteadyResult {
  seconds: number;
  /** Per second of virtual time, every table of the protocol (lease table and any companion table). */
  writeUnitsPerSecond: number;
  readUnitsPerSecond: number;
  writeCallsPerSecond: number;
  readCallsPerSecond: number;
  /** Write units per second on the lease table itself (KCL-readable items). */
  leaseTableWriteUnitsPerSecond: number;
  conditionalFailuresPerSecond: number;
}

export interface ScaleSimResult {
  options: Required<ScaleSimOptions>;
  label: string;
  start: PhaseResult;
  steady: SteadyResult;
  join: PhaseResult;
  death: FailoverResult;
  overlaps: { count: number; maxMs: number; beyondWindow: number; windowMs: number };
  virtualMs: number;
  realMs: number;
  /** CPU time of this process during the run (user + system): steadier than realMs on a shared machine. */
  cpuMs: number;
  timersFired: number;
}

function withDefaults(o: ScaleSimOptions): Required<ScaleSimOptions> {
  const setup = PROTOCOL_SETUPS[o.setup];
  const taker = setup.coordinator.takerIntervalMs ?? KCL_TAKER;
  return {
    latencyMs: 10,
    steadyMs: 120_000,
    phaseLimitMs: 1_200_000,
    settleMs: Math.max(10_000, 2 * taker),
    handoffWorkMs: 200,
    seed: 1,
    ...o,
  };
}

export async function runScaleSimulation(input: ScaleSimOptions): Promise<ScaleSimResult> {
  const options = withDefaults(input);
  const setup = PROTOCOL_SETUPS[options.setup];
  const realStart = performance.now();
  const cpuStart = process.cpuUsage();
  const sched = new VirtualScheduler(1_700_000_000_000);
  const db = new InMemoryDynamoDb();
  const tableName = 'scale-sim';
  const fleet = new ScaleFleet(sched, db, makeShards(options.shards), {
    tableName,
    streamName: 'scale-stream',
    protocol: setup.protocol,
    coordinator: setup.coordinator,
    shardSyncIntervalMs: CONSUMER_DEFAULTS.shardSyncIntervalMs,
    latencyMs: options.latencyMs,
    handoffWorkMs: options.handoffWorkMs,
    seed: options.seed,
  });
  const t0 = sched.now();

  // start
  for (let i = 0; i < options.workers; i++) fleet.addWorker();
  const start = await phase(sched, fleet, options, t0);

  // steady
  const before = db.meter.totals();
  const beforeLease = db.meter.totals((t) => t === tableName);
  const steadyFrom = sched.now();
  await sched.run(options.steadyMs);
  const seconds = (sched.now() - steadyFrom) / 1000;
  const steady = steadyRates(subtractTotals(db.meter.totals(), before), subtractTotals(db.meter.totals((t) => t === tableName), beforeLease), seconds);

  // join
  const joinAt = sched.now();
  fleet.addWorker();
  const join = await phase(sched, fleet, options, joinAt);

  // death (the oldest worker: it holds a full share), at a seeded instant within its renewal interval: failover
  // depends on where the kill falls between two of its heartbeats (longest just after one landed), and phases end
  // on whole seconds, which without this put the kill at about the same point of the interval in every seed.
  await sched.run(Math.floor(seededRandom(options.seed)() * fleet.liveWorkers[0].coordinator.renewIntervalMs));
  const deathAt = sched.now();
  const victim = fleet.liveWorkers[0].id;
  const orphaned = fleet.kill(victim);
  fleet.watchCoverage(orphaned);
  const deathPhase = await phase(sched, fleet, options, deathAt);
  const taken = fleet.coverage();
  const death: FailoverResult = { ...deathPhase, orphaned: orphaned.length, failoverMaxMs: undefined, failoverMedianMs: undefined };
  if (taken.length > 0 && taken.every((t) => t !== undefined)) {
    const delays = (taken as number[]).map((t) => t - deathAt).sort((a, b) => a - b);
    death.failoverMaxMs = delays[delays.length - 1];
    death.failoverMedianMs = delays[Math.floor(delays.length / 2)];
  }

  fleet.closeOverlaps();
  for (const w of fleet.liveWorkers) w.view.kill();
  return {
    options,
    label: setup.label,
    start,
    steady,
    join,
    death,
    overlaps: overlapSummary(fleet.overlaps, setup.handoffWindowMs),
    virtualMs: sched.now() - t0,
    realMs: performance.now() - realStart,
    cpuMs: cpuMsSince(cpuStart),
    timersFired: sched.fired,
  };
}

/** Runs until the fleet has been balanced for settleMs (or the limit); balanced-after is measured from `from`. */
async function phase(sched: VirtualScheduler, fleet: ScaleFleet, o: Required<ScaleSimOptions>, from: number): Promise<PhaseResult> {
  const acquisitions = fleet.acquisitions;
  const moves = fleet.moves;
  const settled = (): boolean => fleet.balancedSince !== undefined && sched.now() - fleet.balancedSince >= o.settleMs;
  // Step by a second so that a quiet fleet (nothing due for a while) still ends the phase once settled.
  while (!settled() && sched.now() - from < o.phaseLimitMs) await sched.run(1_000, settled);
  return {
    balancedAfterMs: fleet.balancedSince === undefined ? undefined : Math.max(0, fleet.balancedSince - from),
    acquisitions: fleet.acquisitions - acquisitions,
    moved: fleet.moves - moves,
    ranMs: sched.now() - from,
  };
}

function steadyRates(all: CapacityTotals, lease: CapacityTotals, seconds: number): SteadyResult {
  return {
    seconds,
    writeUnitsPerSecond: all.writeUnits / seconds,
    readUnitsPerSecond: all.readUnits / seconds,
    writeCallsPerSecond: all.writeCalls / seconds,
    readCallsPerSecond: all.readCalls / seconds,
    leaseTableWriteUnitsPerSecond: lease.writeUnits / seconds,
    conditionalFailuresPerSecond: all.conditionalFailures / seconds,
  };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function overlapSummary(overlaps: readonly Overlap[], windowMs: number): ScaleSimResult['overlaps'] {
  let maxMs = 0;
  let beyond = 0;
  for (const o of overlaps) {
    const d = o.to - o.from;
    maxMs = Math.max(maxMs, d);
    if (d > windowMs) beyond++;
  }
  return { count: overlaps.length, maxMs, beyondWindow: beyond, windowMs };
}
