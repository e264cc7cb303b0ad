// Second entry point of @tributary/kpl (conventions.md §3): the codec's fuzz targets and arbitraries, shared by
// property specs (here and in kinesis-consumer) and tools/bench's fuzz soak (issue 12), and the reference
// deaggregator (aws-kinesis-agg) that producer and consumer specs check aggregates against.
export {
  aggregate,
  deaggregateInputArbitrary,
  kplDeaggregateFuzzTarget,
  kplRoundTripFuzzTarget,
  resign,
  userRecordArbitrary,
  userRecordsArbitrary,
  type DeaggregateInput,
  type UserRecordValue,
} from './aggregation/aggregation-codec.arbitraries';
export { referenceDeaggregate, type DeaggregatedUserRecord } from './testing/kpl-reference';
