/**
 * The MPD writer: the whole document for a static video + audio presentation, then the rules of the dynamic
 * form, escaping and the value formats (ISO/IEC 23009-1 §5.3).
 */
import { escapeXmlAttribute, frameRateValue, isoDuration, writeMpd, type MpdAdaptationSet } from './mpd-writer';

const lines = (...l: string[]): string => l.join('\n') + '\n';

const video: MpdAdaptationSet = {
  id: 1,
  contentType: 'video',
  mimeType: 'video/mp4',
  codecs: 'avc1.640028',
  bandwidth: 400000,
  width: 320,
  height: 240,
  frameRate: 25,
  timescale: 1000,
  startNumber: 1,
  initialization: 'getMP4InitFragment.mp4?SessionToken=T&TrackNumber=1',
  media: 'getMP4MediaFragment.mp4?SequenceNumber=$Number$&SessionToken=T&TrackNumber=1',
  segments: [
    { t: 0, d: 1000, attributes: [['kvs:fn', '91343852333181432392682062580553335466584458429']] },
    { t: 1000, d: 960 },
  ],
};

describe('writeMpd', () => {
  it('writes a static presentation: one Period, an AdaptationSet per track, every S with t and d', () => {
    const audio: MpdAdaptationSet = {
      ...video,
      id: 2,
      contentType: 'audio',
      mimeType: 'audio/mp4',
      codecs: 'mp4a.40.2',
      bandwidth: 128000,
      audioSamplingRate: 48000,
      channels: 2,
      initialization: 'i2',
      media: 'm2',
      segments: [{ t: 0, d: 1000 }],
    };
    const text = writeMpd({
      type: 'static',
      namespaces: { kvs: 'urn:example:kvs' },
      availabilityStartTimeMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      mediaPresentationDurationSec: 1.96,
      minBufferTimeSec: 2,
      adaptationSets: [video, audio],
    });
    expect(text).toBe(
      lines(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:kvs="urn:example:kvs" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" availabilityStartTime="2026-01-02T03:04:05.678Z" mediaPresentationDuration="PT1.960S" minBufferTime="PT2.000S">',
        '  <Period id="0" start="PT0S">',
        '    <AdaptationSet id="1" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">',
        '      <SegmentTemplate timescale="1000" startNumber="1" initialization="getMP4InitFragment.mp4?SessionToken=T&amp;TrackNumber=1" media="getMP4MediaFragment.mp4?SequenceNumber=$Number$&amp;SessionToken=T&amp;TrackNumber=1">',
        '        <SegmentTimeline>',
        '          <S t="0" d="1000" kvs:fn="91343852333181432392682062580553335466584458429"/>',
        '          <S t="1000" d="960"/>',
        '        </SegmentTimeline>',
        '      </SegmentTemplate>',
        '      <Representation id="1" codecs="avc1.640028" bandwidth="400000" width="320" height="240" frameRate="25"/>',
        '    </AdaptationSet>',
        '    <AdaptationSet id="2" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">',
        '      <SegmentTemplate timescale="1000" startNumber="1" initialization="i2" media="m2">',
        '        <SegmentTimeline>',
        '          <S t="0" d="1000"/>',
        '        </SegmentTimeline>',
        '      </SegmentTemplate>',
        '      <Representation id="2" codecs="mp4a.40.2" bandwidth="128000" audioSamplingRate="48000">',
        '        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2"/>',
        '      </Representation>',
        '    </AdaptationSet>',
        '  </Period>',
        '</MPD>',
      ),
    );
  });

  it('writes the dynamic attributes (and only those) for a live presentation, with UTCTiming after the Period', () => {
    const text = writeMpd({
      type: 'dynamic',
      availabilityStartTimeMs: 0,
      publishTimeMs: 5000,
      mediaPresentationDurationSec: 9,
      minimumUpdatePeriodSec: 1,
      timeShiftBufferDepthSec: 4.96,
      minBufferTimeSec: 1,
      utcTimingMs: 6000,
      adaptationSets: [{ ...video, presentationTimeOffset: 7 }],
    });
    const root = text.split('\n')[1];
    expect(root).toContain(' type="dynamic" availabilityStartTime="1970-01-01T00:00:00.000Z" publishTime="1970-01-01T00:00:05.000Z"');
    expect(root).toContain(' minimumUpdatePeriod="PT1.000S" timeShiftBufferDepth="PT4.960S" minBufferTime="PT1.000S"');
    expect(root).not.toContain('mediaPresentationDuration');
    expect(text).toContain('<SegmentTemplate timescale="1000" presentationTimeOffset="7" startNumber="1"');
    expect(text.trimEnd().split('\n').slice(-3)).toEqual([
      '  </Period>',
      '  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="1970-01-01T00:00:06.000Z"/>',
      '</MPD>',
    ]);
  });

  it('leaves the live-only attributes off a static presentation', () => {
    const text = writeMpd({ type: 'static', minimumUpdatePeriodSec: 1, timeShiftBufferDepthSec: 3, utcTimingMs: 1, minBufferTimeSec: 1, adaptationSets: [] });
    expect(text).not.toMatch(/minimumUpdatePeriod|timeShiftBufferDepth|UTCTiming|xmlns:/);
  });
});

describe('MPD values', () => {
  it('escapes attribute text', () => {
    expect(escapeXmlAttribute('a&b<c>"d"')).toBe('a&amp;b&lt;c&gt;&quot;d&quot;');
  });
  it('formats durations to the millisecond', () => {
    expect(isoDuration(0)).toBe('PT0.000S');
    expect(isoDuration(1.0004)).toBe('PT1.000S');
    expect(isoDuration(3600.5)).toBe('PT3600.500S');
  });
  it('writes integral frame rates as integers, others as a fraction', () => {
    expect(frameRateValue(25)).toBe('25');
    expect(frameRateValue(29.97)).toBe('29970/1000');
  });
});
