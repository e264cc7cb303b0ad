/**
 * Verified playback tokens, kept until they expire: a low-latency player sends the same token five times a second
 * for the whole session, and checking its HMAC and claims each time was a large part of what a shared playlist
 * costs the gateway. A token is kept only once verified (signature, type, audience, expiry, a usable KVS session),
 * and only until its own `exp`, so the cache accepts nothing the verifier would refuse at that moment — playback
 * tokens are stateless and have no revocation to miss. Bounded: the least recently verified goes first.
 */
import { AuthError, verifyPlaybackToken, type PlaybackGrant, type PlaybackTokenKey } from '@tributary/auth';
import { systemClock, type Clock } from '@tributary/runtime';
import { parseKvsSessionUrl, type KvsHlsSession } from './kvs-hls-session';

export const PLAYBACK_GRANT_CACHE_DEFAULTS = { maxEntries: 10_000 } as const;

export interface VerifiedPlayback {
  grant: PlaybackGrant;
  session: KvsHlsSession;
}

export class PlaybackGrantCache {
  private readonly entries = new Map<string, VerifiedPlayback>();
  private readonly clock: Clock;

  constructor(
    private readonly key: PlaybackTokenKey,
    options: { clock?: Clock; maxEntries?: number } = {},
    private readonly maxEntries = options.maxEntries ?? PLAYBACK_GRANT_CACHE_DEFAULTS.maxEntries,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  get size(): number {
    return this.entries.size;
  }

  /** `token`'s grant and session if it was verified and has not expired since (without verifying anything). */
  known(token: string): VerifiedPlayback | undefined {
    const known = this.entries.get(token);
    if (known === undefined) return undefined;
    if (this.clock.now() < known.grant.expiresAt) return known;
    this.entries.delete(token);
    return undefined;
  }

  /** The grant and KVS session of `token`; throws AuthError as verifyPlaybackToken does, or for a token without a usable session. */
  async verify(token: string): Promise<VerifiedPlayback> {
    const known = this.known(token);
    if (known) return known;
    const grant = await verifyPlaybackToken(token, this.key, { clock: this.clock });
    const verified = { grant, session: sessionOf(grant) };
    this.entries.set(token, verified);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return verified;
  }
}

/** The KVS session a verified playback token carries, or the token is refused. */
function sessionOf(grant: PlaybackGrant): KvsHlsSession {
  if (grant.session === undefined) throw new AuthError('INVALID_CREDENTIALS', 'this playback token carries no proxied session');
  try {
    return parseKvsSessionUrl(grant.session);
  } catch (err) {
    throw new AuthError('INVALID_CREDENTIALS', 'this playback token carries no usable session', { cause: err });
  }
}
