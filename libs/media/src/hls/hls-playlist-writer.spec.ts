/**
 * The writer against the real KVS playlists of kvs-reference.md §5.6 (producer-sdk-cpp #282, aws-sdk-js #2731,
 * amazon-kinesis-client-nodejs #117; the elided session tokens replaced by `T`), then the rules around them.
 */
import { formatDurationSec, formatFrameRate, formatProgramDateTime, writeMasterPlaylist, writeMediaPlaylist } from './hls-playlist-writer';
import { parseMediaPlaylist } from './hls-playlist-parser';

const lines = (...l: string[]): string => l.join('\n') + '\n';

describe('writeMasterPlaylist', () => {
  it('writes the captured KVS master playlist (video only)', () => {
    const text = writeMasterPlaylist({
      variants: [{ uri: 'getHLSMediaPlaylist.m3u8?SessionToken=T&TrackNumber=1', codecs: ['avc1.640028'], width: 160, height: 16, frameRate: 30.02, bandwidth: 11153 }],
    });
    expect(text).toBe(
      lines(
        '#EXTM3U',
        '#EXT-X-VERSION:1',
        '#EXT-X-STREAM-INF:CODECS="avc1.640028",RESOLUTION=160x16,FRAME-RATE=30.02,BANDWIDTH=11153',
        'getHLSMediaPlaylist.m3u8?SessionToken=T&TrackNumber=1',
      ),
    );
  });

  it('writes the second capture (integral frame rate as 15.0)', () => {
    const text = writeMasterPlaylist({ variants: [{ uri: 'm.m3u8', codecs: ['avc1.4d4029'], width: 1280, height: 720, frameRate: 15, bandwidth: 1953544 }] });
    expect(text.split('\n')[2]).toBe('#EXT-X-STREAM-INF:CODECS="avc1.4d4029",RESOLUTION=1280x720,FRAME-RATE=15.0,BANDWIDTH=1953544');
  });

  it('adds the audio rendition and joins codecs inside one quoted value', () => {
    const text = writeMasterPlaylist({
      renditions: [{ type: 'AUDIO', groupId: 'audio', name: 'Track 2', uri: 'getHLSMediaPlaylist.m3u8?SessionToken=T&TrackNumber=2' }],
      variants: [{ uri: 'v.m3u8', codecs: ['avc1.640028', 'mp4a.40.2'], bandwidth: 1000.4, audioGroup: 'audio' }],
    });
    expect(text).toBe(
      lines(
        '#EXTM3U',
        '#EXT-X-VERSION:1',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Track 2",DEFAULT=YES,AUTOSELECT=YES,URI="getHLSMediaPlaylist.m3u8?SessionToken=T&TrackNumber=2"',
        '#EXT-X-STREAM-INF:CODECS="avc1.640028,mp4a.40.2",BANDWIDTH=1000,AUDIO="audio"',
        'v.m3u8',
      ),
    );
  });

  it('refuses values that cannot be written', () => {
    expect(() => writeMasterPlaylist({ variants: [{ uri: 'a\nb', codecs: [], bandwidth: 1 }] })).toThrow(RangeError);
    expect(() => writeMasterPlaylist({ variants: [{ uri: 'a', codecs: ['x"y'], bandwidth: 1 }] })).toThrow(RangeError);
  });
});

describe('writeMediaPlaylist', () => {
  const map = { uri: 'getMP4InitFragment.mp4?SessionToken=T&TrackNumber=1' };
  const seg = (n: string): string => `getMP4MediaFragment.mp4?FragmentNumber=${n}&SessionToken=T&TrackNumber=1`;

  it('writes the captured LIVE playlist (DiscontinuityMode ALWAYS: one MAP, a discontinuity per segment)', () => {
    const text = writeMediaPlaylist({
      mediaSequence: 0,
      segments: [
        { uri: seg('0'), durationSec: 1.01, discontinuity: true, map },
        { uri: seg('1'), durationSec: 0.998, discontinuity: true, map },
      ],
    });
    expect(text).toBe(
      lines(
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-MAP:URI="getMP4InitFragment.mp4?SessionToken=T&TrackNumber=1"',
        '#EXTINF:1.01,',
        seg('0'),
        '#EXT-X-DISCONTINUITY',
        '#EXTINF:0.998,',
        seg('1'),
      ),
    );
  });

  it('writes the captured ON_DEMAND playlist (VOD, program date times) and ends it', () => {
    const n1 = '91343852333185057105875891022195998207386831087';
    const n2 = '91343852333185057110827651179337519731977563611';
    const text = writeMediaPlaylist({
      mediaSequence: 1,
      playlistType: 'VOD',
      endList: true,
      segments: [
        { uri: seg(n1), durationSec: 1.857, programDateTimeMs: Date.UTC(2022, 0, 28, 7, 0, 35, 931), map },
        { uri: seg(n2), durationSec: 1.857, programDateTimeMs: Date.UTC(2022, 0, 28, 7, 0, 37, 787), map },
      ],
    });
    expect(text).toBe(
      lines(
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:1',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-MAP:URI="getMP4InitFragment.mp4?SessionToken=T&TrackNumber=1"',
        '#EXT-X-PROGRAM-DATE-TIME:2022-01-28T07:00:35.931Z',
        '#EXTINF:1.857,',
        seg(n1),
        '#EXT-X-PROGRAM-DATE-TIME:2022-01-28T07:00:37.787Z',
        '#EXTINF:1.857,',
        seg(n2),
        '#EXT-X-ENDLIST',
      ),
    );
  });

  it('writes EXT-X-DISCONTINUITY-SEQUENCE after the media sequence when asked', () => {
    const text = writeMediaPlaylist({ mediaSequence: 7, discontinuitySequence: 7, segments: [{ uri: 's', durationSec: 1, discontinuity: true }] });
    expect(text.split('\n').slice(3, 6)).toEqual(['#EXT-X-MEDIA-SEQUENCE:7', '#EXT-X-DISCONTINUITY-SEQUENCE:7', '#EXT-X-INDEPENDENT-SEGMENTS']);
  });

  it('re-emits EXT-X-MAP only when the init section changes', () => {
    const text = writeMediaPlaylist({
      mediaSequence: 0,
      segments: [
        { uri: 'a', durationSec: 1, map: { uri: 'init1' } },
        { uri: 'b', durationSec: 1, map: { uri: 'init1' } },
        { uri: 'c', durationSec: 1, discontinuity: true, map: { uri: 'init2' } },
      ],
    });
    expect(text.match(/#EXT-X-MAP/g)).toHaveLength(2);
    expect(text).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init2"\n#EXTINF:1,\nc\n');
  });

  it.each([
    [[1.01, 0.998], 2],
    [[2.0004], 2], // printed as 2 (to the ms), so the target is 2, not 3
    [[2.0006], 3],
    [[0.4], 1],
    [[1, 4.5, 3], 5],
  ])('target duration of EXTINFs %p is %p', (durations, target) => {
    const text = writeMediaPlaylist({ mediaSequence: 0, segments: durations.map((d, i) => ({ uri: `s${i}`, durationSec: d })) });
    expect(parseMediaPlaylist(text).targetDurationSec).toBe(target);
  });

  it('keeps an explicit target duration and writes an empty playlist', () => {
    expect(writeMediaPlaylist({ mediaSequence: 3, targetDurationSec: 4, segments: [] })).toBe(
      lines('#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', '#EXT-X-MEDIA-SEQUENCE:3', '#EXT-X-INDEPENDENT-SEGMENTS'),
    );
  });
});

describe('formats', () => {
  it.each([
    [Date.UTC(2022, 0, 28, 7, 0, 35, 931), '2022-01-28T07:00:35.931Z'],
    [Date.UTC(2026, 11, 5, 23, 59, 59, 999) + 0.6, '2026-12-06T00:00:00.000Z'],
    [Date.UTC(2024, 1, 29, 0, 0, 0, 7), '2024-02-29T00:00:00.007Z'],
    [0, '1970-01-01T00:00:00.000Z'],
  ])('program date time %p → %s', (ms, text) => expect(formatProgramDateTime(ms)).toBe(text));

  it.each([
    [1.01, '1.01'],
    [0.998, '0.998'],
    [1.8574, '1.857'],
    [2, '2'],
    [0.0004, '0'],
  ])('EXTINF %p → %s', (sec, text) => expect(formatDurationSec(sec)).toBe(text));

  it.each([
    [15, '15.0'],
    [30.02, '30.02'],
    [29.97002997, '29.97'],
    [25.0001, '25.0'],
  ])('FRAME-RATE %p → %s', (fps, text) => expect(formatFrameRate(fps)).toBe(text));
});
