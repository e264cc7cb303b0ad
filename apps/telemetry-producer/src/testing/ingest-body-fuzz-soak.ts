/**
 * The ingest API's fuzz soak target run in its own process for tools/bench/src/fuzz-soak-bench.ts (tools may not
 * import apps): one JSON line per target (FuzzSoakResult) on stdout.
 *
 *   tsx apps/telemetry-producer/src/testing/ingest-body-fuzz-soak.ts --inputs 1000000 [--seed 42]
 */
import { fuzzSoakRunner, runFuzzSoakCli } from '@tributary/runtime/testing';
import { ingestBodyFuzzTarget } from '../ingest/telemetry-body-parser.arbitraries';

runFuzzSoakCli([fuzzSoakRunner(ingestBodyFuzzTarget)]).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
