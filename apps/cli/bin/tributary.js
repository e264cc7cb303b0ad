#!/usr/bin/env node
// The `tributary` command of this repository (package.json "bin", `npm run tributary --`): runs the TypeScript
// sources through tsx, so it is always the code of the checkout, from any directory. For a faster start
// (~0.4 s instead of ~1.5 s) build the bundle, `npx nx run cli:bundle`, and run `node dist/cli/tributary.js`.
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
// tsx reads the @tributary/* path aliases from the repository's tsconfig.json, wherever the command is run from.
process.env.TSX_TSCONFIG_PATH = process.env.TSX_TSCONFIG_PATH || path.join(root, 'tsconfig.json');
require('tsx/cjs');
require(path.join(root, 'apps/cli/src/main.ts')).main();
