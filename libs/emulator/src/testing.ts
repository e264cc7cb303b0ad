// Second entry point of @tributary/emulator (conventions.md §3): test fixtures shared by other projects' specs.
export * from './testing/kds-test-clients';
export * from './testing/dynamodb-test-clients';
export * from './testing/kvs-test-clients';
export * from './testing/kvs-media-fixtures';
