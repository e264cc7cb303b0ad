/**
 * The gateway's fuzz soak target run in its own process for tools/bench/src/fuzz-soak-bench.ts: tools may not
 * import apps (eslint.config.mjs), so the bench starts this file with tsx and reads one JSON line per target
 * (FuzzSoakResult) from its stdout.
 *
 *   tsx apps/playback-gateway/src/testing/hls-proxy-fuzz-soak.ts --inputs 1000000 [--seed 42] [--only hls-proxy-request]
 */
import { parseArgs } from 'node:util';
import { fuzzSoakRunner } from '@tributary/runtime/testing';
import { hlsProxyRequestFuzzTarget, hlsProxyRoundTripFuzzTarget } from '../hls/hls-proxy-request.arbitraries';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { inputs: { type: 'string', default: '100000' }, seed: { type: 'string' }, only: { type: 'string' } } });
  const only = values.only?.split(',');
  for (const runner of [fuzzSoakRunner(hlsProxyRequestFuzzTarget), fuzzSoakRunner(hlsProxyRoundTripFuzzTarget)]) {
    if (only && !only.includes(runner.name)) continue;
    const result = await runner.soak({ inputs: Number(values.inputs), seed: values.seed === undefined ? undefined : Number(values.seed) });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
