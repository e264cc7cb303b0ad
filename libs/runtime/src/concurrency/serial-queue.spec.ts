import { SerialQueue } from './serial-queue';

describe('SerialQueue', () => {
  it('runs tasks one at a time in call order, a failure reaching its caller only', async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    let running = 0;
    const task = (name: string, ms: number, fail = false) => async (): Promise<string> => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    };
    const a = q.run(task('a', 20));
    const b = q.run(task('b', 1, true));
    const c = q.run(task('c', 5));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('settled() waits for what was queued before it, failures included', async () => {
    const q = new SerialQueue();
    let done = false;
    void q.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      done = true;
      throw new Error('x');
    }).catch(() => undefined);
    await q.settled();
    expect(done).toBe(true);
  });
});
