/**
 * Fuzz inputs for parseHlsProxyRequest, the gateway's parser of proxied HLS request targets (issue 12): targets
 * written from generated tokens and resources (round trip), the same with their parts bent (percent-encoding,
 * dot segments, case, repeated, missing, empty or unknown parameters, extra slashes, fragments), and arbitrary
 * strings, a few of them long. Shared by the property spec and the soak bench, which runs this app's target in a
 * child process (tools may not import apps; testing/hls-proxy-fuzz-soak.ts).
 *
 * The parser returns a discriminated union and never throws; a refusal is `ok: false` with 400 or 404, which the
 * controller answers as problem JSON.
 */
import fc from 'fast-check';
import type { FuzzTarget } from '@tributary/runtime/testing';
import { parseHlsProxyRequest, type HlsProxyRequest, type HlsResource } from './hls-proxy-request';

const b64url = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${min},${max}}$`));
export const playbackTokenArbitrary = fc.tuple(b64url(1, 40), b64url(1, 80), b64url(1, 43)).map((parts) => parts.join('.'));

export const hlsResourceArbitrary: fc.Arbitrary<HlsResource> = fc.oneof(
  fc.constant({ kind: 'master' as const }),
  fc.record({ kind: fc.constantFrom('media' as const, 'init' as const), track: fc.constantFrom(1 as const, 2 as const) }),
  fc.record({ kind: fc.constant('segment' as const), track: fc.constantFrom(1 as const, 2 as const), fragment: fc.stringMatching(/^[0-9]{1,64}$/) }),
);

/** The target the gateway's own playlists link to for `resource` (parameters in either order for segments). */
export function hlsProxyTarget(token: string, resource: HlsResource, swapParams = false): string {
  switch (resource.kind) {
    case 'master':
      return `/hls/${token}/master.m3u8`;
    case 'media':
      return `/hls/${token}/media.m3u8?track=${resource.track}`;
    case 'init':
      return `/hls/${token}/init.mp4?track=${resource.track}`;
    case 'segment':
      return swapParams
        ? `/hls/${token}/segment.mp4?track=${resource.track}&fragment=${resource.fragment}`
        : `/hls/${token}/segment.mp4?fragment=${resource.fragment}&track=${resource.track}`;
  }
}

const bend = fc.oneof(
  fc.constantFrom(
    (t: string) => t.replace('/hls/', '/hls//'),
    (t: string) => t.replace('/hls/', '/HLS/'),
    (t: string) => t.replace('.m3u8', '%2em3u8').replace('.mp4', '%2Emp4'),
    (t: string) => t.replace(/\/([a-z]+\.(m3u8|mp4))/, '/../$1'),
    (t: string) => t.replace(/\/([a-z]+\.(m3u8|mp4))/, '%2F$1'),
    (t: string) => `${t}#frag`,
    (t: string) => `${t}&track=1`,
    (t: string) => `${t}?`,
    (t: string) => `${t}&`,
    (t: string) => t.replace('track=', 'track=0'),
    (t: string) => t.replace('track=', 'Track='),
    (t: string) => t.replace(/fragment=\d+/, 'fragment='),
    (t: string) => t.replace(/fragment=\d+/, 'fragment=-1'),
    (t: string) => t.replace(/fragment=\d+/, `fragment=${'9'.repeat(65)}`),
    (t: string) => t.replace('?', '?x=1&'),
    (t: string) => t.replace(/\?.*$/, ''),
    (t: string) => t.replace('master.m3u8', 'master.m3u8?track=1'),
    (t: string) => t.replace(/\.([A-Za-z0-9_-]+)\//, './'),
    (t: string) => t.replace(/^\/hls\/[^/]+/, (m) => m + '.extra'),
    (t: string) => `${t}\u0000`,
    (t: string) => t.toUpperCase(),
  ),
  fc.tuple(fc.nat(), fc.string({ maxLength: 4 })).map(([at, s]) => (t: string) => t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1))),
);

export const hlsProxyTargetArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(playbackTokenArbitrary, hlsResourceArbitrary, fc.boolean()).map(([t, r, s]) => hlsProxyTarget(t, r, s)) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(playbackTokenArbitrary, hlsResourceArbitrary, fc.boolean(), fc.array(bend, { minLength: 1, maxLength: 3 }))
      .map(([t, r, s, bends]) => bends.reduce((acc, f) => f(acc), hlsProxyTarget(t, r, s))),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 120 }) },
  // Long targets: the bounded token pattern must refuse them in linear time.
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 4000, max: 20_000 }), fc.constantFrom('a', '.', 'a.', '/')).map(([n, c]) => `/hls/${c.repeat(n)}/master.m3u8`) },
);

/** The union's invariants for any target; `ok: false` thrown as a refusal so the drivers count it. */
export const hlsProxyRequestFuzzTarget: FuzzTarget<string> = {
  name: 'hls-proxy-request',
  arbitrary: hlsProxyTargetArbitrary,
  run(target) {
    const r: HlsProxyRequest = parseHlsProxyRequest(target);
    if (!r.ok) {
      if ((r.status !== 400 && r.status !== 404) || typeof r.detail !== 'string' || r.detail.length === 0) throw new Error(`a refusal of the wrong shape: ${JSON.stringify(r)}`);
      throw new HlsProxyRefusal(r.status);
    }
    // Accepted only what the gateway itself would write: the canonical target, parameters in either order.
    const canonical = [hlsProxyTarget(r.token, r.resource), hlsProxyTarget(r.token, r.resource, true)];
    if (!canonical.includes(target)) throw new Error(`accepted a non-canonical target ${JSON.stringify(target)} as ${JSON.stringify(r)}`);
  },
  isTypedRejection: (err) => err instanceof HlsProxyRefusal,
};

export class HlsProxyRefusal extends Error {
  constructor(readonly status: 400 | 404) {
    super(`refused with ${status}`);
  }
}

/** Targets the gateway writes parse back to their token and resource. */
export const hlsProxyRoundTripFuzzTarget: FuzzTarget<{ token: string; resource: HlsResource; swap: boolean }> = {
  name: 'hls-proxy-round-trip',
  arbitrary: fc.record({ token: playbackTokenArbitrary, resource: hlsResourceArbitrary, swap: fc.boolean() }),
  run({ token, resource, swap }) {
    const r = parseHlsProxyRequest(hlsProxyTarget(token, resource, swap));
    if (!r.ok || r.token !== token || JSON.stringify(r.resource) !== JSON.stringify(resource)) {
      throw new Error(`round trip differs: ${JSON.stringify({ token, resource })} → ${JSON.stringify(r)}`);
    }
  },
  isTypedRejection: () => false,
};
