// The gateway's web player: a plain browser ES module (no build step). hls.js is loaded by index.html as a classic
// script (window.Hls). Element ids and data attributes are stable: the browser end-to-end tests drive them.
//
// The credential (an API key or a JWT) lives in sessionStorage only (auth.js, shared with the dashboard): it goes
// with API calls as a header, never in a URL. Playback URLs carry their own short-lived token (proxied) or KVS
// session (direct), so hls.js needs none.
//
// Times: every time shown is local, 24-hour (time-format.js). The time on screen is hls.js's `playingDate`, the
// program date-time of the frame shown, i.e. the producer (capture) timestamp: snapshots and clips are of it.

import { api as authedApi, ApiError, bindSignIn, credential, NotSignedInError } from './auth.js';
import { byId, make } from './dom.js';
import { lowLatencyConfig, startLatencyChase } from './low-latency.js';
import { disabledReason, explainFailure, explainPlaybackError, modeText } from './player-messages.js';
import { healthText, StreamList } from './stream-list.js';
import { formatClock, formatDay, formatDuration, formatTime, parseTime } from './time-format.js';
import { orderedRange, presetRequest, WINDOWS } from './timeline-model.js';
import { TimelineView } from './timeline-view.js';

/** @typedef {import('../public-api').PlaybackSession} PlaybackSession */
/** @typedef {import('../public-api').RecordingTimeline} RecordingTimeline */
/** @typedef {import('./stream-list.js').StreamEntry} StreamEntry */
/** @typedef {import('./player-messages.js').Action} Action */
/** @typedef {{ mode: 'LIVE' | 'LIVE_REPLAY' | 'ON_DEMAND'; start?: number; end?: number }} Request */

const el = {
  selected: byId('selected-stream', HTMLElement),
  video: byId('player', HTMLVideoElement),
  stageMessage: byId('stage-message', HTMLElement),
  mode: byId('mode', HTMLOutputElement),
  playingTime: byId('playing-time', HTMLOutputElement),
  latency: byId('latency', HTMLOutputElement),
  health: byId('health', HTMLOutputElement),
  status: byId('status', HTMLElement),
  delivery: byId('delivery', HTMLSelectElement),
  playLive: byId('play-live', HTMLButtonElement),
  playLast5m: byId('play-last5m', HTMLButtonElement),
  playLast1h: byId('play-last1h', HTMLButtonElement),
  gotoForm: byId('goto-form', HTMLFormElement),
  gotoTime: byId('goto-time', HTMLInputElement),
  gotoHint: byId('goto-hint', HTMLElement),
  playGoto: byId('play-goto', HTMLButtonElement),
  timeline: byId('timeline', HTMLElement),
  timelineWindow: byId('timeline-window', HTMLSelectElement),
  timelineSummary: byId('timeline-summary', HTMLElement),
  timelineStatus: byId('timeline-status', HTMLElement),
  markIn: byId('mark-in', HTMLButtonElement),
  markOut: byId('mark-out', HTMLButtonElement),
  clipRange: byId('clip-range', HTMLOutputElement),
  clip: byId('clip', HTMLButtonElement),
  snapshot: byId('snapshot', HTMLButtonElement),
  toolStatus: byId('tool-status', HTMLElement),
  snapshotFigure: byId('snapshot-figure', HTMLElement),
  snapshotImage: byId('snapshot-image', HTMLImageElement),
  snapshotCaption: byId('snapshot-caption', HTMLElement),
  whyDisabled: byId('why-disabled', HTMLElement),
};

const state = {
  stream: '',
  /** @type {StreamEntry | null} */
  entry: null,
  /** @type {import('hls.js').default | null} */
  hls: null,
  /** @type {(() => void) | null} stops startLatencyChase (low-latency.js) */
  stopChase: null,
  renewTimer: 0,
  /** @type {Request | null} what is playing */
  request: null,
  /** @type {number | null} producer time of the frame on screen */
  playingMs: null,
  /** @type {{ start: number; end: number } | null} */
  clipRange: null,
  /** @type {string[]} object URLs of clips and snapshots, the newest few kept */
  objectUrls: [],
};

// ---- messages and API calls -----------------------------------------------------------------------------------

/**
 * @param {HTMLElement} node
 * @param {string} text
 * @param {'info' | 'error'} [kind]
 */
function say(node, text, kind = 'info') {
  node.textContent = text;
  node.dataset.state = kind;
}

/** @param {string} text @param {'info' | 'error'} [kind] */
const setStatus = (text, kind) => say(el.status, text, kind);

/** @param {unknown} err @returns {import('./player-messages.js').Failure} */
function failureOf(err) {
  if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message };
  return { message: err instanceof Error ? err.message : String(err) };
}

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

const streamPath = (/** @type {string} */ suffix) => `/api/streams/${encodeURIComponent(state.stream)}/${suffix}`;

// ---- controls: enabled or why not -----------------------------------------------------------------------------

/** Enables each control or disables it with the reason as its title and description (aria-describedby). */
function updateControls() {
  const s = {
    signedIn: document.body.dataset.auth === 'signed-in',
    stream: state.stream,
    playing: state.playingMs !== null,
    live: state.request?.mode === 'LIVE',
    clipRange: state.clipRange !== null,
  };
  /** @type {Array<[HTMLButtonElement, 'play' | 'snapshot' | 'clip' | 'mark']>} */
  const controls = [
    [el.playLive, 'play'],
    [el.playLast5m, 'play'],
    [el.playLast1h, 'play'],
    [el.playGoto, 'play'],
    [el.markIn, 'mark'],
    [el.markOut, 'mark'],
    [el.clip, 'clip'],
    [el.snapshot, 'snapshot'],
  ];
  for (const [button, kind] of controls) {
    const why = disabledReason(kind, s);
    button.disabled = why !== '';
    const whyId = `${button.id}-why`;
    let note = document.getElementById(whyId);
    if (!note) el.whyDisabled.append((note = make('span', { id: whyId })));
    note.textContent = why;
    if (why) {
      button.title = why;
      button.setAttribute('aria-describedby', whyId);
    } else {
      button.removeAttribute('title');
      button.removeAttribute('aria-describedby');
    }
  }
}

// ---- camera list ----------------------------------------------------------------------------------------------

const streamList = new StreamList(
  {
    list: byId('streams', HTMLUListElement),
    search: byId('stream-search', HTMLInputElement),
    more: byId('more-streams', HTMLButtonElement),
    count: byId('stream-count', HTMLElement),
    status: byId('streams-status', HTMLElement),
  },
  {
    fetchPage: async (query) => (await api(`/api/streams?${query}`)).json(),
    onPick: (entry) => selectStream(entry),
    selected: () => state.stream,
    onError: (err) => {
      if (!(err instanceof NotSignedInError)) say(byId('streams-status', HTMLElement), explainFailure('list', failureOf(err)), 'error');
    },
  },
);

async function loadStreams() {
  if (!credential()) return;
  await streamList.reload();
  if (document.body.dataset.auth !== 'signed-in' && credential()) setAuth('signed-in', 'Signed in.');
  if (state.stream) state.entry = streamList.entry(state.stream) ?? state.entry;
  updateControls();
}

/** @param {StreamEntry} entry */
function selectStream(entry) {
  state.entry = entry;
  if (entry.name === state.stream) return; // picked again: whatever plays goes on
  stopPlayback();
  state.clipRange = null;
  timelineView.setSelection(null);
  showClipRange();
  el.snapshotFigure.hidden = true;
  say(el.toolStatus, '');
  state.stream = entry.name;
  el.selected.textContent = entry.name;
  el.selected.dataset.stream = entry.name;
  streamList.markSelected();
  el.gotoTime.value = formatTime(Date.now() - 60_000, Date.now());
  showOnStage('Press Live to watch, or pick a recorded time on the timeline below.', 'info');
  updateControls();
  void loadTimeline();
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
  state.request = null;
  state.playingMs = null;
  el.mode.textContent = modeText(null, Date.now());
  el.mode.dataset.mode = '';
  say(el.latency, '–');
  el.latency.dataset.ms = '';
  el.playingTime.textContent = '–';
  el.playingTime.dataset.ms = '';
  timelineView.setPlayhead(null);
}

/**
 * @param {Request} request
 * @returns {Promise<PlaybackSession>}
 */
async function createSession(request) {
  const delivery = el.delivery.value;
  const body = { mode: request.mode, ...(request.start !== undefined ? { start: request.start } : {}), ...(request.end !== undefined ? { end: request.end } : {}) };
  const res = await api(streamPath('playback'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(delivery ? { ...body, delivery } : body),
  });
  return res.json();
}

/**
 * @param {string} text
 * @param {'info' | 'error'} kind
 */
function showOnStage(text, kind) {
  el.stageMessage.textContent = text;
  el.stageMessage.dataset.state = kind;
  el.stageMessage.hidden = false;
  // Said once, on the video (a live region); the line under the readouts would only repeat it.
  setStatus(kind === 'error' ? '' : text, kind);
}

/** @param {Request} request */
async function play(request) {
  if (!state.stream) return;
  stopPlayback();
  const live = request.mode === 'LIVE';
  state.request = request;
  el.mode.textContent = modeText(request, Date.now());
  el.mode.dataset.mode = request.mode;
  showOnStage(`Opening ${live ? 'live video' : 'the recording'} of ${state.stream}…`, 'info');
  let session;
  try {
    session = await createSession(request);
  } catch (err) {
    if (state.request !== request) return;
    state.request = null;
    el.mode.textContent = modeText(null, Date.now());
    showOnStage(explainFailure(live ? 'live' : 'play', failureOf(err)), 'error');
    el.video.dataset.state = 'error';
    return;
  }
  if (state.request !== request) return; // another play() started meanwhile
  el.video.dataset.mode = request.mode;
  el.video.dataset.delivery = session.delivery;
  attach(session, request);
  if (live) {
    // Renew a little before the session ends, so a long watch does not stop.
    const renewIn = Date.parse(session.expiresAt) - Date.now() - 20_000;
    if (renewIn > 0) state.renewTimer = setTimeout(() => void play(request), renewIn);
  }
}

/**
 * @param {PlaybackSession} session
 * @param {Request} request
 */
function attach(session, request) {
  const live = request.mode === 'LIVE';
  const Hls = window.Hls;
  if (!Hls || !Hls.isSupported()) {
    if (el.video.canPlayType('application/vnd.apple.mpegurl')) {
      el.video.src = session.url; // Safari plays HLS natively
      el.video.play().catch(() => showOnStage('Press play to start (the browser blocked autoplay).', 'info'));
    } else {
      showOnStage('This browser cannot play the video (it has no Media Source Extensions).', 'error');
    }
    return;
  }
  // Live: low-latency tuning, playlist polling and latency chasing (low-latency.js).
  const hls = new Hls(live ? lowLatencyConfig(Hls) : REPLAY_CONFIG);
  state.hls = hls;
  if (live) state.stopChase = startLatencyChase(hls, el.video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    el.video.play().catch(() => showOnStage('Press play to start (the browser blocked autoplay).', 'info'));
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    const status = data.response ? data.response.code : undefined;
    // An expired live session (403 from KVS or the gateway): start over with a new one.
    if (live && (status === 401 || status === 403)) {
      void play(request);
      return;
    }
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      hls.recoverMediaError();
      return;
    }
    showOnStage(explainPlaybackError({ type: data.type, details: data.details, ...(status ? { status } : {}) }, live), 'error');
    el.video.dataset.state = 'error';
    el.mode.textContent = modeText(null, Date.now());
  });
  hls.loadSource(session.url);
  hls.attachMedia(el.video);
}

el.video.addEventListener('playing', () => {
  el.video.dataset.state = 'playing';
  el.stageMessage.hidden = true;
  setStatus(`Playing ${state.stream}: ${modeText(state.request, Date.now()).toLowerCase()}.`);
});
el.video.addEventListener('waiting', () => {
  if (el.video.dataset.state === 'playing') el.video.dataset.state = 'buffering';
});
el.video.addEventListener('ended', () => {
  el.video.dataset.state = 'ended';
  setStatus('The replay reached its end. Pick another time on the timeline, or press Live.');
});

/** The readouts while playing: the time on screen, the delay behind the camera, the camera's health. */
function updateReadouts() {
  const date = state.hls && state.hls.playingDate;
  const now = Date.now();
  const was = state.playingMs;
  state.playingMs = date && state.request ? date.getTime() : null;
  if (state.playingMs !== null) {
    el.playingTime.textContent = formatTime(state.playingMs, now);
    el.playingTime.dataset.ms = String(state.playingMs);
    const behind = now - state.playingMs;
    if (state.request?.mode === 'LIVE' && !el.video.paused) {
      // Capture-to-screen latency: now minus the program date-time (producer timestamp) of the frame on screen.
      el.latency.textContent = `${(behind / 1000).toFixed(2)} s`;
      el.latency.dataset.ms = String(Math.round(behind));
    } else if (state.request?.mode !== 'LIVE') {
      el.latency.textContent = `${formatDuration(behind)} (replay)`;
      el.latency.dataset.ms = '';
    }
  }
  timelineView.setPlayhead(state.playingMs);
  const buffered = el.video.buffered.length ? el.video.buffered.end(el.video.buffered.length - 1) - el.video.currentTime : 0;
  const dropped = el.video.getVideoPlaybackQuality ? el.video.getVideoPlaybackQuality().droppedVideoFrames : 0;
  const playingStats = state.playingMs !== null ? ` · ${buffered.toFixed(1)} s buffered · ${dropped} dropped frames` : '';
  el.health.textContent = state.entry ? `${healthText(state.entry.health, now)}${playingStats}` : '–';
  el.video.dataset.currentTime = el.video.currentTime.toFixed(3);
  if ((was === null) !== (state.playingMs === null)) {
    updateControls();
    showClipRange();
  }
}
setInterval(updateReadouts, 250);

// ---- recording timeline ---------------------------------------------------------------------------------------

const timelineView = new TimelineView(el.timeline, {
  onSeek: (ms) => void play({ mode: 'LIVE_REPLAY', start: ms }),
  onSelect: (range) => setClipRange(range),
});

async function loadTimeline() {
  if (!state.stream) return;
  const stream = state.stream;
  // Windows end on a whole 5 s: viewers of one camera ask for the same window, which the gateway answers once.
  const to = Math.floor(Date.now() / 5000) * 5000;
  const from = to - (WINDOWS[/** @type {keyof typeof WINDOWS} */ (el.timelineWindow.value)] ?? WINDOWS['1h']);
  try {
    const res = await api(`${streamPath('timeline')}?${new URLSearchParams({ from: String(from), to: String(to) })}`);
    /** @type {RecordingTimeline} */
    const t = await res.json();
    if (stream !== state.stream) return;
    timelineView.render(t);
    if (state.clipRange) timelineView.setSelection(state.clipRange);
    const recorded = t.ranges.reduce((sum, r) => sum + (r.end - r.start), 0);
    el.timelineSummary.textContent =
      t.ranges.length === 0
        ? `Nothing recorded in the last ${formatDuration(to - from)}.`
        : `${formatDuration(recorded)} recorded · ${t.gaps.length === 1 ? '1 gap' : `${t.gaps.length} gaps`}${t.truncated ? ' · more fragments than shown: choose a shorter window' : ''}`;
    say(el.timelineStatus, '');
  } catch (err) {
    if (stream === state.stream) say(el.timelineStatus, explainFailure('timeline', failureOf(err)), 'error');
  }
}
el.timelineWindow.addEventListener('change', () => void loadTimeline());
setInterval(() => void loadTimeline(), 10_000);

// ---- clip and snapshot ----------------------------------------------------------------------------------------

/** @param {{ start: number; end: number } | null} range */
function setClipRange(range) {
  state.clipRange = range;
  timelineView.setSelection(range);
  showClipRange();
  updateControls();
}

/** The clip's range: the one chosen, else the 10 s before the time on screen, else none. */
function clipRangeNow() {
  if (state.clipRange) return state.clipRange;
  return state.playingMs !== null ? { start: state.playingMs - 10_000, end: state.playingMs } : null;
}

function showClipRange() {
  const r = state.clipRange;
  const now = Date.now();
  el.clipRange.textContent = r
    ? `Clip: ${formatTime(r.start, now)} – ${formatTime(r.end, now)} (${formatDuration(r.end - r.start)})`
    : 'Clip: the 10 s before the time on screen';
  el.clipRange.dataset.start = r ? String(r.start) : '';
  el.clipRange.dataset.end = r ? String(r.end) : '';
}

/** @param {'start' | 'end'} which */
function mark(which) {
  const at = state.playingMs;
  if (at === null) return;
  const r = state.clipRange;
  if (which === 'start') setClipRange(orderedRange(at, r && r.end > at ? r.end : at + 10_000));
  else setClipRange(orderedRange(r && r.start < at ? r.start : at - 10_000, at));
}

/** @param {string} url */
function keepUrl(url) {
  state.objectUrls.push(url);
  for (const old of state.objectUrls.splice(0, state.objectUrls.length - 4)) URL.revokeObjectURL(old);
  return url;
}

async function downloadClip() {
  const range = clipRangeNow();
  if (!range) return;
  const now = Date.now();
  say(el.toolStatus, `Preparing the clip ${formatTime(range.start, now)} – ${formatTime(range.end, now)}…`);
  el.clip.dataset.state = 'loading';
  try {
    const res = await api(`${streamPath('clip')}?${new URLSearchParams({ start: String(range.start), end: String(range.end) })}`);
    const blob = await res.blob();
    // Named in the page's one time format (local), not the gateway's UTC stamp.
    const name = `${state.stream}-${formatDay(range.start)}_${formatClock(range.start).replace(/:/g, '-')}.mp4`;
    const a = make('a', { href: keepUrl(URL.createObjectURL(blob)), download: name });
    document.body.append(a);
    a.click();
    a.remove();
    el.clip.dataset.state = 'done';
    el.clip.dataset.bytes = String(blob.size);
    el.clip.dataset.start = String(range.start);
    el.clip.dataset.end = String(range.end);
    say(el.toolStatus, `Clip downloaded: ${name} (${(blob.size / 1024).toFixed(0)} KiB).`);
  } catch (err) {
    el.clip.dataset.state = 'error';
    say(el.toolStatus, explainFailure('clip', failureOf(err)), 'error');
  }
}

async function takeSnapshot() {
  // The frame on screen (paused or playing); with nothing playing, the newest picture.
  const at = state.playingMs;
  const query = at !== null ? `?${new URLSearchParams({ at: String(at) })}` : '';
  say(el.toolStatus, 'Taking a snapshot…');
  el.snapshot.dataset.state = 'loading';
  try {
    const res = await api(`${streamPath('snapshot')}${query}`);
    const blob = await res.blob();
    el.snapshotImage.src = keepUrl(URL.createObjectURL(blob));
    el.snapshotImage.dataset.bytes = String(blob.size);
    const when = at !== null ? `at ${formatTime(at, Date.now())}, the picture on screen` : 'now, its newest picture';
    el.snapshotImage.alt = `Snapshot of ${state.stream} ${when}`;
    el.snapshotCaption.textContent = `${state.stream} ${when}`;
    el.snapshotFigure.dataset.at = at !== null ? String(at) : '';
    el.snapshotFigure.hidden = false;
    el.snapshot.dataset.state = 'done';
    say(el.toolStatus, 'Snapshot taken (below).');
  } catch (err) {
    el.snapshot.dataset.state = 'error';
    say(el.toolStatus, explainFailure('snapshot', failureOf(err)), 'error');
  }
}

// ---- wiring ---------------------------------------------------------------------------------------------------

const setAuth = bindSignIn({
  onSignIn: () => void loadStreams(),
  onSignOut: () => {
    stopPlayback();
    state.stream = '';
    state.entry = null;
    el.selected.textContent = 'No camera selected';
    el.selected.dataset.stream = '';
    streamList.clear();
    setStatus('');
    updateControls();
  },
});
byId('refresh-streams', HTMLButtonElement).addEventListener('click', () => void loadStreams());
for (const button of [el.playLive, el.playLast5m, el.playLast1h]) {
  const preset = /** @type {import('./timeline-model.js').Preset} */ (button.dataset.preset);
  button.addEventListener('click', () => void play(presetRequest(preset, Date.now())));
}
el.gotoForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const at = parseTime(el.gotoTime.value, Date.now());
  if (at === undefined) {
    say(el.gotoHint, 'Write a local time as HH:MM or HH:MM:SS (or YYYY-MM-DD HH:MM:SS).', 'error');
    el.gotoTime.setAttribute('aria-invalid', 'true');
    return;
  }
  say(el.gotoHint, 'local time, e.g. 10:02:30');
  el.gotoTime.removeAttribute('aria-invalid');
  void play({ mode: 'LIVE_REPLAY', start: at });
});
el.markIn.addEventListener('click', () => mark('start'));
el.markOut.addEventListener('click', () => mark('end'));
el.clip.addEventListener('click', () => void downloadClip());
el.snapshot.addEventListener('click', () => void takeSnapshot());
updateControls();
setInterval(() => void loadStreams(), 5000);
