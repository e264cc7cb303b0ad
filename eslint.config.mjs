// Root ESLint flat config. The module-boundary matrix is the one of ../shared/docs/architecture.md:
// apps depend on libs only, libs on libs only, and a scope may use itself and `scope:shared`; the emulator may
// also use the shared codecs. Tools (bench, dev-stack) carry `scope:tooling`, which may use every scope: they
// exist to wire the whole platform together. Only spec files may import the emulator from another scope.
import nx from '@nx/eslint-plugin';
import globals from 'globals';

const typeConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
];

const scopeConstraints = (extra = []) => [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', ...extra] },
  { sourceTag: 'scope:video', onlyDependOnLibsWithTags: ['scope:video', 'scope:shared', ...extra] },
  { sourceTag: 'scope:telemetry', onlyDependOnLibsWithTags: ['scope:telemetry', 'scope:shared', ...extra] },
  { sourceTag: 'scope:emulator', onlyDependOnLibsWithTags: ['scope:emulator', 'scope:shared'] },
  // The `tributary` command line reads both halves of the platform (streams and cameras) for its user.
  { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:cli', 'scope:telemetry', 'scope:video', 'scope:shared', ...extra] },
  {
    sourceTag: 'scope:tooling',
    onlyDependOnLibsWithTags: ['scope:tooling', 'scope:emulator', 'scope:shared', 'scope:video', 'scope:telemetry'],
  },
];

const boundaries = (extra) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [...typeConstraints, ...scopeConstraints(extra)],
  },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/dist',
      '**/node_modules',
      '**/.data',
      '**/tmp',
      '**/coverage',
      '**/*.js',
      '**/*.cjs',
      // Hand-written browser code (no build step), linted by the block below and type-checked through
      // apps/playback-gateway/tsconfig.public.json.
      '!apps/playback-gateway/public/*.js',
    ],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries([]),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // Size limits (issue 16): no file over 600 lines, tests included; no function over 80 lines outside tests,
    // test kits and benches, which a reader takes in whole. Counted as ESLint counts: every line, blank and comment.
    files: ['**/*.ts', 'apps/playback-gateway/public/**/*.js'],
    rules: { 'max-lines': ['error', { max: 600, skipBlankLines: false, skipComments: false }] },
  },
  {
    files: ['**/*.ts', 'apps/playback-gateway/public/**/*.js'],
    ignores: ['**/*.spec.ts', '**/*.arbitraries.ts', '**/testing/**', '**/testing.ts', 'tools/bench/**'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }] },
  },
  {
    // Tests of any project may start the real emulator in process.
    files: ['**/*.spec.ts', '**/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(['scope:emulator']) },
  },
  {
    // The gateway's pages: plain browser ES modules. Browser globals only (Nx's JavaScript preset also allows
    // Node's, which a page does not have); the same rules as TypeScript otherwise.
    files: ['apps/playback-gateway/public/*.js'],
    languageOptions: {
      sourceType: 'module',
      ecmaVersion: 2022,
      globals: {
        ...Object.fromEntries(Object.keys(globals.node).map((name) => [name, 'off'])),
        ...globals.browser,
      },
    },
    rules: {
      // typescript-eslint turns it off because TypeScript reports unknown names; kept here so the lint alone
      // already refuses a Node global in a page.
      'no-undef': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // Pure libs (conventions.md §2): bytes and values in, values out; no I/O, no servers, no AWS clients.
    files: ['libs/schemas/src/**/*.ts', 'libs/partitioning/src/**/*.ts', 'libs/media/src/**/*.ts', 'libs/kpl/src/**/*.ts', 'libs/cost-model/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(node:)?(net|http|http2|https|fs|fs/promises|child_process|dgram|tls)$',
              message: 'Pure libs do no I/O: take bytes and values, return values.',
            },
            { regex: '^(express|@aws-sdk/.*)$', message: 'Pure libs do not depend on servers or AWS clients.' },
          ],
        },
      ],
    },
  },
];
