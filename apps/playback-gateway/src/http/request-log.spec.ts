// Regression (issue 19): every API read (the player's stream list every 5 s, each dashboard panel's poll) was logged
// at INFO, 60–130 lines a minute with one viewer, and the start banner scrolled away within a minute.
import { isMediaRequest, loggablePath, PrincipalMemory, requestLogLevel, type FinishedRequest } from './request-log';

const req = (method: string, path: string, status = 200, ms = 5): FinishedRequest => ({ method, path, status, ms });

describe('requestLogLevel', () => {
  it.each<[string, FinishedRequest, string, boolean]>([
    ['an HLS playlist', req('GET', '/hls/tok/media.m3u8'), 'debug', false],
    ['an HLS segment', req('GET', '/hls/tok/segment.mp4'), 'debug', false],
    ['a DASH manifest', req('GET', '/dash/tok/manifest.mpd'), 'debug', false],
    ['a snapshot', req('GET', '/api/streams/camera-1/snapshot'), 'debug', false],
    ['a clip', req('GET', '/api/streams/camera-1/clip'), 'debug', false],
    ['a clip that takes a minute to download', req('GET', '/api/streams/camera-1/clip', 200, 60_000), 'debug', false],
    ["the player's stream list", req('GET', '/api/streams'), 'debug', false],
    ['a dashboard panel', req('GET', '/api/dashboard/consumers'), 'debug', false],
    ['the player page', req('GET', '/'), 'debug', false],
    ['a script', req('GET', '/player.js', 304), 'debug', false],
    ['a CORS preflight', req('OPTIONS', '/api/streams', 204), 'debug', false],
    ['a probe', req('GET', '/healthz'), 'debug', false],
    ['a playback session', req('POST', '/api/streams/camera-1/playback', 201), 'info', false],
    ['a refused sign-in', req('GET', '/api/streams', 401), 'info', false],
    ['a missing scope', req('GET', '/api/dashboard/devices', 403), 'info', false],
    ['an expired playback token', req('GET', '/hls/tok/segment.mp4', 401), 'info', false],
    ['a rate limit', req('GET', '/api/streams', 429), 'info', false],
    ['a slow stream list', req('GET', '/api/streams', 200, 2500), 'info', true],
    ['a slow segment', req('GET', '/hls/tok/segment.mp4', 200, 2000), 'info', true],
    ['a failure upstream', req('GET', '/hls/tok/segment.mp4', 502), 'warn', false],
    ['an unready gateway', req('GET', '/readyz', 503), 'warn', false],
    ['a slow failure', req('GET', '/api/streams', 500, 9000), 'warn', true],
  ])('%s', (_what, r, level, slow) => {
    expect(requestLogLevel(r)).toEqual({ level, slow });
  });

  it('takes the slow threshold it is given', () => {
    expect(requestLogLevel(req('GET', '/api/streams', 200, 150), 100)).toEqual({ level: 'info', slow: true });
    expect(requestLogLevel(req('GET', '/api/streams', 200, 99), 100)).toEqual({ level: 'debug', slow: false });
  });
});

describe('isMediaRequest', () => {
  it('is media for HLS, DASH, clips and snapshots only', () => {
    expect(['/hls/t/init.mp4', '/dash/t/seg.mp4', '/api/streams/a/clip', '/api/streams/a/snapshot'].map(isMediaRequest)).toEqual([true, true, true, true]);
    expect(['/api/streams', '/api/streams/a', '/api/streams/a/playback', '/api/streams/a/clip/x', '/hlsx/a'].map(isMediaRequest)).toEqual([false, false, false, false, false]);
  });
});

describe('loggablePath', () => {
  it('masks the playback token of HLS and DASH paths, and nothing else', () => {
    expect(loggablePath('/hls/eyJh.eyJz.sig/media.m3u8')).toBe('/hls/<token>/media.m3u8');
    expect(loggablePath('/dash/eyJh.eyJz.sig/manifest.mpd')).toBe('/dash/<token>/manifest.mpd');
    expect(loggablePath('/api/streams/hls/x/')).toBe('/api/streams/hls/x/');
  });
});

describe('PrincipalMemory', () => {
  it('says "first" once per principal, and again only after forgetting the oldest past its capacity', () => {
    const memory = new PrincipalMemory(2);
    expect(['a', 'a', 'b', 'a', 'b'].map((id) => memory.firstSight(id))).toEqual([true, false, true, false, false]);
    expect(memory.firstSight('c')).toBe(true); // forgets a
    expect(memory.firstSight('b')).toBe(false);
    expect(memory.firstSight('a')).toBe(true);
  });
});
