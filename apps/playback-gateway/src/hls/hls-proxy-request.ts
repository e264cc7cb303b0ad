/**
 * The proxied HLS resources, parsed from the raw request target and nothing else:
 *
 *   /hls/<playbackToken>/master.m3u8
 *   /hls/<playbackToken>/media.m3u8?track=<1|2>
 *   /hls/<playbackToken>/init.mp4?track=<1|2>
 *   /hls/<playbackToken>/segment.mp4?fragment=<digits>&track=<1|2>
 *
 * Strict on purpose: the raw target (before any percent-decoding) must match exactly, so encoded dots or slashes,
 * dot segments, other file names, unknown, repeated or empty parameters are all refused before anything reaches
 * KVS. What is requested upstream is then built from these validated values only (never from the client's text).
 */
export type HlsResource =
  | { kind: 'master' }
  | { kind: 'media'; track: 1 | 2 }
  | { kind: 'init'; track: 1 | 2 }
  | { kind: 'segment'; track: 1 | 2; fragment: string };

export type HlsProxyRequest =
  | { ok: true; token: string; resource: HlsResource }
  | { ok: false; status: 400 | 404; detail: string };

/** A compact JWS: three base64url parts (what signPlaybackToken issues), bounded so a huge path costs nothing. */
const TARGET = /^\/hls\/([A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{1,8192}\.[A-Za-z0-9_-]{1,512})\/([a-z0-9]+\.(?:m3u8|mp4))(?:\?([^#]*))?$/;
/** KVS fragment numbers are decimal strings (up to 48 digits observed); 64 leaves room. */
const FRAGMENT = /^[0-9]{1,64}$/;

const PARAMETERS: Readonly<Record<string, { kind: HlsResource['kind']; params: readonly string[] }>> = {
  'master.m3u8': { kind: 'master', params: [] },
  'media.m3u8': { kind: 'media', params: ['track'] },
  'init.mp4': { kind: 'init', params: ['track'] },
  'segment.mp4': { kind: 'segment', params: ['fragment', 'track'] },
};

const bad = (detail: string): HlsProxyRequest => ({ ok: false, status: 400, detail });

export function parseHlsProxyRequest(target: string): HlsProxyRequest {
  const m = TARGET.exec(target);
  if (!m) return { ok: false, status: 404, detail: 'No such HLS resource.' };
  const [, token, file, query] = m as unknown as [string, string, string, string | undefined];
  const spec = PARAMETERS[file];
  if (spec === undefined) return { ok: false, status: 404, detail: 'No such HLS resource.' };
  const values = new Map<string, string>();
  if (query !== undefined && query !== '') {
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      if (!spec.params.includes(name)) return bad(`Unexpected query parameter ${JSON.stringify(name.slice(0, 40))} for ${file}.`);
      if (values.has(name)) return bad(`Query parameter ${name} given twice.`);
      values.set(name, value);
    }
  } else if (query === '') {
    return bad('Empty query string.');
  }
  for (const name of spec.params) if (!values.has(name)) return bad(`Query parameter ${name} is required for ${file}.`);
  if (spec.kind === 'master') return { ok: true, token, resource: { kind: 'master' } };
  const trackText = values.get('track');
  if (trackText !== '1' && trackText !== '2') return bad('track must be 1 (video) or 2 (audio).');
  const track = trackText === '1' ? 1 : 2;
  if (spec.kind === 'segment') {
    const fragment = values.get('fragment') ?? '';
    if (!FRAGMENT.test(fragment)) return bad('fragment must be a fragment number (decimal digits).');
    return { ok: true, token, resource: { kind: 'segment', track, fragment } };
  }
  return { ok: true, token, resource: { kind: spec.kind, track } };
}
