// Issue 17: the fast path answers only a GET or HEAD of /hls/… that the proxy's shared copy answers, and leaves every
// other request to Express untouched (nothing observed, nothing set on the response).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sharedPlaylistFastPath } from './shared-playlist-fast-path';

const PLAYLIST = Buffer.from('#EXTM3U\n#EXT-X-TARGETDURATION:1\n');
const HIT = '/hls/a.b.c/media.m3u8?track=1';
const PENDING = '/hls/a.b.c/master.m3u8';
const FAILING = '/hls/d.e.f/master.m3u8';

function fakeResponse() {
  const headers = new Map<string, string>();
  const res = {
    statusCode: 0,
    headers,
    body: undefined as Buffer | undefined,
    ended: false,
    setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), value),
    end: (body?: Buffer) => {
      res.body = body;
      res.ended = true;
    },
  };
  return res;
}

describe('sharedPlaylistFastPath', () => {
  const asked: string[] = [];
  const observed: string[] = [];
  const fast = sharedPlaylistFastPath(
    {
      sharedPlaylist: (target) => {
        asked.push(target);
        if (target === PENDING) return Promise.resolve(PLAYLIST);
        if (target === FAILING) return Promise.reject(new Error('upstream'));
        return target === HIT ? PLAYLIST : undefined;
      },
    },
    (req) => observed.push(`${req.method} ${req.url}`),
  );
  beforeEach(() => {
    asked.length = 0;
    observed.length = 0;
  });
  const run = (method: string, url: string) => {
    const res = fakeResponse();
    const answered = fast({ method, url } as IncomingMessage, res as unknown as ServerResponse);
    return { answered, res };
  };

  it('answers a GET the shared copy answers: observed, 200, the playlist headers and bytes', () => {
    const { answered, res } = run('GET', HIT);
    expect(answered).toBe(true);
    expect(observed).toEqual([`GET ${HIT}`]);
    expect(res.statusCode).toBe(200);
    expect(Object.fromEntries(res.headers)).toEqual({ 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'no-cache', 'content-length': String(PLAYLIST.byteLength) });
    expect(res.body).toBe(PLAYLIST);
  });

  it('answers a HEAD with the same headers and no body', () => {
    const { answered, res } = run('HEAD', HIT);
    expect(answered).toBe(true);
    expect(res.headers.get('content-length')).toBe(String(PLAYLIST.byteLength));
    expect(res.ended).toBe(true);
    expect(res.body).toBeUndefined();
  });

  it('answers a poll that waits for the shared fetch once it is in, and leaves it to Express untouched if it fails', async () => {
    const pending = run('GET', PENDING);
    expect(pending.answered).toBeInstanceOf(Promise);
    expect(observed).toEqual([]);
    expect(await pending.answered).toBe(true);
    expect(observed).toEqual([`GET ${PENDING}`]);
    expect(pending.res.statusCode).toBe(200);
    expect(pending.res.body).toBe(PLAYLIST);
    const failing = run('GET', FAILING);
    expect(await failing.answered).toBe(false);
    expect(observed).toEqual([`GET ${PENDING}`]);
    expect(failing.res.headers.size).toBe(0);
    expect(failing.res.ended).toBe(false);
  });

  it.each([
    ['another method', 'POST', HIT, false],
    ['OPTIONS (a CORS preflight)', 'OPTIONS', HIT, false],
    ['another path', 'GET', '/api/streams', false],
    ['a look-alike path', 'GET', '/hlsx/a.b.c/media.m3u8?track=1', false],
    ['no shared copy', 'GET', '/hls/a.b.c/media.m3u8?track=2', true],
  ])('leaves %s to Express, untouched', (_what, method, url, reachesProxy) => {
    const { answered, res } = run(method, url);
    expect(answered).toBe(false);
    expect(observed).toEqual([]);
    expect(res.headers.size).toBe(0);
    expect(res.ended).toBe(false);
    expect(asked).toEqual(reachesProxy ? [url] : []);
  });

  describe('with the /hls rate limit', () => {
    const proxy = {
      sharedPlaylist: (target: string) => (target === HIT ? PLAYLIST : target === FAILING ? Promise.reject(new Error('upstream')) : undefined),
    };
    /** A limiter that sets a header, then allows (returning its undo) or refuses (having removed it). */
    const limiter = (allow: boolean, undone: string[]) => async (_req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('RateLimit', 'r=1');
      if (!allow) {
        (res as unknown as { headers: Map<string, string> }).headers.delete('ratelimit');
        return undefined;
      }
      return () => {
        undone.push('RateLimit');
        (res as unknown as { headers: Map<string, string> }).headers.delete('ratelimit');
      };
    };
    const runWith = (allow: boolean, url: string, undone: string[] = []) => {
      const res = fakeResponse();
      const answered = sharedPlaylistFastPath(proxy, (req) => observed.push(`${req.method} ${req.url}`), limiter(allow, undone))({ method: 'GET', url } as IncomingMessage, res as unknown as ServerResponse);
      return { answered, res };
    };

    it("answers within the limit, with the limiter's headers", async () => {
      const { answered, res } = runWith(true, HIT);
      expect(await answered).toBe(true);
      expect(observed).toEqual([`GET ${HIT}`]);
      expect(res.headers.get('ratelimit')).toBe('r=1');
      expect(res.body).toBe(PLAYLIST);
    });

    it('leaves a request over the limit to Express, not observed and not answered', async () => {
      const { answered, res } = runWith(false, HIT);
      expect(await answered).toBe(false);
      expect(observed).toEqual([]);
      expect(res.headers.size).toBe(0);
      expect(res.ended).toBe(false);
    });

    it("undoes the limiter's headers when the shared fetch fails, and leaves the request to Express", async () => {
      const undone: string[] = [];
      const { answered, res } = runWith(true, FAILING, undone);
      expect(await answered).toBe(false);
      expect(undone).toEqual(['RateLimit']);
      expect(observed).toEqual([]);
      expect(res.headers.size).toBe(0);
      expect(res.ended).toBe(false);
    });
  });
});
