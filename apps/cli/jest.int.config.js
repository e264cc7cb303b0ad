module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'cli-int',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.int.spec.ts'],
  testTimeout: 30000,
};
