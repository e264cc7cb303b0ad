/**
 * Runs asynchronous work one task at a time, in call order: what a store needs when an append must not interleave
 * with the deletion or compaction of the file it writes to. A failed task does not stop the ones queued after it;
 * its own caller gets the failure. Written three times before (the producer's durable buffer, the consumer's file
 * sink, the video producer's recording), kept here once.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  /** Queues `work` behind everything queued so far; resolves or rejects with its outcome. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once everything queued so far has finished, whatever its outcome. */
  settled(): Promise<void> {
    return this.tail;
  }
}
