module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'video-producer',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '\\.arm64\\.spec\\.ts$'],
  testTimeout: 30000,
};
