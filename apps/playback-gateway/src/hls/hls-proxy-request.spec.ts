import { parseHlsProxyRequest } from './hls-proxy-request';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdHIiOiJjYW0tMSJ9.c2lnbmF0dXJlLW9mLTQzLWNoYXJhY3RlcnMtLS0tLS0tLS0tLQ';

describe('parseHlsProxyRequest', () => {
  it.each([
    [`/hls/${TOKEN}/master.m3u8`, { kind: 'master' }],
    [`/hls/${TOKEN}/media.m3u8?track=1`, { kind: 'media', track: 1 }],
    [`/hls/${TOKEN}/init.mp4?track=2`, { kind: 'init', track: 2 }],
    [`/hls/${TOKEN}/segment.mp4?fragment=91343852333185057105875891022195998207386831087&track=1`, { kind: 'segment', track: 1, fragment: '91343852333185057105875891022195998207386831087' }],
    [`/hls/${TOKEN}/segment.mp4?track=1&fragment=7`, { kind: 'segment', track: 1, fragment: '7' }],
  ])('accepts %s', (target, resource) => {
    expect(parseHlsProxyRequest(target)).toEqual({ ok: true, token: TOKEN, resource });
  });

  it.each([
    ['path traversal', `/hls/${TOKEN}/../master.m3u8`],
    ['encoded dots', `/hls/${TOKEN}/%2e%2e/master.m3u8`],
    ['an encoded slash in the file', `/hls/${TOKEN}/x%2fmaster.m3u8`],
    ['an encoded dot in the file', `/hls/${TOKEN}/master%2em3u8`],
    ['another file name', `/hls/${TOKEN}/getHLSMasterPlaylist.m3u8`],
    ['a KVS file name', `/hls/${TOKEN}/getMP4MediaFragment.mp4?FragmentNumber=1&TrackNumber=1`],
    ['an extra path segment', `/hls/${TOKEN}/a/master.m3u8`],
    ['no token', '/hls//master.m3u8'],
    ['a token that is not a JWS', '/hls/not-a-token/master.m3u8'],
    ['a token with a dot segment', `/hls/../${TOKEN}/master.m3u8`],
    ['a trailing slash', `/hls/${TOKEN}/master.m3u8/`],
  ])('404s %s', (_name, target) => {
    expect(parseHlsProxyRequest(target)).toMatchObject({ ok: false, status: 404 });
  });

  it.each([
    ['a query on the master', `/hls/${TOKEN}/master.m3u8?x=1`],
    ['an empty query', `/hls/${TOKEN}/master.m3u8?`],
    ['a missing track', `/hls/${TOKEN}/media.m3u8`],
    ['track 3', `/hls/${TOKEN}/media.m3u8?track=3`],
    ['track 01', `/hls/${TOKEN}/init.mp4?track=01`],
    ['an encoded track', `/hls/${TOKEN}/init.mp4?track=%31`],
    ['a repeated track', `/hls/${TOKEN}/init.mp4?track=1&track=2`],
    ['an unknown parameter', `/hls/${TOKEN}/init.mp4?track=1&SessionToken=x`],
    ['a fragment on init', `/hls/${TOKEN}/init.mp4?track=1&fragment=1`],
    ['a negative fragment', `/hls/${TOKEN}/segment.mp4?fragment=-1&track=1`],
    ['a hex fragment', `/hls/${TOKEN}/segment.mp4?fragment=0x10&track=1`],
    ['a fragment with a dot', `/hls/${TOKEN}/segment.mp4?fragment=1.0&track=1`],
    ['an encoded fragment', `/hls/${TOKEN}/segment.mp4?fragment=%2e%2e&track=1`],
    ['an empty fragment', `/hls/${TOKEN}/segment.mp4?fragment=&track=1`],
    ['a 65-digit fragment', `/hls/${TOKEN}/segment.mp4?fragment=${'1'.repeat(65)}&track=1`],
    ['a missing fragment', `/hls/${TOKEN}/segment.mp4?track=1`],
    ['a stray ampersand', `/hls/${TOKEN}/segment.mp4?fragment=1&&track=1`],
  ])('400s %s', (_name, target) => {
    expect(parseHlsProxyRequest(target)).toMatchObject({ ok: false, status: 400 });
  });
});
