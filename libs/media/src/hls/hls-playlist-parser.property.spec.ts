// Property-based tests of the HLS playlist parser and URI rewriter (issue 12, "Fuzzing"): inputs shared with
// the soak bench (hls-playlist-parser.arbitraries.ts), bounded counts.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { parseMediaPlaylist } from './hls-playlist-parser';
import { rewritePlaylistUris } from './hls-playlist-rewriter';
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

  // Regression (found by the soak at 10^6 inputs, the property above shrunk): a comment or tag line with
  // whitespace before its '#' was a tag to parseMediaPlaylist (it reads lines trimmed) but a URI line to the
  // rewriter, so a proxy turned " #comment" into a segment URI of its own and the rewritten playlist no longer
  // parsed ("segment … has no #EXTINF"); an indented #EXT-X-MAP kept its upstream URI.
  it('treats a line with whitespace before its # as a tag, as the parser does', () => {
    const text = '#EXTM3U\n #comment\n #EXT-X-MAP:URI="init.mp4"\n#EXTINF:1,\n seg.mp4 \n';
    const rewritten = rewritePlaylistUris(text, (uri, kind) => `/p/${kind}/${uri}`);
    expect(rewritten).toBe('#EXTM3U\n #comment\n #EXT-X-MAP:URI="/p/map/init.mp4"\n#EXTINF:1,\n/p/segment/seg.mp4\n');
    expect(parseMediaPlaylist(rewritten).segments).toEqual([{ durationSec: 1, uri: '/p/segment/seg.mp4', map: { uri: '/p/map/init.mp4' } }]);
  });
});
