import { credentialsInUrl, secretMasker, withRtspCredentials } from './rtsp-credentials';

describe('RTSP credentials', () => {
  it('reads the user and password a URL carries, percent-decoded', () => {
    expect(credentialsInUrl('rtsp://admin:p%40ss%3Aw%2Frd@cam.local:554/stream1')).toEqual({ user: 'admin', password: 'p@ss:w/rd' });
    expect(credentialsInUrl('rtsp://admin@cam.local/stream1')).toEqual({ user: 'admin' });
    expect(credentialsInUrl('rtsp://cam.local/stream1?user=x')).toEqual({});
  });

  it('fills in what the URL lacks from the settings, percent-encoded; the URL’s own win', () => {
    expect(withRtspCredentials('rtsp://cam.local:554/s', { user: 'admin', password: 'p@ss:w/rd' })).toBe('rtsp://admin:p%40ss%3Aw%2Frd@cam.local:554/s');
    expect(withRtspCredentials('rtsp://viewer@cam.local/s', { user: 'admin', password: 'pw' })).toBe('rtsp://viewer:pw@cam.local/s');
    expect(withRtspCredentials('rtsp://viewer:own@cam.local/s', { user: 'admin', password: 'pw' })).toBe('rtsp://viewer:own@cam.local/s');
    expect(withRtspCredentials('rtsps://cam.local/s?x=1#y', { user: 'u' })).toBe('rtsps://u@cam.local/s?x=1#y');
    // A password without a user is not sent (RTSP auth needs both).
    expect(withRtspCredentials('rtsp://cam.local/s', { password: 'pw' })).toBe('rtsp://cam.local/s');
    expect(withRtspCredentials('rtsp://cam.local/s', {})).toBe('rtsp://cam.local/s');
  });

  it('masks the password in every form ffmpeg can print it, and any URL userinfo password', () => {
    const url = withRtspCredentials('rtsp://cam.local/s', { user: 'admin', password: 'p@ss:w/rd' });
    const mask = secretMasker(url);
    expect(mask(`${url}: Server returned 401 Unauthorized (authorization failed)`)).toBe('rtsp://admin:***@cam.local/s: Server returned 401 Unauthorized (authorization failed)');
    expect(mask('a line with p@ss:w/rd inside')).toBe('a line with *** inside');
    expect(mask('encoded p%40ss%3Aw%2Frd too')).toBe('encoded *** too');
    expect(mask(`Authorization: Basic ${Buffer.from('admin:p@ss:w/rd').toString('base64')}`)).toBe('Authorization: Basic ***');
    expect(mask('rtsp://other:secret2@10.0.0.2/x')).toBe('rtsp://other:***@10.0.0.2/x');
    // Nothing to mask without a password; text passes unchanged.
    expect(secretMasker('rtsp://cam.local/s')('rtsp://cam.local/s: Connection refused')).toBe('rtsp://cam.local/s: Connection refused');
    expect(secretMasker('')('plain text')).toBe('plain text');
  });

  it('masks a password holding regular-expression characters literally', () => {
    const mask = secretMasker('rtsp://u:a.b*c(d)$@h/s');
    expect(mask('x a.b*c(d)$ y aXbbc z')).toBe('x *** y aXbbc z');
  });
});
