/**
 * A FIFO with cheap pushes at both ends, for the per-shard queues: records are appended by put() and taken from
 * the head, and in ordered mode failed records go back to the head (they keep their place). An array's shift()
 * is O(n) once V8 leaves its fast path, and unshift() always is; this ring buffer makes all four O(1) amortised.
 */
export class RecordDeque<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 16) {
    this.items = new Array(Math.max(4, 1 << Math.ceil(Math.log2(initialCapacity))));
  }

  get length(): number {
    return this.count;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** The item `i` places behind the head (0 = head). */
  at(i: number): T | undefined {
    return i < 0 || i >= this.count ? undefined : this.items[(this.head + i) & (this.items.length - 1)];
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  /** Puts `items` back at the head, in their order (items[0] becomes the new head). */
  unshiftAll(items: readonly T[]): void {
    while (this.count + items.length > this.items.length) this.grow();
    const mask = this.items.length - 1;
    for (let i = items.length - 1; i >= 0; i--) {
      this.head = (this.head - 1) & mask;
      this.items[this.head] = items[i];
    }
    this.count += items.length;
  }

  /** Removes and returns everything, head first. */
  drain(): T[] {
    const out: T[] = new Array(this.count);
    for (let i = 0; i < out.length; i++) out[i] = this.shift() as T;
    return out;
  }

  private grow(): void {
    const old = this.items;
    const next: Array<T | undefined> = new Array(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
