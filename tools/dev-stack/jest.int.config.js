module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'dev-stack-int',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.int.spec.ts'],
  testTimeout: 60000,
};
