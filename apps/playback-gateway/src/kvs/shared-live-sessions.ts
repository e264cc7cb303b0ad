/**
 * One KVS LIVE HLS session per stream, shared by the proxied viewers this gateway instance hands out within a few
 * minutes (issue 17, "viewers at scale"). Proxied viewers never see the KVS session (it rides inside their signed
 * playback token) and the gateway shares each upstream playlist per session (hls/hls-proxy-controller.ts): viewers
 * of one session share one playlist fetch and one rewrite per interval, so handing them one session is what lets
 * 500 viewers of a camera cost the gateway one playlist a few times a second instead of 2,500. It also spares KVS:
 * one GetHLSStreamingSessionURL per stream per `reuseMs` instead of one per viewer (25 TPS, kvs-reference.md §6), and one
 * session's 5 playlist calls a second instead of every viewer's.
 *
 * A LIVE session of a stream serves everyone the same playlists whoever asked for it (no range, the gateway's fixed
 * settings), so sharing changes nothing a viewer sees. The session must outlive every token issued on it: it is
 * created for `ttl + reuse + margin` seconds (KVS allows at most 43,200) and handed out only while a token issued
 * now (`ttl`) expires at least `marginMs` before it does, and for at most `reuseMs` after its creation. With a ttl
 * near 43,200 s there is no room left, and each viewer gets a session of its own as before. Other modes (replays,
 * on-demand ranges) and direct delivery are never shared.
 */
import { systemClock, type Clock } from '@tributary/runtime';
import type { KvsPlaybackClient } from './kvs-playback-client';

export const SHARED_LIVE_SESSION_DEFAULTS = {
  /** A session is handed out for this long after its creation. */
  reuseMs: 5 * 60_000,
  /** GetHLSStreamingSessionURL's Expires bound (kvs-reference.md §5.3). */
  maxExpiresSeconds: 43_200,
  /** Streams remembered at most (the oldest goes first). */
  maxStreams: 10_000,
  /** A token issued on a session expires at least this long before it. */
  marginMs: 10_000,
} as const;

interface SharedSession {
  createdAt: number;
  expiresAt: number;
  url: Promise<string>;
}

export interface SharedLiveSessionsOptions {
  kvs: Pick<KvsPlaybackClient, 'hlsSessionUrl'>;
  clock?: Clock;
  reuseMs?: number;
}

export class SharedLiveSessions {
  private readonly kvs: SharedLiveSessionsOptions['kvs'];
  private readonly clock: Clock;
  private readonly reuseMs: number;
  private readonly sessions = new Map<string, SharedSession>();

  constructor(options: SharedLiveSessionsOptions) {
    this.kvs = options.kvs;
    this.clock = options.clock ?? systemClock;
    this.reuseMs = options.reuseMs ?? SHARED_LIVE_SESSION_DEFAULTS.reuseMs;
  }

  /** A LIVE session URL of `streamName` that outlives a token of `ttlSeconds` issued now; created when none does. */
  url(streamName: string, ttlSeconds: number): Promise<string> {
    const now = this.clock.now();
    const known = this.sessions.get(streamName);
    const tokenEnds = now + ttlSeconds * 1000 + SHARED_LIVE_SESSION_DEFAULTS.marginMs;
    if (known && now - known.createdAt < this.reuseMs && tokenEnds <= known.expiresAt) return known.url;
    const room = Math.ceil((this.reuseMs + SHARED_LIVE_SESSION_DEFAULTS.marginMs) / 1000);
    const expiresSeconds = Math.min(SHARED_LIVE_SESSION_DEFAULTS.maxExpiresSeconds, ttlSeconds + room);
    const session: SharedSession = {
      createdAt: now,
      expiresAt: now + expiresSeconds * 1000,
      url: this.kvs.hlsSessionUrl({ streamName, mode: 'LIVE', expiresSeconds }),
    };
    this.sessions.delete(streamName); // re-inserted last: Map order is the eviction order
    this.sessions.set(streamName, session);
    while (this.sessions.size > SHARED_LIVE_SESSION_DEFAULTS.maxStreams) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
    // A failed creation (no recent fragment, throttling) is not kept: the next viewer asks again.
    session.url.catch(() => {
      if (this.sessions.get(streamName) === session) this.sessions.delete(streamName);
    });
    return session.url;
  }
}
