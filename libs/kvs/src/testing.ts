// Second entry point of @tributary/kvs (conventions.md §3): the fuzz targets of its decoders, shared by the
// property specs and tools/bench's fuzz soak (issue 12).
export { ackParserFuzzTarget, ackRoundTripFuzzTarget, ackJson, fragmentAckArbitrary } from './ack-parser.arbitraries';
export { getMediaChunkDecoderFuzzTarget, getMediaRoundTripFuzzTarget, encodeGetMediaPayload } from './get-media-chunk-decoder.arbitraries';
export { putMediaHttpErrorFuzzTarget } from './putmedia-errors.arbitraries';
