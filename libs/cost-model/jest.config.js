// Unit tests: pure code, no sockets.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'cost-model',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
};
