/**
 * One fuzz target per decoder that reads bytes from outside (issue 12, "Fuzzing"): the arbitrary that generates
 * its inputs, how to feed one input, and which errors count as a proper rejection. Two drivers share it, so the
 * unit suite and the soak bench exercise exactly the same inputs:
 *
 *   - checkFuzzTarget: fast-check's `assert` with a bounded `numRuns`, shrinking a failure to a small
 *     counterexample (the unit suite's `*.property.spec.ts`);
 *   - soakFuzzTarget: millions of inputs without stopping at the first failure, counting inputs/s, crashes
 *     (anything thrown that is not the decoder's typed error), hangs (one input slower than `hangMs`) and typed
 *     rejections (tools/bench fuzz-soak-bench.ts).
 *
 * A synchronous decoder cannot be interrupted, so a hang is measured, not cut short: inputs are bounded in size
 * so that even a quadratic path ends, and a call over the limit is reported as a hang.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';

export interface FuzzTarget<T> {
  /** Short kebab-case name, used by the bench's `--only`. */
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /**
   * Feeds one input. Returns (or resolves) when the decoder accepted it; throws (or rejects) when it refused it.
   * Properties beyond "does not crash" (round trips, chunking invariance) throw an `Error` of their own, which
   * `isTypedRejection` does not accept, so they count as failures.
   */
  run(input: T): unknown;
  /** Set when `run` returns a promise (the drivers then await each input; synchronous targets run faster without). */
  readonly async?: boolean;
  /** True for the decoder's typed error (its error class, an AWS-style error, a zod error at a schema boundary). */
  isTypedRejection(error: unknown): boolean;
}

export interface FuzzCheckOptions {
  numRuns: number;
  /** Longest one input may take before it counts as a hang (default 1000 ms). */
  hangMs?: number;
  seed?: number;
}

/** One input: 'accepted' | 'rejected', or throws what is neither a typed rejection nor fast enough. */
async function runOne<T>(target: FuzzTarget<T>, input: T, hangMs: number): Promise<'accepted' | 'rejected'> {
  const started = performance.now();
  let outcome: 'accepted' | 'rejected' = 'accepted';
  try {
    const r = target.run(input);
    if (r instanceof Promise) await r;
  } catch (err) {
    if (!target.isTypedRejection(err)) throw err;
    outcome = 'rejected';
  }
  const ms = performance.now() - started;
  if (ms > hangMs) throw new Error(`${target.name}: one input took ${ms.toFixed(0)} ms (limit ${hangMs} ms)`);
  return outcome;
}

/** The unit-suite driver: fails with fast-check's shrunk counterexample. */
export async function checkFuzzTarget<T>(target: FuzzTarget<T>, options: FuzzCheckOptions): Promise<void> {
  const hangMs = options.hangMs ?? 1000;
  await fc.assert(
    fc.asyncProperty(target.arbitrary, async (input) => {
      await runOne(target, input, hangMs);
    }),
    { numRuns: options.numRuns, seed: options.seed },
  );
}

export interface FuzzSoakOptions {
  inputs: number;
  hangMs?: number;
  seed?: number;
}

export interface FuzzSoakResult {
  name: string;
  inputs: number;
  accepted: number;
  /** Typed rejections: the decoder said no the way it should. */
  rejected: number;
  /** Anything else thrown (TypeError, RangeError, a failed round trip…). */
  crashes: number;
  /** Inputs slower than `hangMs`. */
  hangs: number;
  /** Wall time of the whole run, input generation included. */
  seconds: number;
  /** The first crash or hang, for the report. */
  firstFailure?: { message: string; input: string };
}

const preview = (input: unknown): string => {
  const text = fc.stringify(input);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
};

/**
 * The soak driver: `inputs` generated inputs, every one run, failures counted rather than shrunk. Inputs come
 * from fast-check's generator (fc.check with a property that never fails), so the same arbitrary and seed give
 * the same stream of inputs as in the unit suite.
 */
export async function soakFuzzTarget<T>(target: FuzzTarget<T>, options: FuzzSoakOptions): Promise<FuzzSoakResult> {
  const hangMs = options.hangMs ?? 1000;
  const result: FuzzSoakResult = { name: target.name, inputs: 0, accepted: 0, rejected: 0, crashes: 0, hangs: 0, seconds: 0 };
  const started = performance.now();
  const record = (input: T, started1: number, outcome: 'accepted' | 'rejected' | Error): void => {
    result.inputs++;
    const ms = performance.now() - started1;
    if (ms > hangMs) {
      result.hangs++;
      result.firstFailure ??= { message: `one input took ${ms.toFixed(0)} ms`, input: preview(input) };
    }
    if (outcome === 'accepted') result.accepted++;
    else if (outcome === 'rejected') result.rejected++;
    else {
      result.crashes++;
      result.firstFailure ??= { message: `${outcome.name}: ${outcome.message}`, input: preview(input) };
    }
  };
  const classify = (err: unknown): 'rejected' | Error => (target.isTypedRejection(err) ? 'rejected' : err instanceof Error ? err : new Error(String(err)));
  const attempt = (input: T): void => {
    const t0 = performance.now();
    try {
      target.run(input);
      record(input, t0, 'accepted');
    } catch (err) {
      record(input, t0, classify(err));
    }
  };
  const attemptAsync = async (input: T): Promise<void> => {
    const t0 = performance.now();
    try {
      await target.run(input);
      record(input, t0, 'accepted');
    } catch (err) {
      record(input, t0, classify(err));
    }
  };
  const params = { numRuns: options.inputs, seed: options.seed, endOnFailure: true };
  // Async only when the target is: an await per input would cost the synchronous decoders much of their rate.
  if (target.async) {
    await fc.check(
      fc.asyncProperty(target.arbitrary, async (input) => {
        await attemptAsync(input);
        return true;
      }),
      params,
    );
  } else {
    fc.check(
      fc.property(target.arbitrary, (input) => {
        attempt(input);
        return true;
      }),
      params,
    );
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** A target with its input type erased, so that targets of different inputs can share one list (the bench's). */
export interface FuzzSoakRunner {
  readonly name: string;
  soak(options: FuzzSoakOptions): Promise<FuzzSoakResult>;
}

export const fuzzSoakRunner = <T>(target: FuzzTarget<T>): FuzzSoakRunner => ({ name: target.name, soak: (options) => soakFuzzTarget(target, options) });

/**
 * The main of a soak child process (an app's fuzz targets, which tools/bench may not import): reads `--inputs N
 * [--seed N] [--hang-ms N] [--only a,b]`, soaks each runner and writes one FuzzSoakResult per line to stdout.
 */
export async function runFuzzSoakCli(runners: readonly FuzzSoakRunner[], argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { inputs: { type: 'string', default: '100000' }, seed: { type: 'string' }, 'hang-ms': { type: 'string' }, only: { type: 'string' } } });
  const only = values.only?.split(',');
  for (const runner of runners) {
    if (only && !only.includes(runner.name)) continue;
    const result = await runner.soak({
      inputs: Number(values.inputs),
      ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
      ...(values['hang-ms'] !== undefined ? { hangMs: Number(values['hang-ms']) } : {}),
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}
