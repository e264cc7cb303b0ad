// Shared Jest settings: SWC transpiles TypeScript (type-checking is the `typecheck` target's job, which keeps
// the test loop fast) and the tsconfig path aliases map to each lib's single public entry point.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

// Under Node 20 (one leg of the test matrix), @aws-sdk/core prints a multi-line process warning that its releases
// after the first week of January 2027 need Node 22, once per process that constructs a client: in every test file's
// output. The apps handle it (libs/runtime node-support.ts: one warn line of their own, then this variable for the
// SDK, tested there); in tests it is only clutter, so it is switched off here for Jest and the processes tests
// start, and likewise for benches (tools/bench/src/bench-support.ts). On Node 22 and 24 the SDK has nothing to say.
if (Number(process.versions.node.split('.')[0]) < 22) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace(/[/.]/g, '\\$&')}$`] = path.join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // jose 6 ships ESM only. Node 20.19+ require()s it natively, Jest's module loader does not (before Node 24.9),
    // so its files are compiled to CommonJS for tests like ours.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
};
