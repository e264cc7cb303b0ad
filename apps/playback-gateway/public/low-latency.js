// Low-latency live playback of KVS-style HLS with hls.js, shared by the player, the dashboard and the latency
// benchmark (tools/bench/src/hls-latency-bench.ts loads this very file).
//
// KVS offers no LL-HLS (no parts, no blocking playlist reload) and writes an integer TARGETDURATION, so with
// 0.5-s fragments stock hls.js (1) finds a new fragment up to half a TARGETDURATION after it is stored (its reload
// timer) and (2) starts at least one TARGETDURATION behind the edge and only speeds up with more than 1 s
// buffered, which short fragments never have. Measured with 0.5-s fragments: 1.4 s capture-to-screen with hls.js
// tuned alone, about 1.0 s with the two helpers below (npm run bench:hls-latency).
//
// It imports nothing: the benchmark serves it alone. hls.js is passed in (the pages' window.Hls).

/** @typedef {typeof import('hls.js').default} HlsClass */
/** @typedef {import('hls.js').default} HlsPlayer */
/** @typedef {Partial<import('hls.js').HlsConfig>} HlsUserConfig */
/** @typedef {import('hls.js').PlaylistLoaderContext} PlaylistLoaderContext */
/** @typedef {import('hls.js').Loader<PlaylistLoaderContext>} PlaylistLoader */

/**
 * hls.js settings for short fragments: aim half a second behind the edge, short buffers, first fragment at once.
 * @type {Readonly<HlsUserConfig>}
 */
export const LOW_LATENCY_CONFIG = Object.freeze(
  /** @satisfies {HlsUserConfig} (an option name hls.js does not know fails the type check) */ ({
    lowLatencyMode: true,
    liveSyncDuration: 0.5,
    liveMaxLatencyDuration: 3,
    // hls.js's own rate control is replaced by startLatencyChase, which it would otherwise fight.
    maxLiveSyncPlaybackRate: 1,
    liveDurationInfinity: true,
    backBufferLength: 10,
    maxBufferLength: 4,
    maxMaxBufferLength: 8,
    startFragPrefetch: true,
    enableWorker: true,
    manifestLoadingMaxRetry: 4,
    levelLoadingMaxRetry: 6,
    fragLoadingMaxRetry: 6,
  }),
);

/**
 * Newest media sequence number listed in a media playlist's text, or undefined (a master playlist).
 * @param {string} text
 */
function lastSequence(text) {
  const m = /#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text);
  return m ? Number(m[1]) + (text.match(/^#EXTINF:/gm) || []).length - 1 : undefined;
}

/**
 * A playlist loader class for hls.js (`pLoader`): it hands a live playlist to hls.js only once it lists a newer
 * segment than last time, asking again every `pollMs` for up to `maxWaitMs` (then it hands the unchanged playlist
 * over) — a client-side stand-in for LL-HLS blocking playlist reload. At most 1000/pollMs requests per second per
 * viewer while waiting; KVS allows 5 playlist calls per second per session, so keep pollMs ≥ 200 against AWS.
 * @param {HlsClass} Hls
 * @param {number} pollMs
 * @param {number} [maxWaitMs]
 * @returns {import('hls.js').PlaylistLoaderConstructor}
 */
export function pollingPlaylistLoader(Hls, pollMs, maxWaitMs = 600) {
  // The default loader is what hls.js loads playlists with when no pLoader is given.
  const Base = /** @type {import('hls.js').PlaylistLoaderConstructor} */ (Hls.DefaultConfig.loader);
  /** @type {Map<string, number>} newest sequence number handed over, per playlist */
  const newest = new Map();
  /** @implements {PlaylistLoader} */
  class PollingPlaylistLoader {
    /** @param {import('hls.js').HlsConfig} config */
    constructor(config) {
      this.config = config;
      this.inner = new Base(config);
      /** @type {PlaylistLoaderContext | null} */
      this.context = null;
      this.timer = 0;
      this.aborted = false;
    }
    get stats() {
      return this.inner.stats;
    }
    destroy() {
      clearTimeout(this.timer);
      this.inner.destroy();
    }
    abort() {
      this.aborted = true;
      clearTimeout(this.timer);
      this.inner.abort();
    }
    getCacheAge() {
      return this.inner.getCacheAge ? this.inner.getCacheAge() : null;
    }
    /** @param {string} name */
    getResponseHeader(name) {
      return this.inner.getResponseHeader ? this.inner.getResponseHeader(name) : null;
    }
    /**
     * @param {PlaylistLoaderContext} context
     * @param {import('hls.js').LoaderConfiguration} loadConfig
     * @param {import('hls.js').LoaderCallbacks<PlaylistLoaderContext>} callbacks
     */
    load(context, loadConfig, callbacks) {
      this.context = context;
      const started = performance.now();
      const key = `${context.type}:${context.level ?? ''}:${context.url.split('?')[0]}`;
      const attempt = () => {
        this.inner.load(context, loadConfig, {
          ...callbacks,
          onSuccess: (response, stats, ctx, details) => {
            const last = typeof response.data === 'string' ? lastSequence(response.data) : undefined;
            const seen = newest.get(key);
            if (last !== undefined && seen !== undefined && last <= seen && performance.now() - started < maxWaitMs && !this.aborted) {
              this.inner.destroy();
              this.inner = new Base(this.config);
              this.timer = setTimeout(attempt, pollMs);
              return;
            }
            if (last !== undefined) newest.set(key, Math.max(last, seen ?? -1));
            callbacks.onSuccess(response, stats, ctx, details);
          },
        });
      };
      attempt();
    }
  }
  return PollingPlaylistLoader;
}

/**
 * LOW_LATENCY_CONFIG plus the polling playlist loader (pollMs 0: hls.js's own reload timing). 200 ms by default:
 * KVS's 5 playlist calls per second per session.
 * @param {HlsClass} Hls
 * @param {{ pollMs?: number }} [options]
 * @returns {HlsUserConfig}
 */
export function lowLatencyConfig(Hls, { pollMs = 200 } = {}) {
  return pollMs > 0 ? { ...LOW_LATENCY_CONFIG, pLoader: pollingPlaylistLoader(Hls, pollMs) } : { ...LOW_LATENCY_CONFIG };
}

/**
 * Plays at `rate` while hls.latency is above `goalSec` (+0.1 s hysteresis) and some media is buffered ahead, so
 * the player closes on the live edge without jumping. Returns a function that stops it.
 * @param {HlsPlayer} hls
 * @param {HTMLVideoElement} video
 * @param {{ goalSec?: number; rate?: number }} [options]
 * @returns {() => void}
 */
export function startLatencyChase(hls, video, { goalSec = 0.75, rate = 1.2 } = {}) {
  let chasing = false;
  const timer = setInterval(() => {
    if (video.paused || video.readyState < 3) return;
    const b = video.buffered;
    const ahead = b.length ? b.end(b.length - 1) - video.currentTime : 0;
    if (!chasing && hls.latency > goalSec + 0.1 && ahead > 0.2) chasing = true;
    else if (chasing && (hls.latency <= goalSec || ahead <= 0.1)) chasing = false;
    const wanted = chasing ? rate : 1;
    if (video.playbackRate !== wanted) video.playbackRate = wanted;
  }, 100);
  return () => {
    clearInterval(timer);
    if (video.playbackRate !== 1) video.playbackRate = 1;
  };
}
