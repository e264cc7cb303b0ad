module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'log-agent',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
  testTimeout: 30000,
};
