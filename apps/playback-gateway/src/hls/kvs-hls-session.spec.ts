import { writeMediaPlaylist } from '@tributary/media';
import { parseHlsProxyRequest } from './hls-proxy-request';
import {
  gatewayResourceUri,
  kvsResourceUrl,
  parseKvsSessionUrl,
  resourceOfKvsUri,
  rewriteKvsPlaylist,
  KvsSessionUrlError,
  UnexpectedPlaylistUriError,
} from './kvs-hls-session';

const SESSION_URL = 'https://b-117b36f5.kinesisvideo.us-west-2.amazonaws.com/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=CiBYIXWN-x_y~';
const session = parseKvsSessionUrl(SESSION_URL);

describe('KVS session URLs', () => {
  it('give the session base and token', () => {
    expect(session).toEqual({ base: 'https://b-117b36f5.kinesisvideo.us-west-2.amazonaws.com/hls/v1/', sessionToken: 'CiBYIXWN-x_y~' });
  });

  it.each([
    ['not a URL', 'nope'],
    ['another scheme', 'file:///hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=x'],
    ['another resource', 'https://kvs.example/hls/v1/getDASHManifest.mpd?SessionToken=x'],
    ['no session token', 'https://kvs.example/hls/v1/getHLSMasterPlaylist.m3u8'],
  ])('are refused when %s', (_name, url) => {
    expect(() => parseKvsSessionUrl(url)).toThrow(KvsSessionUrlError);
  });

  it('build each resource URL from validated values only', () => {
    const base = 'https://b-117b36f5.kinesisvideo.us-west-2.amazonaws.com/hls/v1/';
    expect(kvsResourceUrl(session, { kind: 'master' })).toBe(`${base}getHLSMasterPlaylist.m3u8?SessionToken=CiBYIXWN-x_y~`);
    expect(kvsResourceUrl(session, { kind: 'media', track: 1 })).toBe(`${base}getHLSMediaPlaylist.m3u8?SessionToken=CiBYIXWN-x_y~&TrackNumber=1`);
    expect(kvsResourceUrl(session, { kind: 'init', track: 2 })).toBe(`${base}getMP4InitFragment.mp4?SessionToken=CiBYIXWN-x_y~&TrackNumber=2`);
    expect(kvsResourceUrl(session, { kind: 'segment', track: 1, fragment: '123' })).toBe(
      `${base}getMP4MediaFragment.mp4?FragmentNumber=123&SessionToken=CiBYIXWN-x_y~&TrackNumber=1`,
    );
  });
});

describe('rewriteKvsPlaylist', () => {
  it('rewrites the observed master playlist (kvs-reference.md §5.6) to our media playlist URI', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-VERSION:1',
      '#EXT-X-STREAM-INF:CODECS="avc1.640028",RESOLUTION=1280x720,FRAME-RATE=30.02,BANDWIDTH=11153',
      'getHLSMediaPlaylist.m3u8?SessionToken=CiBYIXWN-x_y~&TrackNumber=1',
      '',
    ].join('\n');
    expect(rewriteKvsPlaylist(master, SESSION_URL)).toBe(master.replace('getHLSMediaPlaylist.m3u8?SessionToken=CiBYIXWN-x_y~&TrackNumber=1', 'media.m3u8?track=1'));
  });

  it('rewrites map and segment URIs of a media playlist and keeps every other line', () => {
    // KVS's LIVE media playlist (kvs-reference.md §5.6), written by @tributary/media's writer, which its own spec
    // checks line by line against the captured one.
    const media = writeMediaPlaylist({
      mediaSequence: 0,
      segments: [
        {
          uri: 'getMP4MediaFragment.mp4?FragmentNumber=91343852333185057105875891022195998207386831087&SessionToken=T&TrackNumber=1',
          durationSec: 1.01,
          discontinuity: true,
          map: { uri: 'getMP4InitFragment.mp4?SessionToken=T&TrackNumber=1' },
          programDateTimeMs: Date.parse('2022-01-28T07:00:35.931Z'),
        },
      ],
    });
    const out = rewriteKvsPlaylist(media, SESSION_URL).split('\n');
    expect(out[6]).toBe('#EXT-X-MAP:URI="init.mp4?track=1"');
    expect(out[9]).toBe('segment.mp4?fragment=91343852333185057105875891022195998207386831087&track=1');
    expect(out.filter((_, i) => i !== 6 && i !== 9)).toEqual(media.split('\n').filter((_, i) => i !== 6 && i !== 9));
    expect(out.join('\n')).not.toContain('SessionToken');
  });

  it('refuses a playlist pointing anywhere else rather than passing the URI to the player', () => {
    const evil = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXTINF:1,\nhttps://elsewhere.example/x.mp4\n';
    expect(() => rewriteKvsPlaylist(evil, SESSION_URL)).toThrow(UnexpectedPlaylistUriError);
    expect(() => resourceOfKvsUri('getMP4MediaFragment.mp4?FragmentNumber=1x&TrackNumber=1', SESSION_URL)).toThrow(UnexpectedPlaylistUriError);
    expect(() => resourceOfKvsUri('getMP4InitFragment.mp4?TrackNumber=3', SESSION_URL)).toThrow(UnexpectedPlaylistUriError);
  });

  it('produces URIs the proxy accepts back, for every resource kind', () => {
    const token = 'a.b.c';
    for (const uri of ['getHLSMediaPlaylist.m3u8?TrackNumber=2', 'getMP4InitFragment.mp4?TrackNumber=1', 'getMP4MediaFragment.mp4?FragmentNumber=42&TrackNumber=2']) {
      const resource = resourceOfKvsUri(uri, SESSION_URL);
      expect(parseHlsProxyRequest(`/hls/${token}/${gatewayResourceUri(resource)}`)).toEqual({ ok: true, token, resource });
    }
  });
});
