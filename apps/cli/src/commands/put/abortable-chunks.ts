/**
 * Chunks of an input until it ends or `signal` aborts. Ctrl-C must stop `tributary put` while it waits on a
 * stdin that nobody closes (`tail -f log | tributary put …`): a `for await` over process.stdin would wait for the
 * next chunk forever, and main.ts would end the process at its grace period without the summary. The read in
 * progress is left behind (the source is released with `return()`).
 */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<IteratorResult<T>>((resolve) => {
    onAbort = () => resolve({ done: true, value: undefined });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
