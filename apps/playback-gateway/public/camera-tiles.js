// The dashboard's camera panel (a plain browser ES module, driven by dashboard.js): one tile per camera of the
// current page — live video (hls.js, muted) and the producer's figures — with a search and pages of
// `PAGE_SIZE`, so a fleet of 1,000 cameras costs the page a dozen players, not a thousand (the gateway pages the list:
// GET /api/dashboard/cameras?limit=&cursor=&q=).
//
// What a tile claims comes from the gateway (`state`, dashboard/camera-state.ts): "streaming" only while fragments
// arrive; a producer that says streaming with no new fragment for 10 s reads "no new video".
//
// Stable hooks: #cameras[data-count][data-total] with [data-camera="<name>"][data-state] tiles holding a `video` and
// [data-figure=fps|ack50|ack99|age|bitrate|spool|backlog|upload]; #camera-search, #camera-prev, #camera-next, #camera-page-info.

import { apiJson, NotSignedInError } from './auth.js';
import { bindSearch, byId, make } from './dom.js';
import { fmt, formatAge, formatBacklog, formatUploadRate, plural } from './format.js';
import { lowLatencyConfig } from './low-latency.js';

/** @typedef {import('../public-api').DashboardCamera} DashboardCamera */
/** @typedef {import('../src/dashboard/dashboard-views').CameraState} CameraState */
/** @typedef {import('../public-api').PlaybackSession} PlaybackSession */
/** @typedef {{ cameras: Array<DashboardCamera & { state: CameraState; lastFragmentAgeMs: number | null }>; nextCursor: string | null; total: number }} CamerasPage */

/**
 * A camera's tile and its player.
 * @typedef {object} CameraTile
 * @property {HTMLElement} tile
 * @property {HTMLVideoElement} video
 * @property {HTMLElement} badge
 * @property {import('hls.js').default | null} hls
 * @property {number} renewTimer
 * @property {number} retryAt when a failed start may be tried again (epoch ms)
 * @property {boolean} starting
 */

const PAGE_SIZE = 12;

/** @type {Record<CameraState, string>} */
const STATE_LABELS = {
  streaming: 'streaming',
  reconnecting: 'reconnecting',
  buffering: 'buffering',
  stopped: 'stopped',
  stale: 'producer silent',
  'no-video': 'no new video',
  live: 'live',
  idle: 'idle',
  unknown: 'unknown',
};

/** @type {Array<[key: string, label: string]>} */
const FIGURES = [
  ['fps', 'fragments/s'],
  ['ack50', 'ack p50'],
  ['ack99', 'ack p99'],
  ['age', 'last fragment'],
  ['bitrate', 'bitrate'],
  ['spool', 'spooled'],
  ['backlog', 'recorded backlog'],
  ['upload', 'upload'],
];

/** @param {string} name */
function cameraTile(name) {
  const video = make('video', { muted: '', autoplay: '', playsinline: '', 'aria-label': `Live video of ${name}`, dataset: { state: 'idle' } });
  video.muted = true; // the attribute alone does not make autoplay muted in every browser
  const badge = make('span', { class: 'badge', dataset: { state: 'unknown' }, text: '…' });
  const figures = make(
    'dl',
    {},
    FIGURES.map(([key, label]) => make('div', {}, [make('dt', { text: label }), make('dd', { dataset: { figure: key }, text: '–' })])),
  );
  const tile = make('article', { class: 'camera', dataset: { camera: name }, 'aria-label': name }, [make('h3', {}, [make('span', { class: 'camera-name', text: name }), badge]), video, figures]);
  video.addEventListener('playing', () => (video.dataset.state = 'playing'));
  video.addEventListener('waiting', () => (video.dataset.state = 'buffering'));
  /** @type {CameraTile} */
  const cam = { tile, video, badge, hls: null, renewTimer: 0, retryAt: 0, starting: false };
  return cam;
}

/** @param {CameraTile} cam */
function stopVideo(cam) {
  clearTimeout(cam.renewTimer);
  if (cam.hls) cam.hls.destroy();
  cam.hls = null;
}

/**
 * @param {HTMLElement} tile
 * @param {string} key
 * @param {string} text
 */
function setFigure(tile, key, text) {
  const dd = tile.querySelector(`[data-figure="${key}"]`);
  if (dd) dd.textContent = text;
}

/**
 * A live proxied session through the gateway, played muted by hls.js; retried a few seconds after a failure.
 * @param {string} name
 * @param {CameraTile} cam
 * @param {() => boolean} wanted false once the tile went (another page, a sign-out) while the session was asked for
 */
async function startVideo(name, cam, wanted) {
  if (cam.starting || cam.hls || Date.now() < cam.retryAt) return;
  const Hls = window.Hls;
  if (!Hls || !Hls.isSupported()) {
    cam.video.dataset.state = 'unsupported';
    return;
  }
  cam.starting = true;
  try {
    /** @type {PlaybackSession} */
    const session = await apiJson(`/api/streams/${encodeURIComponent(name)}/playback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'LIVE', delivery: 'proxied' }),
    });
    if (!wanted()) return;
    // The player's low-latency tuning without playlist polling: a wall of tiles should not multiply playlist calls.
    const hls = new Hls(lowLatencyConfig(Hls, { pollMs: 0 }));
    cam.hls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, () => cam.video.play().catch(() => (cam.video.dataset.state = 'blocked')));
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
        return;
      }
      // Network trouble or an expired session: start over with a new session shortly.
      cam.video.dataset.state = 'error';
      stopVideo(cam);
      cam.retryAt = Date.now() + 3_000;
    });
    hls.loadSource(session.url);
    hls.attachMedia(cam.video);
    const renewIn = Date.parse(session.expiresAt) - Date.now() - 20_000;
    if (renewIn > 0) {
      cam.renewTimer = setTimeout(() => {
        stopVideo(cam);
        void startVideo(name, cam, wanted);
      }, renewIn);
    }
  } catch (err) {
    // No fragment yet (a camera just starting) answers 404: try again on a later refresh.
    cam.video.dataset.state = 'waiting';
    cam.retryAt = Date.now() + 3_000;
    if (err instanceof NotSignedInError) throw err;
  } finally {
    cam.starting = false;
  }
}

/**
 * Stops and removes the tiles not in `keep`.
 * @param {Map<string, CameraTile>} tiles
 * @param {Set<string>} keep
 */
function dropTiles(tiles, keep) {
  for (const [name, cam] of tiles) {
    if (keep.has(name)) continue;
    stopVideo(cam);
    cam.tile.remove();
    tiles.delete(name);
  }
}

/**
 * A camera's tile at its place on the page, its figures, and its video started.
 * @param {HTMLElement} container
 * @param {Map<string, CameraTile>} tiles
 * @param {CamerasPage['cameras'][number]} c
 * @param {number} index
 * @param {() => boolean} current false once the panel was reset (a sign-out)
 */
function renderTile(container, tiles, c, index, current) {
  let cam = tiles.get(c.name);
  if (!cam) {
    cam = cameraTile(c.name);
    tiles.set(c.name, cam);
  }
  // In page order; a tile already in place is not moved (moving a playing <video> may pause it).
  if (container.children[index] !== cam.tile) container.insertBefore(cam.tile, container.children[index] ?? null);
  showFigures(cam, c);
  const tile = cam;
  // Its only rejection is NotSignedInError, which the refresh notices itself (the credential is gone then).
  startVideo(c.name, cam, () => tiles.get(c.name) === tile && current()).catch(() => undefined);
}

/**
 * A tile's badge and figures.
 * @param {CameraTile} cam
 * @param {CamerasPage['cameras'][number]} c
 */
function showFigures(cam, c) {
  const p = c.producer;
  const h = c.health;
  cam.badge.dataset.state = c.state;
  cam.badge.textContent = STATE_LABELS[c.state] ?? c.state;
  cam.tile.dataset.state = c.state;
  setFigure(cam.tile, 'fps', fmt(p ? p.fragmentsPerSecond : h && h.fragmentsPerSecond, 2));
  setFigure(cam.tile, 'ack50', p && p.ackLatencyP50Ms !== undefined ? `${Math.round(p.ackLatencyP50Ms)} ms` : '–');
  setFigure(cam.tile, 'ack99', p && p.ackLatencyP99Ms !== undefined ? `${Math.round(p.ackLatencyP99Ms)} ms` : '–');
  setFigure(cam.tile, 'age', formatAge(c.lastFragmentAgeMs));
  setFigure(cam.tile, 'bitrate', p ? `${Math.round(p.bitrateKbps)} kbit/s` : h ? `${Math.round(h.bitrateBps / 1000)} kbit/s` : '–');
  setFigure(cam.tile, 'spool', p ? String(p.spooledFragments) : '–');
  setFigure(cam.tile, 'backlog', p ? formatBacklog(p) : '–');
  setFigure(cam.tile, 'upload', p && p.recording !== undefined ? formatUploadRate(p.uploadBytesPerSecond) : '–');
}

/**
 * The panel's pager: "13–24 of 1,000 cameras", and which way one may go.
 * @param {{ info: HTMLElement; prev: HTMLButtonElement; next: HTMLButtonElement }} el
 * @param {number} first the page's first index
 * @param {number} shown
 * @param {number} total
 * @param {string} noun
 * @param {boolean} more
 */
export function showPager(el, first, shown, total, noun, more) {
  el.info.textContent = total === 0 ? '' : `${first + 1}–${first + shown} of ${plural(total, noun)}`;
  el.prev.disabled = first === 0;
  el.next.disabled = !more;
}

export function createCameraPanel() {
  const el = {
    cameras: byId('cameras', HTMLElement),
    empty: byId('cameras-empty', HTMLElement),
    search: byId('camera-search', HTMLInputElement),
    prev: byId('camera-prev', HTMLButtonElement),
    next: byId('camera-next', HTMLButtonElement),
    info: byId('camera-page-info', HTMLElement),
  };
  /** @type {Map<string, CameraTile>} by stream name */
  const tiles = new Map();
  /** Cursors of the pages seen: cursors[i] opens page i ('' for the first). */
  let cursors = [''];
  let pageIndex = 0;
  let nextCursor = /** @type {string | null} */ (null);
  let query = '';
  let generation = 0; // bumped by reset(): a start still waiting for its session gives up

  /** @param {CamerasPage} page */
  function render(page) {
    dropTiles(tiles, new Set(page.cameras.map((c) => c.name)));
    const shown = generation;
    page.cameras.forEach((c, i) => renderTile(el.cameras, tiles, c, i, () => shown === generation));
    nextCursor = page.nextCursor;
    el.cameras.dataset.count = String(page.cameras.length);
    el.cameras.dataset.total = String(page.total);
    el.empty.hidden = page.total > 0;
    el.empty.textContent = query ? `No camera matches "${query}".` : 'No camera this credential may watch.';
    showPager(el, pageIndex * PAGE_SIZE, page.cameras.length, page.total, 'camera', nextCursor !== null);
  }

  async function refresh() {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursors[pageIndex]) params.set('cursor', cursors[pageIndex]);
    if (query) params.set('q', query);
    const mine = generation;
    /** @type {CamerasPage} */
    const page = await apiJson(`/api/dashboard/cameras?${params}`);
    if (mine === generation) render(page); // not after a sign-out meanwhile
  }

  /** @param {() => void} change */
  const navigate = (change) => {
    change();
    void refresh().catch(() => undefined); // the next poll reports a failure
  };
  el.prev.addEventListener('click', () => navigate(() => (pageIndex = Math.max(0, pageIndex - 1))));
  el.next.addEventListener('click', () =>
    navigate(() => {
      if (nextCursor === null) return;
      cursors = [...cursors.slice(0, pageIndex + 1), nextCursor];
      pageIndex += 1;
    }),
  );
  bindSearch(el.search, /[^a-zA-Z0-9_.-]/g, (q) =>
    navigate(() => {
      query = q;
      cursors = [''];
      pageIndex = 0;
    }),
  );

  return {
    refresh,
    reset() {
      generation += 1;
      dropTiles(tiles, new Set());
      el.cameras.dataset.count = '0';
      el.cameras.dataset.total = '0';
      el.info.textContent = '';
      el.empty.hidden = true;
      cursors = [''];
      pageIndex = 0;
      nextCursor = null;
    },
  };
}
