// Second entry point of @tributary/runtime (conventions.md §3): test doubles shared by other projects' specs.
export { FakeTimers } from './testing/fake-timers';
export { buildBundle, bundleCommands, copyPackageWithDependencies, nodeModulesAbove, spawnLogged, type LoggedProcess } from './testing/bundle-process';
