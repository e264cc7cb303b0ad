const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'playback-gateway',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
  transform: {
    ...preset.transform,
    // The pages' pure modules (public/*.js, browser ES modules) under unit test in src/pages/: compiled to CommonJS
    // for Jest, as the preset does for jose.
    '/apps/playback-gateway/public/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
};
