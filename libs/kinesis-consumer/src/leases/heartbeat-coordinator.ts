/**
 * The heartbeat lease protocol ('heartbeat'; LeaseProtocol): one worker's side. Its cost grows with workers, not
 * shards: per renewal interval one heartbeat write per worker (not one renewal per lease), per taker interval one
 * read of the heartbeat table (one item per worker), and a scan of the lease table only when the heartbeats say
 * one is needed (heartbeat-planner.ts). Lease items keep KCL's attributes and are written only on take, steal
 * (graceful handoff), release and checkpoint.
 *
 * Why it is safe (no shard processed by two workers beyond the handoff):
 * - A worker's heartbeat vouches for all of its leases. Takers see a worker expired only after its heartbeat
 *   counter stayed the same for failoverTimeMs on their own clock since they first saw it; the worker stops
 *   processing all its leases (`leaseLost` 'expired') once a heartbeat could not land within failoverTimeMs of
 *   the start of its last successful one, which is before any taker can see it expired (the per-lease
 *   protocol's argument, with one counter per worker instead of per lease). Takes stay conditional on the lease
 *   counter as scanned, so two takers never both win.
 * - A steal from a live worker is a graceful handoff (KCL 3's encoding): the stealer writes leaseOwner = itself,
 *   checkpointOwner = the owner (conditional on counter and owner), then adds the lease key to the owner's
 *   heartbeat item. The owner learns of it from the answer of its next heartbeat (no extra read), stops the shard,
 *   and writes the final checkpoint while clearing checkpointOwner (conditional on checkpointOwner = itself). The
 *   stealer polls the lease (one GetItem per tick) and starts only once checkpointOwner is gone. If the owner
 *   does not finish, it gives the lease up after failoverTimeMs from seeing the request; it sees the request
 *   within failoverTimeMs or has fenced itself; so the stealer forces the handoff after handoffTimeoutMs
 *   (3 · failover by default) or as soon as the owner's heartbeat is seen expired. While checkpointOwner is set,
 *   takers count the lease alive as long as either worker is.
 * - Migration from 'per-lease' workers, who judge a lease by its own counter: while a scan shows any lease held
 *   by a worker with no heartbeat item, this worker also renews each of its leases (and scans every tick), so
 *   per-lease workers see them alive; once none is left it renews the heartbeat only. Steals from a per-lease
 *   worker are direct takes (it learns at its next renewal, as before). Not covered: a per-lease worker joining
 *   a fleet that has already switched (until it holds a lease it is invisible, and it sees every lease's counter
 *   standing still, so expired; the heartbeat workers notice it at their next sweep): rolling back to 'per-lease'
 *   is a stop of the whole fleet.
 */
import { mapWithConcurrency } from '@tributary/runtime';
import { ConsumerError, LeaseLostError } from '../consumer-error';
import type { Checkpoint, Lease } from '../consumer-types';
import { LEASE_DEFAULTS, defaultHandoffTimeoutMs } from '../defaults';
import { decideLeaseScan, observeHeartbeats, viewHeartbeats, type HeartbeatObservation, type HeartbeatView, type LeaseScanReason } from './heartbeat-planner';
import { LeaseCoordinator, type Held, type LeaseCoordinatorOptions, type LeaseLostReason, type TakerRunEvent } from './lease-coordinator';
import type { LeaseStore } from './lease-table';
import { planLeaseTaking, type LeaseTakingPlan } from './lease-taker';
import { isShardEnd } from './lease-serializer';

type HeartbeatStore = Required<LeaseStore>;

interface TakeOutcome {
  taken: string[];
  stolen: string[];
  failed: number;
  short: number;
  raceLost: boolean;
}

interface PendingSteal {
  from: string;
  /** Clock time at the start of the write that asked for it (conservative start of the handoff). */
  requestedAt: number;
  marked: boolean;
}

export class HeartbeatLeaseCoordinator extends LeaseCoordinator {
  readonly leaseSweepIntervalMs: number;
  readonly handoffTimeoutMs: number;
  readonly maxHandoffsAtOneTime: number;
  readonly takerRetryMs: number;
  private readonly hb: HeartbeatStore;
  /** Clock time at the start of the last heartbeat that landed. */
  private lastBeatAt: number | undefined;
  private beating = false;
  private beatObservations = new Map<string, HeartbeatObservation>();
  /** A lease held by a worker without a heartbeat was seen at the last scan (true until the first scan). */
  private mixed = true;
  private lastScanAt: number | undefined;
  private liveAtLastScan: Set<string> | undefined;
  private scanRequested = false;
  private followUp = false;
  /** The last scan lost a race and ran out of spares: the next one comes after takerRetryMs, not a follow-up period. */
  private retrySoon = false;
  private readonly pendingSteals = new Map<string, PendingSteal>();
  /** Leases I was asked to hand over, with the grace timer. */
  private readonly handoffs = new Map<string, unknown>();
  /** Handoff requests seen: removed from my heartbeat item by the next heartbeat. */
  private readonly acknowledged = new Set<string>();
  /** Counts of what this worker did, for tests and the scale simulation. */
  readonly counts = { heartbeats: 0, heartbeatReads: 0, leaseScans: 0, handoffsRequested: 0, handoffsCompleted: 0, handoffsForced: 0 };
  lastScanReason: LeaseScanReason | undefined;
  private lastPlan = { leases: 0, target: 0 };

  constructor(options: LeaseCoordinatorOptions) {
    super(options);
    const store = options.store;
    for (const m of ['requestHandoff', 'completeHandoff', 'forceHandoff', 'writeHeartbeat', 'listHeartbeats', 'markHandoff', 'deleteHeartbeat'] as const) {
      if (typeof store[m] !== 'function') throw new ConsumerError('INVALID_OPTION', `The heartbeat lease protocol needs a store with ${m}().`, false);
    }
    this.hb = store as HeartbeatStore;
    this.leaseSweepIntervalMs = options.leaseSweepIntervalMs ?? LEASE_DEFAULTS.leaseSweepIntervalMs;
    this.handoffTimeoutMs = options.handoffTimeoutMs ?? defaultHandoffTimeoutMs(this.failoverTimeMs);
    this.maxHandoffsAtOneTime = options.maxHandoffsAtOneTime ?? LEASE_DEFAULTS.maxHandoffsAtOneTime;
    this.takerRetryMs = options.takerRetryMs ?? LEASE_DEFAULTS.takerRetryMs;
    if (!(this.leaseSweepIntervalMs > 0) || !(this.handoffTimeoutMs > 0) || !(this.takerRetryMs > 0)) {
      throw new ConsumerError('INVALID_OPTION', 'leaseSweepIntervalMs, handoffTimeoutMs and takerRetryMs must be > 0.', false);
    }
  }

  /** Writes the first heartbeat (others see this worker from now on), then starts as the per-lease coordinator does. */
  override async start(): Promise<void> {
    if (this.state === 'new') {
      try {
        await this.beat();
      } catch {
        // Reported by beat(); the renewer tries again, and nothing is taken before a heartbeat landed.
      }
    }
    return super.start();
  }

  /** A caller's request (new leases from a shard sync, a shard end): the next run scans the lease table. */
  override takeLeasesNow(): Promise<TakerRunEvent | undefined> {
    this.scanRequested = true;
    return super.takeLeasesNow();
  }

  protected override scheduledRun(): Promise<TakerRunEvent | undefined> {
    return super.takeLeasesNow();
  }

  /** While I am asked to hand a lease over, its checkpoints wait for the handoff's final write. */
  override checkpoint(leaseKey: string, checkpoint: Checkpoint, options: { childShardIds?: readonly string[] } = {}): Promise<Lease> {
    const h = this.held.get(leaseKey);
    if (h !== undefined && this.handoffs.has(leaseKey) && !isShardEnd(checkpoint)) {
      h.unwrittenCheckpoint = checkpoint;
      return Promise.resolve({ ...h.lease, checkpoint });
    }
    return super.checkpoint(leaseKey, checkpoint, options);
  }

  /**
   * A lease in handoff is released to its stealer (final checkpoint and checkpointOwner cleared in one write). A
   * release refused because a stealer's request landed before I saw it (a stop racing a steal) ends the handoff
   * the same way, so the stealer gets the checkpoint now rather than after its timeout.
   */
  override release(leaseKey: string, options: { checkpoint?: Checkpoint } = {}): Promise<boolean> {
    const h = this.held.get(leaseKey);
    if (h === undefined) return super.release(leaseKey, options);
    if (!this.handoffs.has(leaseKey)) {
      return super.release(leaseKey, options).then(async (released) => {
        if (released) return true;
        const now = await this.store.getLease(leaseKey).catch(() => undefined);
        if (now?.checkpointOwner !== this.workerId) return false;
        return this.hb.completeHandoff(leaseKey, this.workerId, options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint });
      });
    }
    return this.serialize(h, async () => {
      if (this.held.get(leaseKey) !== h) return false;
      const checkpoint = options.checkpoint ?? h.unwrittenCheckpoint;
      const done = await this.hb.completeHandoff(leaseKey, this.workerId, checkpoint === undefined ? {} : { checkpoint });
      this.endHandoff(leaseKey);
      if (this.held.get(leaseKey) === h) this.held.delete(leaseKey);
      if (done) {
        this.counts.handoffsCompleted++;
        this.emitSafe('leaseReleased', leaseKey);
      }
      return done;
    });
  }

  override stop(options: { release?: boolean } = {}): Promise<void> {
    const stopping = super.stop(options);
    if (!options.release) return stopping;
    // Leaving: once the leases are released, the heartbeat goes too (others see the worker gone at once).
    return stopping.then(async () => {
      for (const timer of this.handoffs.values()) this.timers.clearTimeout(timer);
      this.handoffs.clear();
      await this.hb.deleteHeartbeat(this.workerId).catch((err: unknown) => this.logger.debug({ err: String(err) }, 'heartbeat not deleted'));
    });
  }

  override holds(leaseKey: string): boolean {
    if (this.lastBeatAt === undefined || this.clock.now() - this.lastBeatAt > this.failoverTimeMs) return false;
    return this.mixed ? super.holds(leaseKey) : this.held.has(leaseKey);
  }

  /** Whether this worker renews its leases one by one too (per-lease workers share the table). */
  get renewsPerLease(): boolean {
    return this.mixed;
  }

  // ---- heartbeat (the renewer's tick) ----

  protected override renewTick(): void {
    const now = this.clock.now();
    if (this.beating) {
      if (this.lastBeatAt !== undefined && now + this.renewIntervalMs - this.lastBeatAt > this.failoverTimeMs) {
        // Deferred through the injected timers (not setImmediate) so fake clocks in tests and the simulation drive it.
        this.timers.setTimeout(() => {
          if (this.beating && this.clock.now() + this.renewIntervalMs - (this.lastBeatAt ?? 0) > this.failoverTimeMs) this.loseAll();
        }, 0);
      }
    } else {
      void this.beat().catch(() => undefined);
    }
    if (this.mixed) super.renewTick();
  }

  private async beat(): Promise<void> {
    this.beating = true;
    const at = this.clock.now();
    const acknowledged = [...this.acknowledged];
    try {
      const beat = await this.hb.writeHeartbeat(this.workerId, {
        leaseCount: this.held.size + this.pendingSteals.size,
        heartbeatAt: at,
        acknowledged,
      });
      this.counts.heartbeats++;
      this.lastBeatAt = at;
      for (const key of acknowledged) this.acknowledged.delete(key);
      for (const key of beat.handoffRequests) this.handoffAsked(key);
    } catch (err) {
      const error = err instanceof ConsumerError ? err : new ConsumerError('DEPENDENCY', String(err), true);
      this.logger[this.listenerCount('renewalFailed') > 0 ? 'debug' : 'warn']({ err: error.message }, 'heartbeat failed');
      this.emitSafe('renewalFailed', `heartbeat:${this.workerId}`, error);
      if (this.lastBeatAt === undefined || this.clock.now() + this.renewIntervalMs - this.lastBeatAt > this.failoverTimeMs) this.loseAll();
      throw error;
    } finally {
      this.beating = false;
    }
  }

  /** A lost lease changes the picture (mine may be orphans to take back once my heartbeat lands): scan next tick. */
  protected override lose(h: Held, reason: LeaseLostReason, error?: unknown): void {
    super.lose(h, reason, error);
    this.followUp = true;
  }

  /** My heartbeat cannot vouch for my leases any more: stop processing all of them before anyone may take them. */
  private loseAll(): void {
    for (const h of [...this.held.values()]) this.lose(h, 'expired');
    for (const key of [...this.handoffs.keys()]) this.endHandoff(key);
    this.pendingSteals.clear();
  }

  /** A stealer asked for `key` (seen in my heartbeat, or by a rejected write). */
  private handoffAsked(key: string): void {
    this.acknowledged.add(key);
    if (!this.held.has(key) || this.handoffs.has(key)) return;
    this.logger.debug({ leaseKey: key }, 'handoff requested');
    // Not released within the failover time: stop processing anyway and let the stealer in.
    const timer = this.timers.setTimeout(() => {
      const h = this.held.get(key);
      if (h === undefined || !this.handoffs.has(key)) return;
      this.lose(h, 'handed-off');
      this.endHandoff(key);
      void this.hb.completeHandoff(key, this.workerId).catch(() => undefined);
    }, this.failoverTimeMs);
    this.handoffs.set(key, timer);
    if (this.listenerCount('handoffRequested') > 0) this.emitSafe('handoffRequested', key);
    else void this.release(key).catch(() => undefined);
  }

  private endHandoff(key: string): void {
    const timer = this.handoffs.get(key);
    if (timer !== undefined) this.timers.clearTimeout(timer);
    this.handoffs.delete(key);
  }

  /** A rejected write on a lease a stealer asked for is the handoff, not a loss. */
  protected override async rejected(h: Held, reason: LeaseLostReason, error: LeaseLostError): Promise<'lost' | 'handoff'> {
    const key = h.lease.leaseKey;
    if (this.handoffs.has(key)) return 'handoff';
    const now = await this.store.getLease(key).catch(() => undefined);
    if (now?.checkpointOwner === this.workerId && this.held.get(key) === h) {
      this.handoffAsked(key);
      return 'handoff';
    }
    return super.rejected(h, reason, error);
  }

  // ---- taker ----

  protected override async runTaker(): Promise<TakerRunEvent | undefined> {
    const started = this.clock.now();
    let beats;
    try {
      beats = await this.hb.listHeartbeats();
      this.counts.heartbeatReads++;
    } catch (err) {
      this.takerFailedWith(err);
      throw err;
    }
    if (this.state !== 'running') return undefined;
    const now = this.clock.now();
    this.beatObservations = observeHeartbeats(beats, this.beatObservations, now);
    const view = viewHeartbeats(this.beatObservations, this.workerId, now, this.failoverTimeMs);
    await this.advancePendingSteals(view);
    const reason = decideLeaseScan({
      now,
      me: this.workerId,
      view,
      observations: this.beatObservations,
      myLeaseCount: this.held.size + this.pendingSteals.size,
      lastScanAt: this.lastScanAt,
      liveAtLastScan: this.liveAtLastScan,
      requested: this.scanRequested,
      mixed: this.mixed,
      followUp: this.followUp,
      pendingSteals: this.pendingSteals.size,
      sweepIntervalMs: this.leaseSweepIntervalMs,
      maxLeasesForWorker: this.maxLeasesForWorker,
    });
    let event: TakerRunEvent;
    this.retrySoon = false;
    if (reason === undefined || !this.fresh()) {
      event = this.noScanEvent(started, view);
    } else {
      this.scanRequested = false;
      this.lastScanReason = reason;
      event = await this.scanAndTake(started, view);
    }
    let delay = this.followUp ? this.takerFollowUpMs : this.takerIntervalMs;
    // Jittered: the workers that lost the same races do not all scan again at the same instant.
    if (this.retrySoon) delay = Math.min(delay, this.takerRetryMs * (0.5 + this.random()));
    if (view.nextExpiryAt !== undefined) delay = Math.min(delay, Math.max(0, view.nextExpiryAt - this.clock.now()));
    this.scheduleTaker(delay);
    this.emitSafe('takerRun', event);
    return event;
  }

  /** Whether my heartbeat is recent enough to take leases on its strength (half the failover time left at least). */
  private fresh(): boolean {
    return this.lastBeatAt !== undefined && this.clock.now() - this.lastBeatAt < this.failoverTimeMs / 2;
  }

  /** A tick without a lease scan reports the last scan's lease count and target. */
  private noScanEvent(started: number, view: HeartbeatView): TakerRunEvent {
    return {
      workerId: this.workerId,
      leases: this.lastPlan.leases,
      workers: view.live.size,
      target: this.lastPlan.target,
      held: this.held.size,
      available: 0,
      veryExpired: 0,
      taken: [],
      stolen: [],
      failed: 0,
      durationMs: this.clock.now() - started,
    };
  }

  private async scanAndTake(started: number, view: HeartbeatView): Promise<TakerRunEvent> {
    let leases: Lease[];
    try {
      leases = await this.store.listLeases();
      this.counts.leaseScans++;
    } catch (err) {
      this.takerFailedWith(err);
      this.followUp = true;
      return this.noScanEvent(started, view);
    }
    const now = this.clock.now();
    this.lastScanAt = now;
    this.liveAtLastScan = new Set(view.live);
    this.reconcile(leases);
    const pending = new Set(this.pendingSteals.keys());
    const plan = planLeaseTaking({
      leases,
      workerId: this.workerId,
      now,
      observations: this.observations,
      failoverTimeMs: this.failoverTimeMs,
      maxLeasesForWorker: this.maxLeasesForWorker,
      // Graceful handoffs cut nothing short: many at once, unless per-lease workers (direct steals) are about.
      maxLeasesToStealAtOneTime: this.mixed ? this.maxLeasesToStealAtOneTime : Math.max(this.maxLeasesToStealAtOneTime, this.maxHandoffsAtOneTime),
      veryExpiredMultiplier: this.veryExpiredMultiplier,
      // Leases I asked for are mine already (leaseOwner = me): counted, not taken again.
      heldLeaseKeys: new Set([...this.held.keys(), ...pending]),
      ownerSeenAt: view.ownerSeenAt,
      random: this.random,
    });
    this.observations = plan.observations;
    this.lastPlan = { leases: plan.leaseCount, target: plan.target };
    const { taken, stolen, failed, short, raceLost } = await this.takeWanted(plan, view);
    this.followUp = short > 0 || (plan.available - taken.length > 0 && this.held.size < this.maxLeasesForWorker);
    this.retrySoon = raceLost;
    this.cleanUpHeartbeats(leases, view, now);
    return this.scannedRunEvent(started, plan, { taken, stolen, failed });
  }

  /**
   * The plan's takes and steals, writeConcurrency at a time. A take that loses a race (another worker's write
   * landed first) is replaced at once by one of the plan's spares, until they run out. When a worker dies, every
   * survivor scans at the same expiry instant and shuffles the same orphans, so races are routine; leaving the
   * loser to the next run cost a follow-up period per lost race (bench:scale 1,000×20: failover 5.1–6.1 s in 4 of 8
   * seeds). `short`: wanted leases not got; `raceLost`: some of them because the spares ran out after a lost race.
   */
  private async takeWanted(plan: LeaseTakingPlan, view: HeartbeatView): Promise<TakeOutcome> {
    const out: TakeOutcome = { taken: [], stolen: [], failed: 0, short: 0, raceLost: false };
    const mine = (lease: Lease): boolean => this.held.has(lease.leaseKey) || this.pendingSteals.has(lease.leaseKey);
    const spares = plan.spare.filter((lease) => !mine(lease));
    const wanted = [...plan.take.map((lease) => ({ lease, steal: false })), ...plan.steal.map((lease) => ({ lease, steal: true }))].filter((w) => !mine(w.lease));
    await mapWithConcurrency(wanted, Math.max(1, Math.floor(this.writeConcurrency)), async ({ lease, steal }) => {
      if (this.state !== 'running') return;
      if (steal && lease.leaseOwner !== undefined && view.live.has(lease.leaseOwner) && view.ownerSeenAt.has(lease.leaseOwner)) {
        if (await this.requestSteal(lease)) return;
        out.failed++;
        out.short++;
        return;
      }
      for (let next: Lease | undefined = lease; next !== undefined && this.state === 'running'; ) {
        const result = await this.takeOne(next, steal);
        if (result === 'taken') {
          (steal ? out.stolen : out.taken).push(next.leaseKey);
          return;
        }
        out.failed++;
        // A direct steal (from a per-lease worker) that lost met its renewal: the next regular run plans it again.
        next = result === 'lost' && !steal ? spares.shift() : undefined;
        if (result === 'lost' && !steal && next === undefined) out.raceLost = true;
      }
      out.short++;
    });
    return out;
  }

  /**
   * What a scan says about my own leases and the fleet: a held lease now owned by someone else without a
   * handoff for me was taken (lost); a handoff marker naming me that my heartbeat did not bring is a request;
   * and whether any lease is held by a worker without a heartbeat (per-lease workers: renew per lease too).
   */
  private reconcile(leases: readonly Lease[]): void {
    let mixed = false;
    for (const lease of leases) {
      const owner = lease.leaseOwner;
      if (owner !== undefined && !isShardEnd(lease.checkpoint) && owner !== this.workerId && !this.beatObservations.has(owner)) mixed = true;
      const h = this.held.get(lease.leaseKey);
      if (h === undefined || owner === this.workerId) continue;
      if (lease.checkpointOwner === this.workerId) this.handoffAsked(lease.leaseKey);
      else if (!this.handoffs.has(lease.leaseKey)) this.lose(h, 'renewal-rejected');
    }
    if (mixed !== this.mixed) this.logger.info({ renewsPerLease: mixed }, mixed ? 'leases held by per-lease workers: renewing each lease too' : 'no per-lease worker holds a lease: heartbeat only');
    this.mixed = mixed;
  }

  /** One conditional take: 'lost' when another write landed first (the lease changed since the scan). */
  private async takeOne(lease: Lease, steal: boolean): Promise<'taken' | 'lost' | 'failed'> {
    const at = this.clock.now();
    try {
      const acquired = await this.store.takeLease(lease, this.workerId);
      this.acquired(acquired, at, lease.leaseOwner, steal);
      return 'taken';
    } catch (err) {
      if (err instanceof LeaseLostError) return 'lost';
      this.logger.warn({ leaseKey: lease.leaseKey, err: String(err) }, 'take failed');
      return 'failed';
    }
  }

  private async requestSteal(lease: Lease): Promise<boolean> {
    const from = lease.leaseOwner as string;
    const at = this.clock.now();
    try {
      await this.hb.requestHandoff(lease, this.workerId);
    } catch (err) {
      if (!(err instanceof LeaseLostError)) this.logger.warn({ leaseKey: lease.leaseKey, err: String(err) }, 'handoff request failed');
      return false;
    }
    this.counts.handoffsRequested++;
    const pending: PendingSteal = { from, requestedAt: at, marked: false };
    this.pendingSteals.set(lease.leaseKey, pending);
    pending.marked = await this.hb.markHandoff(from, lease.leaseKey).then(
      () => true,
      () => false,
    );
    this.logger.debug({ leaseKey: lease.leaseKey, from }, 'handoff asked for');
    return true;
  }

  /** Each tick: handoffs I asked for that finished, or that I may force (owner gone, or too slow). */
  private async advancePendingSteals(view: HeartbeatView): Promise<void> {
    // Nothing starts on the strength of a heartbeat that may not vouch for it much longer.
    if (!this.fresh()) return;
    await mapWithConcurrency([...this.pendingSteals], Math.max(1, Math.floor(this.writeConcurrency)), ([key, p]) => this.advancePendingSteal(view, key, p));
  }

  private async advancePendingSteal(view: HeartbeatView, key: string, p: PendingSteal): Promise<void> {
    if (this.state !== 'running') return;
    if (!p.marked) p.marked = await this.hb.markHandoff(p.from, key).then(() => true, () => false);
    const lease = await this.store.getLease(key).catch(() => null);
    if (lease === null) return; // a failed read: next tick
    if (lease?.leaseOwner !== this.workerId) {
      this.pendingSteals.delete(key);
      return;
    }
    if (lease.checkpointOwner === undefined) {
      this.pendingSteals.delete(key);
      this.acquired(lease, p.requestedAt, p.from, true);
      return;
    }
    const ownerGone = !view.live.has(lease.checkpointOwner);
    if (!ownerGone && this.clock.now() - p.requestedAt < this.handoffTimeoutMs) return;
    try {
      const forced = await this.hb.forceHandoff(lease);
      this.counts.handoffsForced++;
      this.pendingSteals.delete(key);
      this.logger.info({ leaseKey: key, from: p.from, ownerGone }, 'handoff forced');
      this.acquired(forced, p.requestedAt, p.from, true);
    } catch (err) {
      if (err instanceof LeaseLostError) this.pendingSteals.delete(key);
    }
  }

  /** Heartbeat items of workers long gone whose leases all moved on are deleted (by whoever notices). */
  private cleanUpHeartbeats(leases: readonly Lease[], view: HeartbeatView, now: number): void {
    const owners = new Set<string>();
    for (const l of leases) {
      if (l.leaseOwner !== undefined) owners.add(l.leaseOwner);
      if (l.checkpointOwner !== undefined) owners.add(l.checkpointOwner);
    }
    for (const [worker, o] of this.beatObservations) {
      if (view.live.has(worker) || owners.has(worker)) continue;
      if (now - o.seenAt <= this.veryExpiredMultiplier * this.failoverTimeMs) continue;
      void this.hb.deleteHeartbeat(worker).catch(() => undefined);
    }
  }

  private takerFailedWith(err: unknown): void {
    const error = err instanceof ConsumerError ? err : new ConsumerError('DEPENDENCY', String(err), true);
    this.logger[this.listenerCount('takerFailed') > 0 ? 'debug' : 'warn']({ err: error.message }, 'taker could not read the tables');
    this.emitSafe('takerFailed', error);
    this.scheduleTaker(this.takerIntervalMs);
  }
}

/**
 * The coordinator of the protocol `options.protocol` names (default 'per-lease'): LeaseCoordinator or
 * HeartbeatLeaseCoordinator, same events and methods.
 */
export function createLeaseCoordinator(options: LeaseCoordinatorOptions): LeaseCoordinator {
  const protocol = options.protocol ?? 'per-lease';
  if (protocol === 'heartbeat') return new HeartbeatLeaseCoordinator(options);
  if (protocol !== 'per-lease') throw new ConsumerError('INVALID_OPTION', `protocol must be 'per-lease' or 'heartbeat' (got ${String(protocol)}).`, false);
  return new LeaseCoordinator(options);
}
