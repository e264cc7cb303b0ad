/**
 * Waiting in integration tests for something another process or an I/O loop does: poll, and fail with what was
 * awaited (and the probe's last error) when it does not come in time. One copy for every spec instead of one per file.
 */

export interface PollOptions {
  /** How long to wait. Default 20 s. */
  timeoutMs?: number;
  /** Between two probes. Default 100 ms. */
  intervalMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it returns a value other than `undefined`, and returns that value. A probe that throws counts
 * as "not yet" (a server still starting refuses connections); its last error is in the timeout's message.
 */
export async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, options: PollOptions = {}): Promise<T> {
  const { timeoutMs = 20_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}

/** Polls `condition` until it holds. Unlike `eventually`, an error thrown by the condition fails the wait at once. */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, options: PollOptions = {}): Promise<void> {
  const { timeoutMs = 20_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
