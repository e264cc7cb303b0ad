/**
 * The gateway's fuzz soak targets run in their own process for tools/bench/src/fuzz-soak-bench.ts: tools may not
 * import apps (eslint.config.mjs), so the bench starts this file with tsx and reads one JSON line per target
 * (FuzzSoakResult) from its stdout.
 *
 *   tsx apps/playback-gateway/src/testing/hls-proxy-fuzz-soak.ts --inputs 1000000 [--seed 42] [--only hls-proxy-request]
 */
import { fuzzSoakRunner, runFuzzSoakCli } from '@tributary/runtime/testing';
import { hlsProxyRequestFuzzTarget, hlsProxyRoundTripFuzzTarget } from '../hls/hls-proxy-request.arbitraries';

runFuzzSoakCli([fuzzSoakRunner(hlsProxyRequestFuzzTarget), fuzzSoakRunner(hlsProxyRoundTripFuzzTarget)]).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
