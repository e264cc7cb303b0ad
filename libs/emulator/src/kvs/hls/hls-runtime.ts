/**
 * The HLS state of one KVS emulation: the session token signer (key from `env.hlsSessionKeys`, persisted under
 * the data dir, else random per process) and the header/init cache. Made on first use, one per KvsEnv.
 */
import { MemoryMetadataStore } from '../../storage/metadata-store';
import type { KvsEnv } from '../kvs-context';
import { HlsSessionTokens } from './hls-session-token';
import { HlsTrackCache } from './hls-track-cache';

export interface HlsRuntime {
  tokens: HlsSessionTokens;
  cache: HlsTrackCache;
}

const runtimes = new WeakMap<KvsEnv, HlsRuntime>();

export function hlsRuntimeOf(env: KvsEnv): HlsRuntime {
  let rt = runtimes.get(env);
  if (!rt) {
    rt = { tokens: HlsSessionTokens.fromStore(env.hlsSessionKeys ?? new MemoryMetadataStore()), cache: new HlsTrackCache() };
    runtimes.set(env, rt);
  }
  return rt;
}
