import { MediaError } from '../media-error';
import { parseMediaPlaylist } from './hls-playlist-parser';
import { writeMediaPlaylist } from './hls-playlist-writer';
import type { HlsMediaPlaylist } from './hls-types';

describe('parseMediaPlaylist', () => {
  it('reads back what the writer writes', () => {
    const p: HlsMediaPlaylist = {
      mediaSequence: 12,
      discontinuitySequence: 3,
      playlistType: 'VOD',
      endList: true,
      segments: [
        { uri: 'a', durationSec: 1.5, discontinuity: true, map: { uri: 'i1' }, programDateTimeMs: 1_700_000_000_123 },
        { uri: 'b', durationSec: 2.001, map: { uri: 'i1' }, programDateTimeMs: 1_700_000_001_623 },
        { uri: 'c', durationSec: 0.5, discontinuity: true, map: { uri: 'i2' } },
      ],
    };
    expect(parseMediaPlaylist(writeMediaPlaylist(p))).toEqual({
      version: 7,
      mediaSequence: 12,
      discontinuitySequence: 3,
      targetDurationSec: 3,
      playlistType: 'VOD',
      independentSegments: true,
      endList: true,
      segments: p.segments,
    });
  });

  it('ignores unknown tags and blank lines', () => {
    const out = parseMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n\n#EXT-X-FOO:1\n#EXTINF:1.5,title\ns.mp4\n');
    expect(out.segments).toEqual([{ uri: 's.mp4', durationSec: 1.5 }]);
    expect(out.endList).toBe(false);
  });

  it.each([
    ['no header', 'x\n'],
    ['segment without EXTINF', '#EXTM3U\ns.mp4\n'],
    ['bad integer', '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:x\n'],
    ['bad date', '#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:yesterday\n'],
    ['MAP without URI', '#EXTM3U\n#EXT-X-MAP:BYTERANGE="1@0"\n'],
  ])('refuses %s', (_, text) => expect(() => parseMediaPlaylist(text)).toThrow(MediaError));
});
