/**
 * Where a PutMedia session keeps fragments until KVS says PERSISTED, so that it can resend them after a
 * reconnect (kvs-reference.md §3.7: any error ends the connection; conventions.md §10: a streaming body is never
 * retried blindly, the session resumes from the first fragment not persisted).
 *
 * The session appends every fragment before sending it, reads fragments back by timecode when it (re)sends, and
 * releases each one once it is persisted or refused for good. An implementation decides how much it holds and
 * what happens when it is full (the video producer's on-disk spool: drop oldest or refuse); a fragment it no
 * longer has is answered `undefined` by read() and reported by the session as evicted. `pending()` lists what an
 * earlier process left behind, so that a restarted producer sends it first.
 *
 * Each fragment carries the stream header (EBML header + Segment + Info + Tracks) it was cut under: a PutMedia
 * request carries one Segment (§3.4), so fragments under a new header go on a new connection, and replayed
 * fragments must go out behind their own header (a restarted ffmpeg may have new codec parameters).
 */
export interface ReplayableFragment {
  /** Cluster timecode as sent (TimecodeScale units); strictly increasing within a store. */
  timecode: number;
  /** The fragment's bytes: the Cluster, plus any Tags that belong after it. */
  bytes: Uint8Array;
  /** The stream header it goes behind. Fragments sharing a header share the same instance (or equal bytes). */
  header: Uint8Array;
}

export interface ReplayableFragments {
  append(fragment: ReplayableFragment): void | Promise<void>;
  /** The fragment, or undefined when the store no longer has it (evicted). */
  read(timecode: number): ReplayableFragment | undefined | Promise<ReplayableFragment | undefined>;
  /** Persisted or refused for good: the store may delete it. Releasing an unknown timecode is a no-op. */
  release(timecode: number): void | Promise<void>;
  /** Timecodes held and not released, oldest first (what an earlier run left: sent first after a restart). */
  pending(): readonly number[] | Promise<readonly number[]>;
}

export interface InMemoryFragmentStoreOptions {
  /** Bytes held at most (fragment bytes; headers are shared). When over, the oldest fragments are dropped. Default: no bound. */
  maxBytes?: number;
  /** Called with each fragment dropped to stay under maxBytes. */
  onEvict?: (timecode: number) => void;
}

/** The in-memory store: what a session uses when the caller gives none. Drops the oldest beyond `maxBytes`. */
export class InMemoryFragmentStore implements ReplayableFragments {
  private readonly fragments = new Map<number, ReplayableFragment>();
  private heldBytes = 0;

  constructor(private readonly options: InMemoryFragmentStoreOptions = {}) {}

  append(fragment: ReplayableFragment): void {
    const previous = this.fragments.get(fragment.timecode);
    if (previous) this.heldBytes -= previous.bytes.length;
    this.fragments.set(fragment.timecode, fragment);
    this.heldBytes += fragment.bytes.length;
    const max = this.options.maxBytes;
    if (max === undefined) return;
    // Map iteration follows insertion order, which is timecode order (timecodes only grow).
    for (const [timecode, held] of this.fragments) {
      if (this.heldBytes <= max || timecode === fragment.timecode) break;
      this.fragments.delete(timecode);
      this.heldBytes -= held.bytes.length;
      this.options.onEvict?.(timecode);
    }
  }

  read(timecode: number): ReplayableFragment | undefined {
    return this.fragments.get(timecode);
  }

  release(timecode: number): void {
    const held = this.fragments.get(timecode);
    if (!held) return;
    this.fragments.delete(timecode);
    this.heldBytes -= held.bytes.length;
  }

  pending(): readonly number[] {
    return [...this.fragments.keys()];
  }

  get size(): number {
    return this.fragments.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }
}
