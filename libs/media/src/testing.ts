// Second entry point of @tributary/media (conventions.md §3): the fuzz targets of its decoders, shared by the
// property specs and tools/bench's fuzz soak (issue 12).
export {
  ebmlRoundTripFuzzTarget,
  ebmlStreamDecoderFuzzTarget,
  ebmlTreeArbitrary,
  encodeTree,
  type EbmlTreeNode,
} from './ebml/ebml-stream-decoder.arbitraries';
export {
  encodeSegment,
  encodeStream,
  matroskaFragmentFuzzTarget,
  matroskaRoundTripFuzzTarget,
  matroskaStreamReaderFuzzTarget,
  mkvSegmentArbitrary,
  mkvStreamArbitrary,
  type MkvSegmentValue,
} from './matroska/matroska-stream-reader.arbitraries';
export { hlsPlaylistParserFuzzTarget, hlsPlaylistRewriterFuzzTarget, hlsPlaylistRoundTripFuzzTarget, mediaPlaylistArbitrary } from './hls/hls-playlist-parser.arbitraries';
export { avcRoundTripFuzzTarget, codecTrackArbitrary, mp4TrackFuzzTarget, writeAvcC } from './mp4/mp4-track.arbitraries';
// A real RTSP camera (GStreamer's RTSP server through Debian's python3-gi) for the video tests (issue 15).
export { RTSP_TEST_CAMERA_SCRIPT, startRtspTestCamera, type RtspTestCamera, type RtspTestCameraOptions } from './testing/rtsp-camera/rtsp-test-camera';
