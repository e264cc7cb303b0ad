/**
 * DASH streaming sessions: HLS's session (mode, selector, range, window, expiry; ../hls/hls-session-token.ts) plus
 * DisplayFragmentNumber, carried in `SessionToken` by HLS's token codec under a key of its own, so that an HLS token
 * does not open a DASH manifest nor the reverse (each protocol's URL carries its own token, as KVS's do). The key is
 * derived from the HLS key (persisted under the data dir: DASH sessions survive a restart too), else random per
 * process. DASH has no DiscontinuityMode; the token's DiscontinuityMode slot carries DisplayFragmentNumber.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { KvsEnv } from '../kvs-context';
import { hlsRuntimeOf } from '../hls/hls-runtime';
import { HlsSessionTokens, type HlsSession } from '../hls/hls-session-token';
import type { HlsTrackCache } from '../hls/hls-track-cache';

export interface DashSession extends HlsSession {
  /** DisplayFragmentNumber=ALWAYS: `kvs:fn` on every S element. */
  displayFragmentNumber: boolean;
}

export class DashSessionTokens {
  constructor(private readonly codec: HlsSessionTokens) {}

  sign(session: DashSession): string {
    const { displayFragmentNumber, ...rest } = session;
    return this.codec.sign({ ...rest, discontinuity: displayFragmentNumber ? 'ALWAYS' : 'NEVER' });
  }

  /** The session of `token`; 403 NotAuthorizedException when it was not made here for DASH, altered, or expired. */
  verify(token: string | null, nowMs: number): DashSession {
    const session = this.codec.verify(token, nowMs);
    return { ...session, discontinuity: 'NEVER', displayFragmentNumber: session.discontinuity === 'ALWAYS' };
  }
}

export interface DashRuntime {
  tokens: DashSessionTokens;
  /** HLS's header/init cache: both protocols serve the same init segments. */
  cache: HlsTrackCache;
}

const runtimes = new WeakMap<KvsEnv, DashRuntime>();

function dashKey(env: KvsEnv): Uint8Array {
  const hlsKey = env.hlsSessionKeys?.load()?.key;
  const base = hlsKey ? Buffer.from(hlsKey, 'base64') : randomBytes(32);
  return createHmac('sha256', base).update('kvs-dash-session-token').digest();
}

export function dashRuntimeOf(env: KvsEnv): DashRuntime {
  let rt = runtimes.get(env);
  if (!rt) {
    const hls = hlsRuntimeOf(env); // makes and saves the HLS key first
    rt = { tokens: new DashSessionTokens(new HlsSessionTokens(dashKey(env))), cache: hls.cache };
    runtimes.set(env, rt);
  }
  return rt;
}
