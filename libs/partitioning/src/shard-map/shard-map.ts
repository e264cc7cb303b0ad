/**
 * The open shards of a stream as hash-key ranges, for predicting where Kinesis will write a record.
 *
 * Built from ListShards' `Shard` objects (plain data: this module does no I/O). Kinesis routes a record to the
 * OPEN shard whose inclusive [StartingHashKey, EndingHashKey] contains its hash key (kds-reference.md §1.2), so:
 *
 * - closed shards (a SequenceNumberRange with an EndingSequenceNumber) are left out, and so is any shard named
 *   as the parent of another listed shard (a listing taken mid-reshard can show a parent still open next to its
 *   children; the children are the ones that receive writes);
 * - the open ranges are sorted and cut into disjoint segments, looked up by binary search (O(log shards));
 * - gaps (hash keys no open shard covers) and overlaps are reported in `issues`: after a complete resharding the
 *   open shards tile [0, 2^128 − 1] exactly, so an issue means the listing caught a reshard half-way and the
 *   map should be refreshed. An overlap is resolved in favour of the shard with the higher index (the newer).
 *
 * A map is immutable; a refresh builds a new one with a higher `version`. `isStale(observation)` is the
 * producer's hook: PutRecords says which shard took each record, and an answer that disagrees with the
 * prediction means the stream was resharded since the map was built (the KPL's "Wrong Shard" signal).
 */
import { MAX_HASH_KEY } from '../hash-keys/hash-key';
import { PartitioningError } from '../errors';

/** The parts of ListShards' / DescribeStream's `Shard` that matter here (the SDK type is assignable to it). */
export interface ShardDescription {
  ShardId?: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange?: { StartingHashKey?: string; EndingHashKey?: string };
  SequenceNumberRange?: { StartingSequenceNumber?: string; EndingSequenceNumber?: string };
}

/** One open shard of the map. */
export interface ShardRange {
  readonly shardId: string;
  /** Inclusive bounds. */
  readonly start: bigint;
  readonly end: bigint;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
}

export interface ShardMapIssue {
  readonly kind: 'gap' | 'overlap';
  /** Inclusive hash-key bounds of the problem. */
  readonly start: bigint;
  readonly end: bigint;
  /** The shards involved: the two neighbours of a gap (absent at the ends of the key space), or the overlapping ones. */
  readonly shardIds: readonly string[];
}

/** Where a put actually landed, from a PutRecords answer. */
export interface PlacementObservation {
  readonly hashKey: bigint;
  readonly shardId: string;
}

export interface ShardMapOptions {
  /** Increases with every refresh; the producer compares versions to know which map a decision used. Default 1. */
  version?: number;
}

/** Shard ids are `shardId-` + a stream-wide index that children get above their parents (kds-reference.md §1.2). */
function shardIndexOf(shardId: string): number {
  const m = /(\d+)$/.exec(shardId);
  return m ? Number(m[1]) : -1;
}

function parseBound(text: string | undefined, what: string, shardId: string): bigint {
  if (text === undefined || !/^(0|[1-9]\d{0,38})$/.test(text)) {
    throw new PartitioningError('INVALID_SHARD', `Shard ${shardId} has an invalid ${what}: ${String(text)}.`, { shardId, [what]: text });
  }
  const value = BigInt(text);
  if (value > MAX_HASH_KEY) {
    throw new PartitioningError('INVALID_SHARD', `Shard ${shardId} has a ${what} above 2^128-1: ${text}.`, { shardId, [what]: text });
  }
  return value;
}

export class ShardMap {
  readonly version: number;
  /** The open shards, sorted by start. */
  readonly shards: readonly ShardRange[];
  readonly issues: readonly ShardMapIssue[];
  // Disjoint segments, sorted: segment i covers [segStarts[i], segEnds[i]] and belongs to segOwners[i].
  private readonly segStarts: bigint[];
  private readonly segEnds: bigint[];
  private readonly segOwners: ShardRange[];
  private readonly byId: Map<string, ShardRange>;

  private constructor(shards: ShardRange[], version: number) {
    this.version = version;
    this.shards = shards;
    this.byId = new Map(shards.map((s) => [s.shardId, s]));
    const issues: ShardMapIssue[] = [];
    this.segStarts = [];
    this.segEnds = [];
    this.segOwners = [];
    // Sweep left to right; `covered` is the last hash key assigned to a segment so far (−1 before any).
    let covered = -1n;
    let previous: ShardRange | undefined;
    for (const shard of shards) {
      if (shard.start > covered + 1n) {
        issues.push({
          kind: 'gap',
          start: covered + 1n,
          end: shard.start - 1n,
          shardIds: previous ? [previous.shardId, shard.shardId] : [shard.shardId],
        });
      }
      if (shard.start <= covered && previous) {
        const overlapEnd = shard.end < covered ? shard.end : covered;
        issues.push({ kind: 'overlap', start: shard.start, end: overlapEnd, shardIds: [previous.shardId, shard.shardId] });
        if (shardIndexOf(shard.shardId) > shardIndexOf(previous.shardId)) {
          // The newer shard wins the overlap: trim (or split) the segments already placed.
          this.cutSegments(shard.start, overlapEnd);
          this.insertSegment(shard.start, overlapEnd, shard);
        }
      }
      if (shard.end > covered) {
        const from = shard.start > covered ? shard.start : covered + 1n;
        this.pushSegment(from, shard.end, shard);
        covered = shard.end;
        previous = shard;
      }
    }
    if (covered < MAX_HASH_KEY) {
      issues.push({ kind: 'gap', start: covered + 1n, end: MAX_HASH_KEY, shardIds: previous ? [previous.shardId] : [] });
    }
    this.issues = issues;
  }

  /**
   * A map of the open shards among `shards` (ListShards output, any order, closed shards included or not).
   * Throws a PartitioningError when a shard lacks an id or has malformed bounds.
   */
  static fromShards(shards: Iterable<ShardDescription>, options: ShardMapOptions = {}): ShardMap {
    const listed: ShardDescription[] = [...shards];
    const parents = new Set<string>();
    for (const s of listed) {
      if (s.ParentShardId) parents.add(s.ParentShardId);
      if (s.AdjacentParentShardId) parents.add(s.AdjacentParentShardId);
    }
    const open: ShardRange[] = [];
    for (const s of listed) {
      if (!s.ShardId) throw new PartitioningError('INVALID_SHARD', 'A shard without a ShardId was listed.', { shard: s });
      if (s.SequenceNumberRange?.EndingSequenceNumber !== undefined) continue; // closed
      if (parents.has(s.ShardId)) continue; // closed in fact: its children are listed
      const start = parseBound(s.HashKeyRange?.StartingHashKey, 'StartingHashKey', s.ShardId);
      const end = parseBound(s.HashKeyRange?.EndingHashKey, 'EndingHashKey', s.ShardId);
      if (end < start) {
        throw new PartitioningError('INVALID_SHARD', `Shard ${s.ShardId} ends (${end}) before it starts (${start}).`, { shardId: s.ShardId });
      }
      open.push({
        shardId: s.ShardId,
        start,
        end,
        ...(s.ParentShardId ? { parentShardId: s.ParentShardId } : {}),
        ...(s.AdjacentParentShardId ? { adjacentParentShardId: s.AdjacentParentShardId } : {}),
      });
    }
    open.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : shardIndexOf(a.shardId) - shardIndexOf(b.shardId)));
    return new ShardMap(open, options.version ?? 1);
  }

  /** True when the open shards tile [0, 2^128 − 1] without gaps or overlaps. */
  get complete(): boolean {
    return this.issues.length === 0;
  }

  get size(): number {
    return this.shards.length;
  }

  /** The open shard that owns `hashKey`, or undefined when it falls in a gap. */
  shardFor(hashKey: bigint): ShardRange | undefined {
    const starts = this.segStarts;
    let lo = 0;
    let hi = starts.length - 1;
    // The last segment whose start is <= hashKey.
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= hashKey) lo = mid;
      else hi = mid - 1;
    }
    if (lo < 0 || lo >= starts.length || starts[lo] > hashKey || this.segEnds[lo] < hashKey) return undefined;
    return this.segOwners[lo];
  }

  shardIdFor(hashKey: bigint): string | undefined {
    return this.shardFor(hashKey)?.shardId;
  }

  get(shardId: string): ShardRange | undefined {
    return this.byId.get(shardId);
  }

  has(shardId: string): boolean {
    return this.byId.has(shardId);
  }

  /** True when `shardId` is an open shard of this map whose range contains `hashKey`. */
  contains(shardId: string, hashKey: bigint): boolean {
    const s = this.byId.get(shardId);
    return s !== undefined && s.start <= hashKey && hashKey <= s.end;
  }

  /**
   * The refresh hook: true when Kinesis placed a record somewhere this map did not predict (a shard it does not
   * know, or another shard than `shardFor(hashKey)`), i.e. the stream was resharded since the map was built.
   */
  isStale(observation: PlacementObservation): boolean {
    return this.shardFor(observation.hashKey)?.shardId !== observation.shardId;
  }

  /** True when both maps have the same open shards with the same ranges (versions aside). */
  sameLayoutAs(other: ShardMap): boolean {
    if (other.shards.length !== this.shards.length) return false;
    for (let i = 0; i < this.shards.length; i++) {
      const a = this.shards[i];
      const b = other.shards[i];
      if (a.shardId !== b.shardId || a.start !== b.start || a.end !== b.end) return false;
    }
    return true;
  }

  private pushSegment(start: bigint, end: bigint, owner: ShardRange): void {
    this.segStarts.push(start);
    this.segEnds.push(end);
    this.segOwners.push(owner);
  }

  /** Removes [start, end] from the placed segments (rare: only for overlapping listings). */
  private cutSegments(start: bigint, end: bigint): void {
    const starts: bigint[] = [];
    const ends: bigint[] = [];
    const owners: ShardRange[] = [];
    for (let i = 0; i < this.segStarts.length; i++) {
      const s = this.segStarts[i];
      const e = this.segEnds[i];
      const o = this.segOwners[i];
      if (e < start || s > end) {
        starts.push(s);
        ends.push(e);
        owners.push(o);
        continue;
      }
      if (s < start) {
        starts.push(s);
        ends.push(start - 1n);
        owners.push(o);
      }
      if (e > end) {
        starts.push(end + 1n);
        ends.push(e);
        owners.push(o);
      }
    }
    this.segStarts.splice(0, this.segStarts.length, ...starts);
    this.segEnds.splice(0, this.segEnds.length, ...ends);
    this.segOwners.splice(0, this.segOwners.length, ...owners);
  }

  private insertSegment(start: bigint, end: bigint, owner: ShardRange): void {
    let at = this.segStarts.length;
    while (at > 0 && this.segStarts[at - 1] > start) at--;
    this.segStarts.splice(at, 0, start);
    this.segEnds.splice(at, 0, end);
    this.segOwners.splice(at, 0, owner);
  }
}
