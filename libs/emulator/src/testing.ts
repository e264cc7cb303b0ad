// Second entry point of @tributary/emulator (conventions.md §3): test fixtures shared by other projects' specs.
export * from './testing/kds-test-clients';
export * from './testing/dynamodb-test-clients';
export * from './testing/kvs-test-clients';
export * from './testing/kvs-media-fixtures';
// Debian's chromium through playwright-core and the page recorders: the browser e2e tests and the HLS latency bench.
export * from './testing/browser-harness';
// Fuzz targets of the emulator's request validation and DynamoDB route (issue 12), for tools/bench's fuzz soak.
export { kdsRequestValidationFuzzTarget, kvsRequestValidationFuzzTarget, shapeValueArbitrary } from './kds/shape-validator.arbitraries';
export { closeDynamoDbFuzzService, dynamoDbHttpFuzzTarget } from './dynamodb/dynamodb-http.arbitraries';
export { eventStreamRoundTripFuzzTarget, sdkEventStreamDecoderFuzzTarget } from './server/event-stream-writer.arbitraries';
