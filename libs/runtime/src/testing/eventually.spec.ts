import { eventually, waitUntil } from './eventually';

describe('eventually', () => {
  it('returns the first value the probe gives, retrying through undefined and errors', async () => {
    let calls = 0;
    const value = await eventually(
      'the third call',
      () => {
        calls++;
        if (calls === 1) throw new Error('not listening yet');
        return calls === 3 ? 'ready' : undefined;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('times out naming what it waited for and the last error', async () => {
    await expect(
      eventually(
        'a port',
        () => {
          throw new Error('ECONNREFUSED');
        },
        { timeoutMs: 30, intervalMs: 5 },
      ),
    ).rejects.toThrow('timed out after 30 ms waiting for a port; last error: ECONNREFUSED');
  });

  it('takes falsy values other than undefined as an answer', async () => {
    await expect(eventually('zero', async () => 0, { timeoutMs: 10 })).resolves.toBe(0);
  });
});

describe('waitUntil', () => {
  it('waits for a sync or async condition', async () => {
    let n = 0;
    await waitUntil('n to reach 3', () => ++n >= 3, { intervalMs: 1 });
    expect(n).toBe(3);
    let m = 0;
    await waitUntil('m to reach 2', async () => ++m >= 2, { intervalMs: 1 });
    expect(m).toBe(2);
  });

  it('times out naming what it waited for', async () => {
    await expect(waitUntil('never', () => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow('timed out after 20 ms waiting for never');
  });

  it('fails at once when the condition throws', async () => {
    const started = Date.now();
    await expect(
      waitUntil(
        'a broken condition',
        () => {
          throw new Error('boom');
        },
        { timeoutMs: 5_000 },
      ),
    ).rejects.toThrow('boom');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
