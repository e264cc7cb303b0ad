// Second entry point of @tributary/kinesis-producer (conventions.md §3): the durable buffer's spill-frame fuzz
// targets and arbitraries, shared by the property spec here and tools/bench's fuzz soak (issue 12). The KPL
// codec's are @tributary/kpl/testing's.
export {
  encodeSpillSegment,
  spilledRecordArbitrary,
  spillRoundTripFuzzTarget,
  spillSegmentFuzzTarget,
  spillSegmentInputArbitrary,
  type SpillSegmentInput,
} from './durable/spill-frame-codec.arbitraries';
