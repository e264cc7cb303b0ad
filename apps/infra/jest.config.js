module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'infra',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // Synthesising a stack loads aws-cdk-lib (large) once per file; each spec file builds its stacks once.
  testTimeout: 60000,
};
