/**
 * Fragments appended to the store and not yet sent once, kept in memory so that a disk store is not read back for
 * their first send (bounded by `freshCacheBytes`; the oldest go first, and are then read from the store).
 */
import type { ReplayableFragment } from '../replayable-fragments';

export class FreshFragmentCache {
  private readonly held = new Map<number, ReplayableFragment>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(timecode: number): ReplayableFragment | undefined {
    return this.held.get(timecode);
  }

  remember(fragment: ReplayableFragment): void {
    if (fragment.bytes.length > this.maxBytes) return;
    this.held.set(fragment.timecode, fragment);
    this.bytes += fragment.bytes.length;
    for (const [timecode, kept] of this.held) {
      if (this.bytes <= this.maxBytes) break;
      this.held.delete(timecode);
      this.bytes -= kept.bytes.length;
    }
  }

  forget(timecode: number): void {
    const kept = this.held.get(timecode);
    if (!kept) return;
    this.held.delete(timecode);
    this.bytes -= kept.bytes.length;
  }

  clear(): void {
    this.held.clear();
    this.bytes = 0;
  }
}
