// Second entry point of @tributary/kinesis-consumer (conventions.md §3): the fuzz target of its deaggregation,
// shared by the property spec and tools/bench's fuzz soak (issue 12).
export { deaggregationBatchArbitrary, recordDeaggregatorFuzzTarget, type DeaggregationBatch } from './records/record-deaggregator.arbitraries';
export { InMemoryDynamoDb, CapacityMeter, itemSize, subtractTotals, type CapacityTotals, type OperationUsage, type InMemoryDynamoDbOptions, type Item } from './testing/in-memory-lease-store';
