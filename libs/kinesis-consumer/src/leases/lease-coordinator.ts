/**
 * One worker's side of the lease protocol (KCL DynamoDBLeaseCoordinator: a renewer and a taker; kds-reference.md
 * §4.2–4.4), on an injected clock and timers so that expiry and loss are tested without waiting:
 *
 * - Renewer, every failover/3 − ε: renews every held lease (conditional on the counter we hold). A rejected
 *   renewal means another worker took the lease: `leaseLost`. A renewal that cannot land before the lease could be
 *   seen expired by others (failures, or a call hanging) also drops it (`leaseLost`, reason 'expired'), so that
 *   we stop processing before anybody else may start.
 * - Taker, first at start() and then every 2·(failover + ε): scans the table, plans with planLeaseTaking, takes and
 *   steals with conditional writes: `leaseAcquired`. When leases stayed available (a worker handing off its leases
 *   on shutdown, a lost race), the next run comes after `takerFollowUpMs` instead; when another worker's lease
 *   stopped moving, the next run comes at the instant it would be seen expired (if sooner). With a taker interval
 *   T below the failover time F, a killed worker's leases are then taken between F and F + T after its last
 *   renewal (F + 2T with fixed-period scans); with T ≥ F (KCL's defaults) within 2T, as in KCL.
 * - Writes on one lease (renew, checkpoint, release) are serialized and each uses the counter the previous one
 *   returned, so a renewal never fights a checkpoint.
 * - checkpoint(): conditional on owner = me and the held counter; counter + 1 like KCL (so it also renews). A
 *   SHARD_END checkpoint ends the lease here: no more renewals (`leaseCompleted`); its owner stays, and takers
 *   ignore SHARD_END leases.
 * - release(): graceful handoff (optionally with the final checkpoint in the same write): the owner is cleared, and
 *   other workers take unowned leases at their next taker run, without waiting for expiry.
 */
import { EventEmitter } from 'node:events';
import { mapWithConcurrency } from '@tributary/runtime';
import { ConsumerError, LeaseLostError } from '../consumer-error';
import { noopLogger, systemClock, systemTimers, type Checkpoint, type Clock, type Lease, type LeaseProgress, type Logger, type Timers } from '../consumer-types';
import { toDependencyError } from './aws-error-mapper';
import { LEASE_DEFAULTS, defaultRenewIntervalMs, defaultTakerIntervalMs } from '../defaults';
import { isShardEnd } from './lease-serializer';
import type { LeaseStore } from './lease-table';
import { planLeaseTaking, type LeaseObservation, type LeaseTakingPlan } from './lease-taker';

/**
 * Which lease protocol a worker speaks (createLeaseCoordinator picks the class):
 * - 'per-lease' (LeaseCoordinator, KCL 2's): every held lease renewed every renewIntervalMs, the whole table
 *   scanned every takerIntervalMs; writes grow with shards.
 * - 'heartbeat' (HeartbeatLeaseCoordinator): one heartbeat item per worker, written every renewIntervalMs, vouches
 *   for all of its leases; lease items are written only on take, steal (a graceful handoff), release and
 *   checkpoint; takers read the heartbeats every takerIntervalMs and scan the lease table only when a worker
 *   died, joined or left, the fleet is out of balance, or every leaseSweepIntervalMs. Needs a store with the
 *   heartbeat methods (LeaseTable has them, in a companion table). Works beside 'per-lease' workers (rolling
 *   migration): while any lease is held by a worker without a heartbeat, it also renews its leases one by one.
 */
export type LeaseProtocol = 'per-lease' | 'heartbeat';

export interface LeaseCoordinatorOptions {
  store: LeaseStore;
  /** Read by createLeaseCoordinator (default 'per-lease' there; KinesisConsumer's default is 'heartbeat'). */
  protocol?: LeaseProtocol;
  /** Heartbeat protocol: a full lease scan at least this often (default 60,000 ms). */
  leaseSweepIntervalMs?: number;
  /** Heartbeat protocol: a stealer takes a lease whose owner did not hand it over after this long (default 3 · failover). */
  handoffTimeoutMs?: number;
  /** Heartbeat protocol: handoffs a worker may ask for in one taker run (default 25; LEASE_DEFAULTS says why). */
  maxHandoffsAtOneTime?: number;
  workerId: string;
  /** Lease duration (default 10,000 ms). */
  failoverTimeMs?: number;
  epsilonMs?: number;
  /** Default failover/3 − ε. */
  renewIntervalMs?: number;
  /** Default 2·(failover + ε). */
  takerIntervalMs?: number;
  /** Delay of the next taker run when leases stayed available (default 1,000 ms). */
  takerFollowUpMs?: number;
  /** Heartbeat protocol: delay of the next taker run when takes lost races and no spare was left (default 100 ms, ±50 %). */
  takerRetryMs?: number;
  maxLeasesForWorker?: number;
  maxLeasesToStealAtOneTime?: number;
  veryExpiredMultiplier?: number;
  /** Takes / renewals / releases in flight at once (default 20). */
  writeConcurrency?: number;
  /**
   * The progress of the lease's processing, written with each renewal and checkpoint (same UpdateItem, no extra call);
   * undefined: nothing to write. `statsUpdatedAt` is added from the coordinator's clock.
   */
  progress?: (leaseKey: string) => Omit<LeaseProgress, 'statsUpdatedAt'> | undefined;
  random?: () => number;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
}

/**
 * Why a lease was given up: another worker's write won ('renewal-rejected', 'checkpoint-rejected': a steal, routine
 * while balancing), our renewal or heartbeat could not land in time ('expired'), or a handoff we were asked for
 * did not finish gracefully in time and processing was cut short ('handed-off').
 */
export type LeaseLostReason = 'renewal-rejected' | 'checkpoint-rejected' | 'expired' | 'handed-off';

export interface LeaseAcquiredInfo {
  /** The owner before us (undefined: the lease was unowned). */
  previousOwner?: string;
  /** True when taken from a live worker (a steal), false for an unowned or expired lease. */
  stolen: boolean;
}

export interface LeaseLostInfo {
  reason: LeaseLostReason;
  error?: unknown;
}

export interface TakerRunEvent {
  workerId: string;
  /** Eligible leases, live workers, target per worker, leases held after the run. */
  leases: number;
  workers: number;
  target: number;
  held: number;
  available: number;
  veryExpired: number;
  taken: string[];
  stolen: string[];
  /** Takes that lost a race (or failed): retried by a later run (heartbeat protocol: first with the scan's spares). */
  failed: number;
  durationMs: number;
}

export interface LeaseCoordinatorEvents {
  leaseAcquired: [lease: Lease, info: LeaseAcquiredInfo];
  leaseLost: [leaseKey: string, info: LeaseLostInfo];
  /** A SHARD_END checkpoint was written: the lease is no longer held nor renewed. */
  leaseCompleted: [leaseKey: string];
  /** release() cleared the owner. */
  leaseReleased: [leaseKey: string];
  /**
   * Heartbeat protocol: another worker asked for this lease (a graceful steal). The listener stops the shard,
   * checkpoints what is done and calls release(); without a listener the coordinator releases it at once. Not
   * released within the failover time, the lease is given up (`leaseLost`, 'handed-off').
   */
  handoffRequested: [leaseKey: string];
  takerRun: [event: TakerRunEvent];
  /** A renewal failed for a reason other than loss (throttling, network): the lease is kept until it would expire. */
  renewalFailed: [leaseKey: string, error: ConsumerError];
  /** A taker run could not list the table. */
  takerFailed: [error: ConsumerError];
}

export interface Held {
  lease: Lease;
  /** Clock time at the start of the last successful write: others cannot see it expired before this + failover. */
  lastRenewedAt: number;
  queue: Promise<void>;
  renewing: boolean;
  /** Heartbeat protocol, during a handoff: a checkpoint the owner may no longer write alone, written with the handoff's end. */
  unwrittenCheckpoint?: Checkpoint;
}

export type CoordinatorState = 'new' | 'running' | 'stopping' | 'stopped';
type State = CoordinatorState;

export class LeaseCoordinator extends EventEmitter<LeaseCoordinatorEvents> {
  readonly workerId: string;
  readonly failoverTimeMs: number;
  readonly renewIntervalMs: number;
  readonly takerIntervalMs: number;
  protected readonly store: LeaseStore;
  protected readonly takerFollowUpMs: number;
  protected readonly maxLeasesForWorker: number;
  protected readonly maxLeasesToStealAtOneTime: number;
  protected readonly veryExpiredMultiplier: number;
  protected readonly writeConcurrency: number;
  private readonly progressOf: LeaseCoordinatorOptions['progress'];
  protected readonly random: () => number;
  protected readonly clock: Clock;
  protected readonly timers: Timers;
  protected readonly logger: Logger;

  protected state: State = 'new';
  protected readonly held = new Map<string, Held>();
  protected observations = new Map<string, LeaseObservation>();
  private renewTimer: unknown;
  private takerTimer: unknown;
  private takerRun: Promise<TakerRunEvent | undefined> | undefined;
  private takerRerun: Promise<TakerRunEvent | undefined> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: LeaseCoordinatorOptions) {
    super();
    const failover = options.failoverTimeMs ?? LEASE_DEFAULTS.failoverTimeMs;
    const epsilon = options.epsilonMs ?? LEASE_DEFAULTS.epsilonMs;
    const positive = (name: string, value: number): number => {
      if (!(value > 0)) throw new ConsumerError('INVALID_OPTION', `${name} must be > 0 (got ${value}).`, false);
      return value;
    };
    if (!options.workerId) throw new ConsumerError('INVALID_OPTION', 'workerId must not be empty.', false);
    this.store = options.store;
    this.workerId = options.workerId;
    this.failoverTimeMs = positive('failoverTimeMs', failover);
    this.renewIntervalMs = positive('renewIntervalMs', options.renewIntervalMs ?? defaultRenewIntervalMs(failover, epsilon));
    if (this.renewIntervalMs >= this.failoverTimeMs) {
      throw new ConsumerError('INVALID_OPTION', `renewIntervalMs (${this.renewIntervalMs}) must be below failoverTimeMs (${failover}).`, false);
    }
    this.takerIntervalMs = positive('takerIntervalMs', options.takerIntervalMs ?? defaultTakerIntervalMs(failover, epsilon));
    this.takerFollowUpMs = positive('takerFollowUpMs', options.takerFollowUpMs ?? LEASE_DEFAULTS.takerFollowUpMs);
    this.maxLeasesForWorker = positive('maxLeasesForWorker', options.maxLeasesForWorker ?? LEASE_DEFAULTS.maxLeasesForWorker);
    this.maxLeasesToStealAtOneTime = options.maxLeasesToStealAtOneTime ?? LEASE_DEFAULTS.maxLeasesToStealAtOneTime;
    if (!(this.maxLeasesToStealAtOneTime >= 0)) throw new ConsumerError('INVALID_OPTION', 'maxLeasesToStealAtOneTime must be >= 0.', false);
    this.veryExpiredMultiplier = positive('veryExpiredMultiplier', options.veryExpiredMultiplier ?? LEASE_DEFAULTS.veryExpiredMultiplier);
    this.writeConcurrency = positive('writeConcurrency', options.writeConcurrency ?? LEASE_DEFAULTS.writeConcurrency);
    this.progressOf = options.progress;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.logger = (options.logger ?? noopLogger).child({ workerId: options.workerId });
  }

  /**
   * Starts the renewer and runs the taker once (leases it takes are announced by `leaseAcquired` before this
   * resolves). A table that cannot be read for a reason not worth retrying (missing, access denied) rejects and
   * stops the coordinator; a retriable failure is reported (`takerFailed`) and retried by the next run.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new ConsumerError('INTERNAL', `LeaseCoordinator.start() called when ${this.state}.`, false);
    this.state = 'running';
    this.scheduleRenewal();
    try {
      await this.takeLeasesNow();
    } catch (err) {
      const error = asConsumerError('ListLeases', err);
      if (error.retriable) return;
      await this.stop();
      throw error;
    }
  }

  /** Runs the taker now (after the run in progress, if any) instead of at its next scheduled time. */
  takeLeasesNow(): Promise<TakerRunEvent | undefined> {
    if (this.state !== 'running') return Promise.resolve(undefined);
    if (this.takerRun) {
      this.takerRerun ??= this.takerRun
        .catch(() => undefined)
        .then(() => {
          this.takerRerun = undefined;
          return this.startTakerRun();
        });
      return this.takerRerun;
    }
    return this.startTakerRun();
  }

  /** Writes a checkpoint on a held lease (conditional on owner and counter). LeaseLostError when not held (any more). */
  checkpoint(leaseKey: string, checkpoint: Checkpoint, options: { childShardIds?: readonly string[] } = {}): Promise<Lease> {
    const h = this.held.get(leaseKey);
    if (!h) return Promise.reject(new LeaseLostError(leaseKey, `Lease ${leaseKey} is not held by worker ${this.workerId}.`));
    return this.serialize(h, async () => {
      if (this.held.get(leaseKey) !== h) throw new LeaseLostError(leaseKey, `Lease ${leaseKey} was lost before its checkpoint.`);
      const at = this.clock.now();
      try {
        // The owner's progress rides along (the heartbeat protocol's only regular write of the lease item).
        const progress = this.progressOf?.(leaseKey);
        h.lease = await this.store.updateCheckpoint(h.lease, checkpoint, progress === undefined ? options : { ...options, progress: { ...progress, statsUpdatedAt: at } });
        h.lastRenewedAt = at;
      } catch (err) {
        if (err instanceof LeaseLostError && (await this.rejected(h, 'checkpoint-rejected', err)) === 'handoff') {
          h.unwrittenCheckpoint = checkpoint;
          return { ...h.lease, checkpoint };
        }
        throw err;
      }
      if (isShardEnd(checkpoint) && this.held.get(leaseKey) === h) {
        this.held.delete(leaseKey);
        this.emitSafe('leaseCompleted', leaseKey);
      }
      return { ...h.lease };
    });
  }

  /**
   * Graceful handoff: clears our ownership (with a final checkpoint in the same conditional write if given) so that
   * another worker takes the lease at its next taker run. Resolves true when released, false when the lease was
   * not held (any more); rejects on a DynamoDB failure, the lease then still being held (retry, or let it expire).
   */
  release(leaseKey: string, options: { checkpoint?: Checkpoint } = {}): Promise<boolean> {
    const h = this.held.get(leaseKey);
    if (!h) return Promise.resolve(false);
    return this.serialize(h, async () => {
      if (this.held.get(leaseKey) !== h) return false;
      try {
        await this.store.releaseLease(h.lease, options);
      } catch (err) {
        if (!(err instanceof LeaseLostError)) throw err;
        if (this.held.get(leaseKey) === h) this.held.delete(leaseKey);
        return false;
      }
      if (this.held.get(leaseKey) === h) this.held.delete(leaseKey);
      this.emitSafe('leaseReleased', leaseKey);
      return true;
    });
  }

  /**
   * Stops both loops and waits for writes in flight. With `release: true` every held lease is released (owner
   * cleared) so that other workers take them at once; otherwise they are left to expire. No `leaseLost` is emitted
   * for them: the caller asked.
   */
  stop(options: { release?: boolean } = {}): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = this.doStop(options.release ?? false);
    return this.stopping;
  }

  private async doStop(release: boolean): Promise<void> {
    this.state = 'stopping';
    if (this.renewTimer !== undefined) this.timers.clearTimeout(this.renewTimer);
    if (this.takerTimer !== undefined) this.timers.clearTimeout(this.takerTimer);
    this.renewTimer = this.takerTimer = undefined;
    // Writes in flight finish first (a final checkpoint must not race the release), but a hung call must not
    // hold shutdown past the failover time: by then the lease has expired for everybody anyway.
    let bound: unknown;
    const bounded = new Promise<void>((resolve) => (bound = this.timers.setTimeout(resolve, this.failoverTimeMs)));
    await Promise.race([
      (async () => {
        await (this.takerRerun ?? this.takerRun)?.catch(() => undefined);
        await Promise.all([...this.held.values()].map((h) => h.queue));
      })(),
      bounded,
    ]);
    this.timers.clearTimeout(bound);
    if (release) {
      await forEachSettled([...this.held.keys()], this.writeConcurrency, async (key) => {
        try {
          await this.release(key);
        } catch (err) {
          this.logger.warn({ leaseKey: key, err: errorMessage(err) }, 'release on stop failed: the lease will expire instead');
        }
      });
    }
    this.held.clear();
    this.state = 'stopped';
  }

  /** Leases held now (copies). */
  heldLeases(): Lease[] {
    return [...this.held.values()].map((h) => ({ ...h.lease }));
  }

  heldLeaseKeys(): string[] {
    return [...this.held.keys()];
  }

  /** The held lease (copy), or undefined. */
  getHeldLease(leaseKey: string): Lease | undefined {
    const h = this.held.get(leaseKey);
    return h && { ...h.lease };
  }

  /** True while the lease is held and its last write is recent enough that no other worker can have taken it. */
  holds(leaseKey: string): boolean {
    const h = this.held.get(leaseKey);
    return h !== undefined && this.clock.now() - h.lastRenewedAt <= this.failoverTimeMs;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  // ---- renewer ----

  protected scheduleRenewal(): void {
    if (this.state !== 'running') return;
    this.renewTimer = this.timers.setTimeout(() => {
      this.renewTimer = undefined;
      this.renewTick();
      this.scheduleRenewal();
    }, this.renewIntervalMs);
  }

  /** One renewer tick: start a renewal of every held lease (at most one in flight each), drop those that cannot make it. */
  protected renewTick(): void {
    const now = this.clock.now();
    const due: Held[] = [];
    for (const h of this.held.values()) {
      if (h.renewing) {
        // The previous renewal has not answered; if the next tick would be past the expiry, give up now. Decided
        // after pending I/O is handled (setImmediate runs after the poll phase): after a busy stretch, timers fire
        // before the renewal's answer that has been waiting in the socket all along.
        if (now + this.renewIntervalMs - h.lastRenewedAt > this.failoverTimeMs) {
          setImmediate(() => {
            if (h.renewing && this.clock.now() + this.renewIntervalMs - h.lastRenewedAt > this.failoverTimeMs) this.lose(h, 'expired');
          });
        }
      } else {
        // A lease past its expiry by our clock is still renewed rather than dropped: a late tick (this process
        // busy decoding a 10 MiB batch) does not mean another worker took it, and the conditional renewal says
        // whether one did. Dropping it here made a lone worker lose its own leases and replay from the last
        // checkpoint (`npm run bench:consumer`, enhanced fan-out under load).
        if (now - h.lastRenewedAt > this.failoverTimeMs) this.logger.warn({ leaseKey: h.lease.leaseKey, lateMs: now - h.lastRenewedAt - this.failoverTimeMs }, 'lease renewal late');
        h.renewing = true;
        due.push(h);
      }
    }
    void forEachSettled(due, this.writeConcurrency, (h) => this.renew(h));
  }

  protected renew(h: Held): Promise<void> {
    return this.serialize(h, async () => {
      try {
        if (this.held.get(h.lease.leaseKey) !== h) return;
        const at = this.clock.now();
        try {
          const progress = this.progressOf?.(h.lease.leaseKey);
          const renewed = await this.store.renewLease(h.lease, progress === undefined ? undefined : { ...progress, statsUpdatedAt: at });
          if (this.held.get(h.lease.leaseKey) !== h) return;
          h.lease = renewed;
          h.lastRenewedAt = at;
        } catch (err) {
          if (err instanceof LeaseLostError) {
            await this.rejected(h, 'renewal-rejected', err);
            return;
          }
          const error = asConsumerError('RenewLease', err);
          // Reported through the event when someone listens (the worker logs it once), logged here otherwise.
          this.logger[this.listenerCount('renewalFailed') > 0 ? 'debug' : 'warn']({ leaseKey: h.lease.leaseKey, err: error.message }, 'lease renewal failed');
          this.emitSafe('renewalFailed', h.lease.leaseKey, error);
          if (this.clock.now() + this.renewIntervalMs - h.lastRenewedAt > this.failoverTimeMs) this.lose(h, 'expired', error);
        }
      } finally {
        h.renewing = false;
      }
    });
  }

  /**
   * A conditional write on a held lease was rejected. Here the lease is lost; the heartbeat protocol first looks
   * whether a stealer asked for it (a graceful handoff, which the owner finishes instead).
   */
  protected rejected(h: Held, reason: LeaseLostReason, error: LeaseLostError): Promise<'lost' | 'handoff'> {
    this.lose(h, reason, error);
    return Promise.resolve('lost');
  }

  protected lose(h: Held, reason: LeaseLostReason, error?: unknown): void {
    const key = h.lease.leaseKey;
    if (this.held.get(key) !== h) return;
    this.held.delete(key);
    // Only 'expired' means trouble (our writes did not land in time); a rejected write or a handoff is another
    // worker taking its share, routine when workers start or join (issue 19: it read like an error at start-up).
    if (reason === 'expired') this.logger.warn({ leaseKey: key, reason }, 'lease given up: its renewal could not land before it could be seen expired; the shard stops here');
    else this.logger.info({ leaseKey: key, reason }, reason === 'handed-off' ? 'lease handed over to another worker' : 'lease moved to another worker (rebalancing)');
    this.emitSafe('leaseLost', key, error === undefined ? { reason } : { reason, error });
  }

  // ---- taker ----

  protected startTakerRun(): Promise<TakerRunEvent | undefined> {
    if (this.takerTimer !== undefined) {
      this.timers.clearTimeout(this.takerTimer);
      this.takerTimer = undefined;
    }
    const run = this.runTaker().finally(() => {
      if (this.takerRun === run) this.takerRun = undefined;
    });
    this.takerRun = run;
    return run;
  }

  protected scheduleTaker(delayMs: number): void {
    if (this.state !== 'running' || this.takerRerun) return;
    if (this.takerTimer !== undefined) this.timers.clearTimeout(this.takerTimer);
    this.takerTimer = this.timers.setTimeout(() => {
      this.takerTimer = undefined;
      this.scheduledRun().catch(() => undefined); // reported as takerFailed
    }, delayMs);
  }

  /** The taker timer's run (the heartbeat protocol tells it from a caller's takeLeasesNow()). */
  protected scheduledRun(): Promise<TakerRunEvent | undefined> {
    return this.takeLeasesNow();
  }

  protected async runTaker(): Promise<TakerRunEvent | undefined> {
    const started = this.clock.now();
    let leases: Lease[];
    try {
      leases = await this.store.listLeases();
    } catch (err) {
      const error = asConsumerError('ListLeases', err);
      this.logger[this.listenerCount('takerFailed') > 0 ? 'debug' : 'warn']({ err: error.message }, 'taker could not list leases');
      this.emitSafe('takerFailed', error);
      this.scheduleTaker(this.takerIntervalMs);
      throw error;
    }
    if (this.state !== 'running') return undefined;

    const plan = planLeaseTaking({
      leases,
      workerId: this.workerId,
      now: this.clock.now(),
      observations: this.observations,
      failoverTimeMs: this.failoverTimeMs,
      maxLeasesForWorker: this.maxLeasesForWorker,
      maxLeasesToStealAtOneTime: this.maxLeasesToStealAtOneTime,
      veryExpiredMultiplier: this.veryExpiredMultiplier,
      heldLeaseKeys: new Set(this.held.keys()),
      random: this.random,
    });
    this.observations = plan.observations;

    const wanted = [...plan.take.map((lease) => ({ lease, steal: false })), ...plan.steal.map((lease) => ({ lease, steal: true }))].filter(
      (w) => !this.held.has(w.lease.leaseKey),
    );
    const taken: string[] = [];
    const stolen: string[] = [];
    let failed = 0;
    await forEachSettled(wanted, this.writeConcurrency, async ({ lease, steal }) => {
      if (this.state !== 'running') return;
      const at = this.clock.now();
      let acquired: Lease;
      try {
        acquired = await this.store.takeLease(lease, this.workerId);
      } catch (err) {
        failed++;
        if (!(err instanceof LeaseLostError)) {
          this.logger.warn({ leaseKey: lease.leaseKey, err: errorMessage(err) }, 'take failed');
        }
        return;
      }
      (steal ? stolen : taken).push(lease.leaseKey);
      this.acquired(acquired, at, lease.leaseOwner, steal);
    });

    const leftOver = plan.available - taken.length > 0 && this.held.size < this.maxLeasesForWorker;
    let delay = leftOver || failed > 0 ? this.takerFollowUpMs : this.takerIntervalMs;
    if (plan.nextExpiryAt !== undefined) delay = Math.min(delay, Math.max(0, plan.nextExpiryAt - this.clock.now()));
    this.scheduleTaker(delay);
    const event = this.scannedRunEvent(started, plan, { taken, stolen, failed });
    this.emitSafe('takerRun', event);
    return event;
  }

  /** The event of a taker run that scanned the lease table (both protocols), logged when it moved a lease. */
  protected scannedRunEvent(
    started: number,
    plan: Pick<LeaseTakingPlan, 'leaseCount' | 'workerCount' | 'target' | 'available' | 'veryExpired'>,
    outcome: Pick<TakerRunEvent, 'taken' | 'stolen' | 'failed'>,
  ): TakerRunEvent {
    const { taken, stolen, failed } = outcome;
    const event: TakerRunEvent = {
      workerId: this.workerId,
      leases: plan.leaseCount,
      workers: plan.workerCount,
      target: plan.target,
      held: this.held.size,
      available: plan.available,
      veryExpired: plan.veryExpired,
      taken,
      stolen,
      failed,
      durationMs: this.clock.now() - started,
    };
    if (taken.length + stolen.length > 0) this.logger.info({ ...event, taken: taken.length, stolen: stolen.length }, 'taker run');
    return event;
  }

  /** A lease is ours since `at` (the start of the write that made it so): held, announced. */
  protected acquired(lease: Lease, at: number, previousOwner: string | undefined, stolen: boolean): void {
    // Held even if stop() began meanwhile: stop releases (or abandons) it with the others.
    this.held.set(lease.leaseKey, { lease, lastRenewedAt: at, queue: Promise.resolve(), renewing: false });
    if (this.state !== 'running') return;
    // A worker taking its share (at start, or a graceful handoff) is routine; only taking a dead worker's lease is news.
    const expired = previousOwner !== undefined && !stolen;
    this.logger[expired ? 'info' : 'debug']({ leaseKey: lease.leaseKey, previousOwner, stolen }, expired ? 'lease taken over from an expired owner' : 'lease acquired');
    const info: LeaseAcquiredInfo = previousOwner === undefined ? { stolen } : { previousOwner, stolen };
    this.emitSafe('leaseAcquired', { ...lease }, info);
  }

  // ---- helpers ----

  protected serialize<T>(h: Held, op: () => Promise<T>): Promise<T> {
    const run = h.queue.then(op);
    h.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** A listener that throws must not break the loops. */
  protected emitSafe<K extends keyof LeaseCoordinatorEvents>(event: K, ...args: LeaseCoordinatorEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: LeaseCoordinatorEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error({ event, err: errorMessage(err) }, 'lease event listener threw');
    }
  }
}

function asConsumerError(operation: string, err: unknown): ConsumerError {
  return err instanceof ConsumerError ? err : toDependencyError(operation, err);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `fn` over `items` with at most `limit` calls in flight (the runtime's limiter); never rejects (fn reports its errors). */
async function forEachSettled<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  await mapWithConcurrency(items, Math.max(1, Math.floor(limit)), (item) => fn(item).catch(() => undefined));
}
