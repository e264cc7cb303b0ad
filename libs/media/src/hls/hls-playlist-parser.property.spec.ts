// Property-based tests of the HLS playlist parser and URI rewriter (issue 12, "Fuzzing"): inputs shared with
// the soak bench (hls-playlist-parser.arbitraries.ts), bounded counts.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { hlsPlaylistParserFuzzTarget, hlsPlaylistRewriterFuzzTarget, hlsPlaylistRoundTripFuzzTarget } from './hls-playlist-parser.arbitraries';

describe('HLS playlist parser and rewriter properties', () => {
  it('parseMediaPlaylist returns a playlist or throws a MediaError for any text', async () => {
    await checkFuzzTarget(hlsPlaylistParserFuzzTarget, { numRuns: 500 });
  });

  it('parseMediaPlaylist reads back what writeMediaPlaylist wrote', async () => {
    await checkFuzzTarget(hlsPlaylistRoundTripFuzzTarget, { numRuns: 300 });
  });

  it('rewritePlaylistUris keeps any text under the identity rewrite and rewrites every segment URI', async () => {
    await checkFuzzTarget(hlsPlaylistRewriterFuzzTarget, { numRuns: 500 });
  });
});
