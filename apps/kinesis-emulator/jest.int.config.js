// Integration tests: the launcher (main.ts) in a child process, driven by the official AWS SDK v3 clients.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'kinesis-emulator-int',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.int.spec.ts'],
  testTimeout: 60000,
};
