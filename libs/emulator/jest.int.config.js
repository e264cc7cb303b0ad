// Integration tests: the real emulator on port 0, the official AWS SDK v3 clients, the AWS CLI.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'emulator-int',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.int.spec.ts'],
  testTimeout: 60000,
};
