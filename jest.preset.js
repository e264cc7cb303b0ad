// Shared Jest settings: SWC transpiles TypeScript (type-checking is the `typecheck` target's job, which keeps
// the test loop fast) and the tsconfig path aliases map to each lib's single public entry point.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

// Node 20 is what these machines run; the SDK's notice that its 2027 releases need Node 22 is known (the SDK
// version is pinned) and would otherwise repeat in every test file's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

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
