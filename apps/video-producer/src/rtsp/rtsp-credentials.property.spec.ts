/**
 * The promise of rtsp-credentials.ts over arbitrary credentials (any characters a camera's account may have):
 * merged into the URL they read back unchanged, and whatever text carries the password — the URL ffmpeg prints,
 * the password as typed, percent-encoded, or inside a Basic token — comes out of the camera's masker without it.
 */
import fc from 'fast-check';
import { credentialsInUrl, secretMasker, withRtspCredentials } from './rtsp-credentials';

// No '*': the mask itself is made of it, so a password of stars would "appear" in any masked text.
const secret = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }).filter((s) => !s.includes('*'));
const user = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 });
const base = fc.constantFrom('rtsp://cam.local/s', 'rtsp://10.0.0.7:554/Streaming/Channels/101', 'rtsps://cam.example:322/live?x=1#y');

describe('RTSP credentials over arbitrary accounts', () => {
  it('merged into the URL, they read back as given', () => {
    fc.assert(
      fc.property(base, user, secret, (b, u, p) => {
        expect(credentialsInUrl(withRtspCredentials(b, { user: u, password: p }))).toEqual({ user: u, password: p });
      }),
      { numRuns: 500 },
    );
  });

  it('no masked text holds the password, in any form it can be printed in', () => {
    fc.assert(
      fc.property(base, user, secret, fc.string(), fc.string(), (b, u, p, before, after) => {
        const url = withRtspCredentials(b, { user: u, password: p });
        const mask = secretMasker(url);
        const forms = [p, encodeURIComponent(p), Buffer.from(`${u}:${p}`).toString('base64')];
        const lines = [
          `${url}: Server returned 401 Unauthorized (authorization failed)`,
          `ffmpeg -rtsp_transport tcp -i ${url} -f matroska pipe:1`,
          ...forms.map((f) => `${before}${f}${after}`),
        ];
        for (const line of lines) {
          const masked = mask(line);
          for (const f of forms) expect(masked).not.toContain(f);
        }
      }),
      { numRuns: 500 },
    );
  });
});
