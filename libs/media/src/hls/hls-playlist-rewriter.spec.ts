import { rewritePlaylistUris } from './hls-playlist-rewriter';
import { writeMasterPlaylist, writeMediaPlaylist } from './hls-playlist-writer';
import { parseMediaPlaylist } from './hls-playlist-parser';

describe('rewritePlaylistUris', () => {
  const proxy = (uri: string, kind: string): string => `/p/${kind}/${encodeURIComponent(uri)}`;

  it('rewrites variant and rendition URIs of a master playlist, keeping quoted commas', () => {
    const text = writeMasterPlaylist({
      renditions: [{ type: 'AUDIO', groupId: 'a,b', name: 'x, y', uri: 'audio.m3u8?T=1' }],
      variants: [{ uri: 'video.m3u8?T=1', codecs: ['avc1.640028', 'mp4a.40.2'], bandwidth: 5, audioGroup: 'a,b' }],
    });
    const out = rewritePlaylistUris(text, proxy);
    expect(out).toContain('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a,b",NAME="x, y",DEFAULT=YES,AUTOSELECT=YES,URI="/p/rendition/audio.m3u8%3FT%3D1"');
    expect(out).toContain('#EXT-X-STREAM-INF:CODECS="avc1.640028,mp4a.40.2",BANDWIDTH=5,AUDIO="a,b"\n/p/variant/video.m3u8%3FT%3D1\n');
  });

  it('rewrites segment and map URIs of a media playlist and nothing else', () => {
    const text = writeMediaPlaylist({
      mediaSequence: 4,
      endList: true,
      segments: [
        { uri: 'seg?F=1&T=x', durationSec: 1, discontinuity: true, map: { uri: 'init?T=x' }, programDateTimeMs: 0 },
        { uri: 'seg?F=2&T=x', durationSec: 1 },
      ],
    });
    const out = rewritePlaylistUris(text, proxy);
    const parsed = parseMediaPlaylist(out);
    expect(parsed.segments.map((s) => s.uri)).toEqual(['/p/segment/seg%3FF%3D1%26T%3Dx', '/p/segment/seg%3FF%3D2%26T%3Dx']);
    expect(parsed.segments[0].map).toEqual({ uri: '/p/map/init%3FT%3Dx' });
    expect(out.replace(/\/p\/[a-z]+\/[^\n"]+/g, 'U')).toBe(text.replace(/(seg|init)\?[^\n"]+/g, 'U'));
  });

  it('handles a MAP with more attributes, CRLF line endings and I-frame variants', () => {
    const text = '#EXTM3U\r\n#EXT-X-MAP:BYTERANGE="10@0",URI="i.mp4"\r\n#EXTINF:1,\r\ns.mp4\r\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="if.m3u8"\r\n';
    expect(rewritePlaylistUris(text, (u, k) => `${k}:${u}`)).toBe(
      '#EXTM3U\r\n#EXT-X-MAP:BYTERANGE="10@0",URI="map:i.mp4"\r\n#EXTINF:1,\r\nsegment:s.mp4\r\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="variant:if.m3u8"\r\n',
    );
  });

  it('refuses a rewritten URI that cannot be quoted', () => {
    expect(() => rewritePlaylistUris('#EXTM3U\n#EXT-X-MAP:URI="i"\n', () => 'a"b')).toThrow(RangeError);
  });
});
