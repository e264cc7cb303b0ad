/**
 * The status machine's delayed changes (CREATING → ACTIVE, UPDATING → ACTIVE, DELETING → gone) of the KDS and KVS
 * registries: a change runs after its delay, or at once when the delay is 0 (so that tests and SDK waiters see
 * the new status at once), and the registry persists after a delayed one. Timers are unref'd and cleared on close.
 */
export class StatusTimers {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** `persist` runs after every delayed change (an immediate one is persisted by its caller). */
  constructor(private readonly persist: () => void) {}

  /** Runs `apply` after `delayMs` (or now, when 0), then persists. */
  later(delayMs: number, apply: () => void): void {
    if (delayMs <= 0) {
      apply();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      apply();
      this.persist();
    }, delayMs);
    t.unref();
    this.timers.add(t);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
