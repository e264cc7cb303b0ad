// Integration tests: the real emulator on port 0 and the official AWS SDK v3 clients.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'dynamodb-tables-int',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.int.spec.ts'],
  testTimeout: 60000,
};
