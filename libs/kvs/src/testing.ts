// Second entry point of @tributary/kvs (conventions.md §3): the fuzz targets of its decoders, shared by the
// property specs and tools/bench's fuzz soak (issue 12), and the read-back helpers of integration tests.
export { ackParserFuzzTarget, ackRoundTripFuzzTarget, ackJson, fragmentAckArbitrary } from './putmedia/ack-parser.arbitraries';
export { getMediaChunkDecoderFuzzTarget, getMediaRoundTripFuzzTarget, encodeGetMediaPayload } from './getmedia/get-media-chunk-decoder.arbitraries';
export { putMediaHttpErrorFuzzTarget } from './kvs-errors.arbitraries';
export { listAllFragments, readFragments, type TestKvsTarget } from './testing/kvs-stream-readback';
export { startTcpProxy, type TcpProxy } from './testing/tcp-proxy';
export { FakePutMediaConnector, FakePutMediaConnection } from './testing/fake-putmedia-connector';
