// Unit tests: pure code, no sockets.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'kpl',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
};
