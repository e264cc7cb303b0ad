import { routeOf } from './gateway-metrics';
import { loggablePath } from './http/gateway-server';

describe('route labels and loggable paths', () => {
  it.each([
    ['/api/streams', '/api/streams'],
    ['/api/streams/cam-1', '/api/streams/:name'],
    ['/api/streams/cam-1/playback', '/api/streams/:name/playback'],
    ['/api/streams/cam-1/clip', '/api/streams/:name/clip'],
    ['/api/streams/cam-1/timeline', '/api/streams/:name/timeline'],
    ['/hls/a.b.c/segment.mp4', '/hls/:token/segment.mp4'],
    ['/hls/a.b.c/evil.mp4', 'other'],
    ['/wp-admin/login.php', 'other'],
    ['/metrics', '/metrics'],
    ['/api/dashboard', '/api/dashboard'],
    ['/api/dashboard/cameras', '/api/dashboard/cameras'],
    ['/api/dashboard/devices/dev-7/rollups', '/api/dashboard/devices/:id/rollups'],
    ['/api/dashboard/devices/dev-7', 'other'],
    ['/api/dashboard/consumers/history', '/api/dashboard/consumers/history'],
    ['/api/dashboard/data-streams', '/api/dashboard/data-streams'],
    ['/api/dashboard/data-streams/logs/records', '/api/dashboard/data-streams/:name/records'],
    ['/timeline-view.js', '/timeline-view.js'],
    ['/favicon.svg', '/favicon.svg'],
    ['/dashboard', '/dashboard'],
    ['/vendor/uPlot.iife.min.js', '/vendor/uPlot.iife.min.js'],
  ])('%s is counted as %s', (path, route) => {
    expect(routeOf(path)).toBe(route);
  });

  it('never logs a playback token', () => {
    expect(loggablePath('/hls/eyJh.eyJz.sig/media.m3u8')).toBe('/hls/<token>/media.m3u8');
    expect(loggablePath('/api/streams')).toBe('/api/streams');
  });
});
