import { untilAborted } from './abortable-chunks';

describe('untilAborted', () => {
  it('passes every chunk of a source that ends', async () => {
    async function* three(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      yield 3;
    }
    const seen: number[] = [];
    for await (const n of untilAborted(three(), new AbortController().signal)) seen.push(n);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('ends while the source waits forever, once the signal aborts', async () => {
    const controller = new AbortController();
    let returned = false;
    const never: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>(() => undefined),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    setTimeout(() => controller.abort(), 20);
    const seen: number[] = [];
    for await (const n of untilAborted(never, controller.signal)) seen.push(n);
    expect(seen).toEqual([]);
    expect(returned).toBe(true);
  });

  it('gives nothing when already aborted', async () => {
    async function* one(): AsyncGenerator<number> {
      yield 1;
    }
    const controller = new AbortController();
    controller.abort();
    const seen: number[] = [];
    for await (const n of untilAborted(one(), controller.signal)) seen.push(n);
    expect(seen).toEqual([]);
  });
});
