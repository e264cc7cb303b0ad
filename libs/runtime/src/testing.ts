// Second entry point of @tributary/runtime (conventions.md §3): test doubles shared by other projects' specs.
export { FakeTimers } from './testing/fake-timers';
export { ManualClock } from './testing/manual-clock';
export { buildBundle, bundleCommands, copyPackageWithDependencies, nodeModulesAbove, spawnLogged, type LoggedProcess } from './testing/bundle-process';
export {
  checkFuzzTarget,
  fuzzSoakRunner,
  runFuzzSoakCli,
  soakFuzzTarget,
  type FuzzCheckOptions,
  type FuzzSoakOptions,
  type FuzzSoakResult,
  type FuzzSoakRunner,
  type FuzzTarget,
} from './testing/fuzz-target';
export { applyMutations, chunkCuts, hex, mutatedBytes, splitAt, type ByteMutation } from './testing/fuzz-bytes';
export { seededRandom } from './testing/seeded-random';
export { eventually, waitUntil, type PollOptions } from './testing/eventually';
