import { freePort, freePorts } from './free-port';

// Regression: two parts of one start were given the same port (the first was not bound yet when the second was
// picked) and the later one failed with EADDRINUSE. A random source that repeats itself must still give distinct
// ports.
describe('freePort', () => {
  it('never returns a port already picked for the same start', async () => {
    const repeating = (): (() => number) => {
      const values = [0.25, 0.25, 0.25, 0.5, 0.5, 0.75];
      let i = 0;
      return () => values[Math.min(i++, values.length - 1)] as number;
    };
    const ports = await freePorts(3, '127.0.0.1', repeating());
    expect(new Set(ports).size).toBe(3);
    const first = await freePort('127.0.0.1', () => 0.25);
    await expect(freePort('127.0.0.1', () => 0.25, new Set([first]))).rejects.toThrow(/no free port/);
  });
});
