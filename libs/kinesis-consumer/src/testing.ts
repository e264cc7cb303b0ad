// Second entry point of @tributary/kinesis-consumer (conventions.md §3): the fuzz target of its deaggregation,
// shared by the property spec and tools/bench's fuzz soak (issue 12).
export { deaggregationBatchArbitrary, recordDeaggregatorFuzzTarget, type DeaggregationBatch } from './records/record-deaggregator.arbitraries';
