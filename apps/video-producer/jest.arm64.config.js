// The arm64 bundle test (src/bundle/*.arm64.spec.ts): an aarch64 Node and ffmpeg under qemu-user, slow, so its own
// nx target (arm64-test), run once by `npm test` and not again by the node-matrix passes.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'video-producer-arm64',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.arm64.spec.ts'],
  testTimeout: 300000,
};
