// The gateway's web player: a plain browser ES module (no build step). hls.js is loaded by index.html as a classic
// script (window.Hls). Element ids and data attributes are stable: the browser end-to-end tests drive them.
//
// The credential (an API key or a JWT) lives in sessionStorage only (auth.js, shared with the dashboard): it goes
// with API calls as a header, never in a URL. Playback URLs carry their own short-lived token (proxied) or KVS
// session (direct), so hls.js needs none.

import { api as authedApi, bindSignIn, credential, errorMessage, NotSignedInError } from './auth.js';
import { byId } from './dom.js';
import { lowLatencyConfig, startLatencyChase } from './low-latency.js';

/** @typedef {import('../public-api').StreamHealth} StreamHealth */
/** @typedef {import('../public-api').StreamsResponse} StreamsResponse */
/** @typedef {import('../public-api').PlaybackRequest} PlaybackRequest */
/** @typedef {import('../public-api').PlaybackSession} PlaybackSession */

const el = {
  streams: byId('streams', HTMLUListElement),
  refresh: byId('refresh-streams', HTMLButtonElement),
  selected: byId('selected-stream', HTMLElement),
  video: byId('player', HTMLVideoElement),
  latency: byId('latency', HTMLOutputElement),
  mode: byId('mode', HTMLOutputElement),
  delivery: byId('delivery', HTMLSelectElement),
  playLive: byId('play-live', HTMLButtonElement),
  replayStart: byId('replay-start', HTMLInputElement),
  replayEnd: byId('replay-end', HTMLInputElement),
  playReplay: byId('play-replay', HTMLButtonElement),
  clip: byId('clip', HTMLButtonElement),
  snapshot: byId('snapshot', HTMLButtonElement),
  status: byId('status', HTMLElement),
  snapshotFigure: byId('snapshot-figure', HTMLElement),
  snapshotImage: byId('snapshot-image', HTMLImageElement),
  snapshotCaption: byId('snapshot-caption', HTMLElement),
};

const state = {
  stream: '',
  /** @type {import('hls.js').default | null} */
  hls: null,
  /** @type {(() => void) | null} stops startLatencyChase (low-latency.js) */
  stopChase: null,
  renewTimer: 0,
  /** @type {string[]} object URLs of clips and snapshots, the newest few kept */
  objectUrls: [],
};

// ---- credentials and API calls --------------------------------------------------------------------------------

/**
 * @param {string} path
 * @param {RequestInit} [init]
 */
async function api(path, init = {}) {
  try {
    return await authedApi(path, init);
  } catch (err) {
    if (err instanceof NotSignedInError) setAuth('rejected', `Sign-in refused: ${err.detail}`);
    throw err;
  }
}

/**
 * @param {string} text
 * @param {'info' | 'error'} [kind]
 */
function setStatus(text, kind = 'info') {
  el.status.textContent = text;
  el.status.dataset.state = kind;
}

// ---- stream list ----------------------------------------------------------------------------------------------

/** @param {StreamHealth | null} h */
function formatHealth(h) {
  if (!h) return 'health unavailable';
  const last = h.lastFragmentAt ? new Date(h.lastFragmentAt).toLocaleTimeString() : 'no recent fragment';
  const kbps = (h.bitrateBps / 1000).toFixed(0);
  return `${h.status} · last ${last} · ${h.fragmentsPerSecond.toFixed(2)} frag/s · ${kbps} kbit/s`;
}

/** @param {StreamsResponse['streams']} streams */
function renderStreams(streams) {
  el.streams.replaceChildren(
    ...streams.map((s) => {
      const li = document.createElement('li');
      li.dataset.stream = s.name;
      li.dataset.status = s.health ? s.health.status : 'unknown';
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(s.name === state.stream));
      li.tabIndex = 0;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = s.name;
      const health = document.createElement('span');
      health.className = 'health';
      health.textContent = formatHealth(s.health);
      li.append(name, health);
      li.addEventListener('click', () => selectStream(s.name));
      li.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') selectStream(s.name);
      });
      return li;
    }),
  );
  el.streams.dataset.count = String(streams.length);
}

async function loadStreams() {
  if (!credential()) return;
  try {
    const { streams } = /** @type {StreamsResponse} */ (await (await api('/api/streams')).json());
    setAuth('signed-in', `Signed in: ${streams.length} stream(s) readable.`);
    renderStreams(streams);
  } catch (err) {
    if (!(err instanceof NotSignedInError)) setStatus(`Could not list streams: ${errorMessage(err)}`, 'error');
  }
}

/** @param {string} name */
function selectStream(name) {
  state.stream = name;
  el.selected.textContent = name;
  el.selected.dataset.stream = name;
  for (const li of el.streams.querySelectorAll('li')) li.setAttribute('aria-selected', String(li.dataset.stream === name));
  for (const b of [el.playLive, el.playReplay, el.clip, el.snapshot]) b.disabled = false;
  setStatus(`Selected ${name}.`);
}

// ---- playback -------------------------------------------------------------------------------------------------

/** @type {Partial<import('hls.js').HlsConfig>} */
const REPLAY_CONFIG = { enableWorker: true, backBufferLength: 30, maxBufferLength: 30 };

function stopPlayback() {
  clearTimeout(state.renewTimer);
  if (state.stopChase) {
    state.stopChase();
    state.stopChase = null;
  }
  if (state.hls) {
    state.hls.destroy();
    state.hls = null;
  }
  el.video.removeAttribute('src');
  el.video.load();
  el.video.dataset.state = 'idle';
  el.latency.textContent = '–';
  el.latency.dataset.ms = '';
}

/**
 * @param {string} localValue a datetime-local input's value
 * @returns {string | undefined}
 */
function toIso(localValue) {
  if (!localValue) return undefined;
  const d = new Date(localValue);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * @param {PlaybackRequest} body
 * @returns {Promise<PlaybackSession>}
 */
async function createSession(body) {
  const delivery = el.delivery.value;
  const res = await api(`/api/streams/${encodeURIComponent(state.stream)}/playback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(delivery ? { ...body, delivery } : body),
  });
  return res.json();
}

/** @param {PlaybackRequest} body */
async function play(body) {
  if (!state.stream) return;
  stopPlayback();
  const live = body.mode === 'LIVE';
  setStatus(`Starting ${live ? 'live' : 'replay'} playback of ${state.stream}…`);
  let session;
  try {
    session = await createSession(body);
  } catch (err) {
    setStatus(`Playback refused: ${errorMessage(err)}`, 'error');
    el.video.dataset.state = 'error';
    return;
  }
  el.mode.textContent = `${body.mode} (${session.delivery})`;
  el.video.dataset.mode = body.mode;
  el.video.dataset.delivery = session.delivery;
  const Hls = window.Hls;
  if (Hls && Hls.isSupported()) {
    // Live: low-latency tuning, playlist polling and latency chasing (low-latency.js).
    const hls = new Hls(live ? lowLatencyConfig(Hls) : REPLAY_CONFIG);
    state.hls = hls;
    if (live) state.stopChase = startLatencyChase(hls, el.video);
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      el.video.play().catch(() => setStatus('Press play to start (autoplay was blocked).'));
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      const status = data.response && data.response.code;
      setStatus(`Playback error: ${data.details}${status ? ` (HTTP ${status})` : ''}`, 'error');
      el.video.dataset.state = 'error';
      // An expired session (403 from KVS or the gateway): start over with a new one.
      if (live && (status === 401 || status === 403)) void play(body);
      else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    });
    hls.loadSource(session.url);
    hls.attachMedia(el.video);
  } else if (el.video.canPlayType('application/vnd.apple.mpegurl')) {
    el.video.src = session.url; // Safari plays HLS natively
    el.video.play().catch(() => setStatus('Press play to start (autoplay was blocked).'));
  } else {
    setStatus('This browser cannot play HLS (no MediaSource).', 'error');
    return;
  }
  if (live) {
    // Renew a little before the session ends, so a long watch does not stop.
    const renewIn = Date.parse(session.expiresAt) - Date.now() - 20_000;
    if (renewIn > 0) state.renewTimer = setTimeout(() => void play(body), renewIn);
  }
}

el.video.addEventListener('playing', () => {
  el.video.dataset.state = 'playing';
  setStatus(`Playing ${state.stream}.`);
});
el.video.addEventListener('waiting', () => {
  if (el.video.dataset.state === 'playing') el.video.dataset.state = 'buffering';
});
el.video.addEventListener('ended', () => {
  el.video.dataset.state = 'ended';
});

/** Capture-to-screen latency: now minus the program date-time (producer timestamp) of the frame on screen. */
function updateLatency() {
  const hls = state.hls;
  const date = hls && hls.playingDate;
  if (date && el.video.dataset.mode === 'LIVE' && !el.video.paused) {
    const ms = Date.now() - date.getTime();
    el.latency.textContent = `${(ms / 1000).toFixed(2)} s`;
    el.latency.dataset.ms = String(Math.round(ms));
  }
  el.video.dataset.currentTime = el.video.currentTime.toFixed(3);
}
setInterval(updateLatency, 250);

// ---- clip and snapshot ----------------------------------------------------------------------------------------

/** The replay inputs, or the last ten seconds (ending two seconds ago, so the fragments are stored). */
function selectedRange() {
  const start = toIso(el.replayStart.value);
  const end = toIso(el.replayEnd.value);
  if (start && end) return { start, end };
  const now = Date.now();
  return { start: new Date(now - 12_000).toISOString(), end: new Date(now - 2_000).toISOString() };
}

/** @param {string} url */
function keepUrl(url) {
  state.objectUrls.push(url);
  for (const old of state.objectUrls.splice(0, state.objectUrls.length - 4)) URL.revokeObjectURL(old);
  return url;
}

async function downloadClip() {
  const { start, end } = selectedRange();
  setStatus(`Preparing the clip ${start} → ${end}…`);
  el.clip.dataset.state = 'loading';
  try {
    const res = await api(`/api/streams/${encodeURIComponent(state.stream)}/clip?${new URLSearchParams({ start, end })}`);
    const blob = await res.blob();
    const disposition = res.headers.get('Content-Disposition') || '';
    const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || `${state.stream}.mp4`;
    const a = document.createElement('a');
    a.href = keepUrl(URL.createObjectURL(blob));
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    el.clip.dataset.state = 'done';
    el.clip.dataset.bytes = String(blob.size);
    setStatus(`Clip downloaded: ${name} (${(blob.size / 1024).toFixed(0)} KiB).`);
  } catch (err) {
    el.clip.dataset.state = 'error';
    setStatus(`Clip failed: ${errorMessage(err)}`, 'error');
  }
}

async function takeSnapshot() {
  const start = toIso(el.replayStart.value);
  const query = start ? `?${new URLSearchParams({ at: start })}` : '';
  setStatus('Taking a snapshot…');
  el.snapshot.dataset.state = 'loading';
  try {
    const res = await api(`/api/streams/${encodeURIComponent(state.stream)}/snapshot${query}`);
    const blob = await res.blob();
    el.snapshotImage.src = keepUrl(URL.createObjectURL(blob));
    el.snapshotImage.dataset.bytes = String(blob.size);
    el.snapshotCaption.textContent = `${state.stream} at ${start || 'the newest fragment'}`;
    el.snapshotFigure.hidden = false;
    el.snapshot.dataset.state = 'done';
    setStatus('Snapshot taken.');
  } catch (err) {
    el.snapshot.dataset.state = 'error';
    setStatus(`Snapshot failed: ${errorMessage(err)}`, 'error');
  }
}

// ---- wiring ---------------------------------------------------------------------------------------------------

const setAuth = bindSignIn({
  onSignIn: () => void loadStreams(),
  onSignOut: () => {
    stopPlayback();
    state.stream = '';
    renderStreams([]);
  },
});
el.refresh.addEventListener('click', () => void loadStreams());
el.playLive.addEventListener('click', () => void play({ mode: 'LIVE' }));
el.playReplay.addEventListener('click', () => {
  const start = toIso(el.replayStart.value);
  const end = toIso(el.replayEnd.value);
  if (!start || !end) {
    setStatus('Give a start and an end to replay.', 'error');
    return;
  }
  void play({ mode: 'ON_DEMAND', start, end });
});
el.clip.addEventListener('click', () => void downloadClip());
el.snapshot.addEventListener('click', () => void takeSnapshot());

setInterval(() => void loadStreams(), 5000);
