// Regression (issue 12, item 3): the gateway logged whole playback tokens at INFO and no app's logger redacted
// credentials; these lines must never carry a secret, whatever shape the logged object has.
import { createServiceLogger } from './service-logger';
import { maskSecretsInText, redactUrl } from './log-redaction';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2aWV3ZXIifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const API_KEY = 'trb_0123456789abcdef_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq';

function capture(level = 'debug') {
  const lines: string[] = [];
  const logger = createServiceLogger({ name: 'spec', level, destination: { write: (s: string) => void lines.push(s) } });
  return { logger, lines, text: () => lines.join('') };
}

describe('createServiceLogger redaction', () => {
  it.each<[string, Record<string, unknown>, string | undefined, string[]]>([
    ['an Authorization header', { req: { headers: { authorization: `Bearer ${JWT}` } } }, undefined, [JWT, 'Bearer']],
    ['an X-Api-Key header', { headers: { 'x-api-key': API_KEY } }, undefined, ['ABCDEFGHIJ']],
    ['a cookie', { headers: { cookie: 'session=s3cr3t-cookie' } }, undefined, ['s3cr3t-cookie']],
    ['a camera URL with a password', { source: 'rtsp://admin:hunter2@10.0.0.7:554/stream1' }, undefined, ['hunter2']],
    ['a password in the message', {}, 'ffmpeg failed on rtsp://admin:hunter2@cam/live: 401', ['hunter2']],
    ['a playback token in a path', { path: `/hls/${JWT}/segment.mp4` }, undefined, [JWT]],
    ['an API key in free text', { detail: `client sent ${API_KEY}` }, undefined, ['ABCDEFGHIJ']],
    ['a KVS session URL', { url: 'https://kvs/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=CiBzZWNyZXQ&x=1' }, undefined, ['CiBzZWNyZXQ']],
    ['a secret key nested deep', { a: { b: { c: { password: 'deep-secret' } } } }, undefined, ['deep-secret']],
    ['secrets in an array', { list: [{ token: 'array-secret' }] }, undefined, ['array-secret']],
    ['a non-string secret', { config: { jwtSecret: { bytes: 'object-secret' } } }, undefined, ['object-secret']],
  ])('masks %s', (_name, obj, msg, secrets) => {
    const { logger, text } = capture();
    logger.info(obj, msg ?? 'line');
    const out = text();
    for (const s of secrets) expect(out).not.toContain(s);
    expect(() => JSON.parse(out)).not.toThrow();
  });

  it('masks secrets in error messages and stacks, and in child loggers', () => {
    const { logger, text } = capture();
    logger.child({ stream: 'cam' }).error({ err: new Error('cannot open rtsp://u:topsecret@cam/1') }, 'source failed');
    expect(text()).not.toContain('topsecret');
    expect(text()).toContain('rtsp://u:***@cam/1');
  });

  it('keeps what identifies without being secret: the URL user and host, the API key id', () => {
    const { logger, lines } = capture();
    logger.info({ source: 'rtsp://admin:hunter2@10.0.0.7:554/stream1', key: API_KEY }, 'ready');
    const line = JSON.parse(lines[0] ?? '{}') as { source: string; key: string };
    expect(line.source).toBe('rtsp://admin:***@10.0.0.7:554/stream1');
    expect(line.key).toBe('trb_0123456789abcdef_***');
  });

  it('leaves ordinary lines unchanged', () => {
    const text = '{"level":30,"path":"/api/streams","url":"http://127.0.0.1:8088","status":200,"msg":"request"}';
    expect(maskSecretsInText(text)).toBe(text);
    expect(redactUrl('rtsp://cam.local/stream')).toBe('rtsp://cam.local/stream');
  });
});

// Regression (review of issue 12): the URL-password and JWT patterns began at every `\b`, so text like `a.a.a…` or
// `-eyJ-eyJ…` (a request path is enough) made masking quadratic: about 100 ms for a 16 KB line, seconds for a
// longer one, on every line logged. The bound below is the fuzz harness's hang rule (1 s), far above the
// milliseconds a linear scan of 128 KB takes and far below the quadratic version's ~6 s.
describe('maskSecretsInText on crafted text', () => {
  it.each([
    ['dotted words', 'a.'.repeat(64 * 1024)],
    ['repeated eyJ', '-eyJ'.repeat(32 * 1024)],
    ['scheme-like runs', 'a+b-'.repeat(32 * 1024)],
  ])('masks a 128 KB line of %s in linear time', (_label, text) => {
    const started = performance.now();
    expect(maskSecretsInText(text)).toBe(text);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
