// Second entry point of @tributary/kinesis-producer (conventions.md §3): the KPL codec's fuzz targets and
// arbitraries, shared by property specs (here and in kinesis-consumer) and tools/bench's fuzz soak (issue 12).
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
} from './aggregation-codec.arbitraries';
export {
  encodeSpillSegment,
  spilledRecordArbitrary,
  spillRoundTripFuzzTarget,
  spillSegmentFuzzTarget,
  spillSegmentInputArbitrary,
  type SpillSegmentInput,
} from './spill-frame-codec.arbitraries';
