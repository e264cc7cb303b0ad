// Integration tests: a real Express app, a JWKS server and real fetch, all on port 0.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'auth-int',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.int.spec.ts'],
  testTimeout: 60000,
};
