// The live dashboard: a plain browser ES module (no build step). hls.js (window.Hls) and uPlot (window.uPlot) are
// classic scripts from /vendor/. Everything refreshes every few seconds from /api/dashboard/*; the gateway caches
// those answers for a moment, so many open dashboards do not multiply its DynamoDB reads.
//
// Stable hooks for browser tests: #dashboard[data-state][data-refreshes], #cameras[data-count] with
// [data-camera="<name>"] tiles holding a <video>, #device-table[data-count] with tr[data-device], #rollup-chart
// and #lag-chart [data-points], #ingest-rate[data-value], #max-lag[data-value]; the data-streams panel's hooks are
// in data-streams.js.

import { apiJson, bindSignIn, credential, errorMessage, NotSignedInError } from './auth.js';
import { byId, make } from './dom.js';
import { fmt, formatAge, formatLag } from './format.js';
import { createDataStreamsPanel } from './data-streams.js';
import { lowLatencyConfig } from './low-latency.js';

/** @typedef {import('../public-api').DashboardConfig} DashboardConfig */
/** @typedef {import('../public-api').DashboardCamera} DashboardCamera */
/** @typedef {import('../public-api').DevicesResponse} DevicesResponse */
/** @typedef {import('../public-api').RollupsResponse} RollupsResponse */
/** @typedef {import('../public-api').ConsumersView} ConsumersView */
/** @typedef {import('../public-api').PlaybackSession} PlaybackSession */
/** @typedef {import('uplot')} UPlot */

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

const el = {
  dashboard: byId('dashboard', HTMLElement),
  status: byId('dashboard-status', HTMLElement),
  cameras: byId('cameras', HTMLElement),
  camerasEmpty: byId('cameras-empty', HTMLElement),
  consumersPanel: byId('consumers-panel', HTMLElement),
  ingestRate: byId('ingest-rate', HTMLOutputElement),
  maxLag: byId('max-lag', HTMLOutputElement),
  lagChart: byId('lag-chart', HTMLElement),
  consumerTable: byId('consumer-table', HTMLTableElement),
  rollupsPanel: byId('rollups-panel', HTMLElement),
  rollupDevice: byId('rollup-device', HTMLElement),
  rollupMetric: byId('rollup-metric', HTMLSelectElement),
  rollupMinutes: byId('rollup-minutes', HTMLSelectElement),
  rollupChart: byId('rollup-chart', HTMLElement),
  rollupEmpty: byId('rollup-empty', HTMLElement),
  devicesPanel: byId('devices-panel', HTMLElement),
  devicesNote: byId('devices-note', HTMLElement),
  deviceTable: byId('device-table', HTMLTableElement),
};

const LAG_HISTORY = 150; // points kept on the lag chart: 5 minutes at the default 2-s refresh
const CHART_HEIGHT = 240;
const SHARD_COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
const state = {
  /** @type {DashboardConfig | null} */
  config: null,
  timer: 0,
  busy: false,
  /** @type {string[]} this refresh's panel failures */
  errors: [],
  refreshes: 0,
  /** @type {Map<string, CameraTile>} by stream name */
  cameras: new Map(),
  device: '',
  rollup: {
    /** @type {UPlot | null} */
    chart: null,
    key: '',
  },
  lag: {
    /** @type {UPlot | null} */
    chart: null,
    /** @type {string[]} the shards the chart was built for */
    shards: [],
    /** @type {number[]} sample times, epoch seconds */
    t: [],
    /** @type {Map<string, Array<number | null>>} ms behind latest per shard, one per sample time */
    values: new Map(),
    lastSampledAt: 0,
  },
};

/** The dashboard API's answers (GET, typed as public-api.d.ts declares them). */
const dashboardApi = {
  /** @returns {Promise<DashboardConfig>} */
  config: () => apiJson('/api/dashboard'),
  /** @returns {Promise<{ cameras: DashboardCamera[] }>} */
  cameras: () => apiJson('/api/dashboard/cameras'),
  /** @returns {Promise<DevicesResponse>} */
  devices: () => apiJson('/api/dashboard/devices'),
  /** @returns {Promise<ConsumersView>} */
  consumers: () => apiJson('/api/dashboard/consumers'),
  /**
   * @param {string} deviceId
   * @param {string} minutes
   * @returns {Promise<RollupsResponse>}
   */
  rollups: (deviceId, minutes) => apiJson(`/api/dashboard/devices/${encodeURIComponent(deviceId)}/rollups?minutes=${encodeURIComponent(minutes)}`),
};

// ---- small helpers -------------------------------------------------------------------------------------------

/**
 * @param {string} text
 * @param {'info' | 'error'} [kind]
 */
function setStatus(text, kind = 'info') {
  el.status.textContent = text;
  el.status.dataset.state = kind;
}

/** @param {HTMLElement} container */
function chartWidth(container) {
  return Math.max(280, Math.floor(container.getBoundingClientRect().width || container.clientWidth || 600));
}

/**
 * A uPlot chart as wide as its container; an Error (shown as the panel's failure) when uPlot did not load.
 * @param {Omit<import('uplot').Options, 'width' | 'height'>} options
 * @param {import('uplot').AlignedData} data
 * @param {HTMLElement} container
 * @returns {UPlot}
 */
function createChart(options, data, container) {
  const UPlot = window.uPlot;
  if (!UPlot) throw new Error('the chart library (uPlot) did not load');
  return new UPlot({ ...options, width: chartWidth(container), height: CHART_HEIGHT }, data, container);
}

/**
 * @param {UPlot | null} chart
 * @param {HTMLElement} container
 */
function resizeChart(chart, container) {
  if (chart) chart.setSize({ width: chartWidth(container), height: CHART_HEIGHT });
}

// ---- cameras --------------------------------------------------------------------------------------------------

/** @type {Array<[key: string, label: string]>} */
const FIGURES = [
  ['fps', 'fragments/s'],
  ['ack50', 'ack p50'],
  ['ack99', 'ack p99'],
  ['age', 'last fragment'],
  ['bitrate', 'bitrate'],
  ['spool', 'spooled'],
];

/**
 * @param {string} name
 * @returns {CameraTile}
 */
function cameraTile(name) {
  const video = make('video', { muted: '', autoplay: '', playsinline: '', dataset: { state: 'idle' } });
  video.muted = true; // the attribute alone does not make autoplay muted in every browser
  const badge = make('span', { class: 'badge', dataset: { state: 'unknown' }, text: '…' });
  const figures = make(
    'dl',
    {},
    FIGURES.map(([key, label]) => make('div', {}, [make('dt', { text: label }), make('dd', { dataset: { figure: key }, text: '–' })])),
  );
  const tile = make('article', { class: 'camera', dataset: { camera: name } }, [make('h3', {}, [make('span', { text: name }), badge]), video, figures]);
  video.addEventListener('playing', () => (video.dataset.state = 'playing'));
  video.addEventListener('waiting', () => (video.dataset.state = 'buffering'));
  return { tile, video, badge, hls: null, renewTimer: 0, retryAt: 0, starting: false };
}

/** @param {CameraTile} cam */
function stopVideo(cam) {
  clearTimeout(cam.renewTimer);
  if (cam.hls) cam.hls.destroy();
  cam.hls = null;
}

/**
 * A live proxied session through the gateway, played muted by hls.js; retried a few seconds after a failure.
 * @param {string} name
 * @param {CameraTile} cam
 */
async function startVideo(name, cam) {
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
    if (state.cameras.get(name) !== cam) return; // the tile went while we waited
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
        void startVideo(name, cam);
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
 * @param {HTMLElement} tile
 * @param {string} key
 * @param {string} text
 */
function setFigure(tile, key, text) {
  const dd = tile.querySelector(`[data-figure="${key}"]`);
  if (dd) dd.textContent = text;
}

/** @param {DashboardCamera[]} cameras */
function renderCameras(cameras) {
  const names = new Set(cameras.map((c) => c.name));
  for (const [name, cam] of state.cameras) {
    if (!names.has(name)) {
      stopVideo(cam);
      cam.tile.remove();
      state.cameras.delete(name);
    }
  }
  for (const c of cameras) {
    let cam = state.cameras.get(c.name);
    if (!cam) {
      cam = cameraTile(c.name);
      state.cameras.set(c.name, cam);
      el.cameras.append(cam.tile);
    }
    const p = c.producer;
    const h = c.health;
    const stateName = p ? (p.stale ? 'stale' : p.state) : h ? h.status : 'unknown';
    cam.badge.dataset.state = stateName;
    cam.badge.textContent = stateName;
    cam.tile.dataset.state = stateName;
    // The producer reports every few seconds; KVS' newest fragment may be fresher: the younger of the two ages.
    const ages = [p ? p.lastFragmentAgeMs : null, h && h.lastFragmentAt ? Math.max(0, Date.now() - Date.parse(h.lastFragmentAt)) : null].filter((a) => a !== null);
    const lastFragmentAge = ages.length > 0 ? Math.min(...ages) : null;
    setFigure(cam.tile, 'fps', fmt(p ? p.fragmentsPerSecond : h && h.fragmentsPerSecond, 2));
    setFigure(cam.tile, 'ack50', p && p.ackLatencyP50Ms !== undefined ? `${Math.round(p.ackLatencyP50Ms)} ms` : '–');
    setFigure(cam.tile, 'ack99', p && p.ackLatencyP99Ms !== undefined ? `${Math.round(p.ackLatencyP99Ms)} ms` : '–');
    setFigure(cam.tile, 'age', formatAge(lastFragmentAge));
    setFigure(cam.tile, 'bitrate', p ? `${Math.round(p.bitrateKbps)} kbit/s` : h ? `${Math.round(h.bitrateBps / 1000)} kbit/s` : '–');
    setFigure(cam.tile, 'spool', p ? String(p.spooledFragments) : '–');
    // Its only rejection is NotSignedInError, which the refresh notices itself (the credential is gone then).
    startVideo(c.name, cam).catch(() => undefined);
  }
  el.cameras.dataset.count = String(cameras.length);
  el.camerasEmpty.hidden = cameras.length > 0;
}

// ---- devices --------------------------------------------------------------------------------------------------

const MAX_METRIC_COLUMNS = 8;

/** @param {DevicesResponse} view */
function renderDevices({ devices, truncated, skipped }) {
  const metricNames = [...new Set(devices.flatMap((d) => Object.keys(d.metrics)))].sort().slice(0, MAX_METRIC_COLUMNS);
  const thead = el.deviceTable.createTHead();
  const head = thead.rows[0] ?? thead.insertRow();
  head.replaceChildren(
    make('th', { text: 'Device' }),
    make('th', { class: 'num', text: 'Age' }),
    make('th', { class: 'num', text: 'seq' }),
    ...metricNames.map((m) => make('th', { class: 'num', text: m })),
  );
  const now = Date.now();
  const rows = devices.map((d) => {
    const tr = make('tr', { dataset: { device: d.deviceId }, 'aria-selected': String(d.deviceId === state.device), tabindex: '0' }, [
      make('td', { text: d.deviceId }),
      make('td', { class: 'num', text: formatAge(now - d.ts) }),
      make('td', { class: 'num', text: String(d.seq) }),
      ...metricNames.map((m) => make('td', { class: 'num', text: d.metrics[m] === undefined ? '' : fmt(d.metrics[m], 2) })),
    ]);
    tr.addEventListener('click', () => selectDevice(d.deviceId));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') selectDevice(d.deviceId);
    });
    return tr;
  });
  el.deviceTable.tBodies[0].replaceChildren(...rows);
  el.deviceTable.dataset.count = String(devices.length);
  el.devicesNote.textContent = `${devices.length}${truncated ? '+ (first pages only)' : ''}${skipped ? ` · ${skipped} unreadable` : ''}`;
  // Something to look at without a click: the first device's rollups.
  if (!state.device && devices.length > 0) selectDevice(devices[0].deviceId);
}

/** @param {string} id */
function selectDevice(id) {
  state.device = id;
  el.rollupDevice.textContent = id;
  el.rollupDevice.dataset.device = id;
  for (const tr of el.deviceTable.tBodies[0].rows) tr.setAttribute('aria-selected', String(tr.dataset.device === id));
  if (state.config && state.config.panels.rollups) void loadRollups().catch(reportError('rollups'));
}

// ---- rollup chart ---------------------------------------------------------------------------------------------

async function loadRollups() {
  if (!state.device) return;
  const minutes = el.rollupMinutes.value;
  renderRollups(await dashboardApi.rollups(state.device, minutes));
}

/** @param {RollupsResponse} r */
function renderRollups(r) {
  if (r.deviceId !== state.device) return;
  const current = el.rollupMetric.value;
  if ([...el.rollupMetric.options].map((o) => o.value).join() !== r.metrics.join()) {
    el.rollupMetric.replaceChildren(...r.metrics.map((m) => make('option', { value: m, text: m })));
    if (r.metrics.includes(current)) el.rollupMetric.value = current;
  }
  const metric = el.rollupMetric.value;
  const s = r.series[metric];
  el.rollupEmpty.hidden = Boolean(s);
  /** @type {import('uplot').AlignedData} */
  const data = s ? [s.t.map((t) => t / 1000), s.min, s.max, s.mean] : [[], [], [], []];
  const key = `${r.deviceId}|${metric}`;
  if (!state.rollup.chart || state.rollup.key !== key) {
    if (state.rollup.chart) state.rollup.chart.destroy();
    state.rollup.key = key;
    state.rollup.chart = null;
    state.rollup.chart = createChart(
      {
        scales: { x: { time: true } },
        series: [
          {},
          { label: 'min', stroke: '#93c5fd', width: 1 },
          { label: 'max', stroke: '#93c5fd', width: 1 },
          { label: `${metric} (minute mean)`, stroke: '#1d4ed8', width: 2, points: { show: true, size: 4 } },
        ],
        bands: [{ series: [2, 1], fill: 'rgba(37, 99, 235, 0.15)' }],
        axes: [{}, { size: 60 }],
      },
      data,
      el.rollupChart,
    );
  } else {
    state.rollup.chart.setData(data);
  }
  el.rollupChart.dataset.points = String(data[0].length);
  el.rollupChart.dataset.device = r.deviceId;
  el.rollupChart.dataset.metric = metric;
}

// ---- consumers: lag chart and ingest rate ---------------------------------------------------------------------

/** @param {ConsumersView} view */
function renderConsumers(view) {
  el.ingestRate.textContent = view.recordsPerSecond === null ? '–' : fmt(view.recordsPerSecond, 1);
  el.ingestRate.dataset.value = view.recordsPerSecond === null ? '' : String(view.recordsPerSecond);
  el.maxLag.textContent = formatLag(view.maxMillisBehindLatest);
  el.maxLag.dataset.value = view.maxMillisBehindLatest === null ? '' : String(view.maxMillisBehindLatest);
  el.consumerTable.tBodies[0].replaceChildren(
    ...view.shards.map((s) =>
      make('tr', { dataset: { shard: s.shardId } }, [
        make('td', { text: s.shardId }),
        make('td', { text: s.owner || '(free)' }),
        make('td', { class: 'num', text: formatLag(s.millisBehindLatest) }),
        make('td', { class: 'num', text: fmt(s.recordsPerSecond, 1) }),
        make('td', { text: s.checkpoint.length > 16 ? `…${s.checkpoint.slice(-12)}` : s.checkpoint, title: s.checkpoint }),
      ]),
    ),
  );
  el.consumerTable.dataset.count = String(view.shards.length);
  if (view.sampledAt !== state.lag.lastSampledAt) addLagSample(view);
}

/**
 * The lag history is the page's own: one point per fresh sample of the (cached) lease table, one series per shard
 * ever seen (null before it appeared and after it went).
 * @param {ConsumersView} view
 */
function addLagSample(view) {
  const lag = state.lag;
  lag.lastSampledAt = view.sampledAt;
  for (const s of view.shards) if (!lag.values.has(s.shardId)) lag.values.set(s.shardId, lag.t.map(() => null));
  lag.t.push(view.sampledAt / 1000);
  for (const [id, values] of lag.values) {
    const shard = view.shards.find((s) => s.shardId === id);
    values.push(shard ? shard.millisBehindLatest : null);
  }
  if (lag.t.length > LAG_HISTORY) {
    lag.t.shift();
    for (const values of lag.values.values()) values.shift();
  }
  const ids = [...lag.values.keys()];
  /** @type {import('uplot').AlignedData} */
  const data = [lag.t, ...lag.values.values()];
  if (!lag.chart || lag.shards.join() !== ids.join()) {
    if (lag.chart) lag.chart.destroy();
    lag.shards = ids;
    lag.chart = null;
    lag.chart = createChart(
      {
        scales: { x: { time: true } },
        series: [{}, ...ids.map((id, i) => ({ label: id.replace(/^shardId-0*(?=\d)/, 'shard '), stroke: SHARD_COLOURS[i % SHARD_COLOURS.length], width: 1.5, spanGaps: true }))],
        axes: [{}, { size: 60, label: 'ms behind latest' }],
      },
      data,
      el.lagChart,
    );
  } else {
    lag.chart.setData(data);
  }
  el.lagChart.dataset.points = String(lag.t.length);
}

// ---- refresh loop ---------------------------------------------------------------------------------------------

/**
 * A panel's failure: noted for this refresh's status line; the other panels still update.
 * @param {string} what
 */
const showError = (what) => (/** @type {unknown} */ err) => {
  if (err instanceof NotSignedInError) return;
  state.errors.push(`${what}: ${errorMessage(err)}`);
};

/**
 * Outside the refresh loop (a click): say it at once.
 * @param {string} what
 */
const reportError = (what) => (/** @type {unknown} */ err) => {
  if (!(err instanceof NotSignedInError)) setStatus(`${what}: ${errorMessage(err)}`, 'error');
};

async function loadConfig() {
  const config = await dashboardApi.config();
  state.config = config;
  const { panels } = config;
  el.devicesPanel.hidden = !panels.devices;
  el.rollupsPanel.hidden = !panels.rollups;
  el.consumersPanel.hidden = !panels.consumers;
  dataStreams.show(panels.dataStreams);
  return config;
}

/**
 * One request per panel this principal has, in parallel; a panel's failure does not stop the others.
 * @param {DashboardConfig['panels']} panels
 */
function loadPanels(panels) {
  /** @type {Promise<void>[]} */
  const tasks = [
    dashboardApi
      .cameras()
      .then((r) => renderCameras(r.cameras))
      .catch(showError('cameras')),
  ];
  if (panels.devices) tasks.push(dashboardApi.devices().then(renderDevices).catch(showError('devices')));
  if (panels.consumers) tasks.push(dashboardApi.consumers().then(renderConsumers).catch(showError('consumers')));
  if (panels.dataStreams) tasks.push(dataStreams.refresh().catch(showError('data streams')));
  if (panels.rollups && state.device) tasks.push(loadRollups().catch(showError('rollups')));
  return Promise.all(tasks);
}

async function refresh() {
  if (state.busy || !credential()) return;
  state.busy = true;
  state.errors = [];
  try {
    const config = state.config ?? (await loadConfig());
    await loadPanels(config.panels);
    if (!credential()) throw new NotSignedInError('');
    setAuth('signed-in', 'Signed in.');
    el.dashboard.dataset.state = 'live';
    state.refreshes += 1;
    el.dashboard.dataset.refreshes = String(state.refreshes);
    if (state.errors.length > 0) setStatus(state.errors.join(' · '), 'error');
    else setStatus(`Updated ${new Date().toLocaleTimeString()}.`);
  } catch (err) {
    if (err instanceof NotSignedInError) {
      setAuth('rejected', `Sign-in refused${err.detail ? `: ${err.detail}` : ''}`);
      stop();
    } else {
      setStatus(`Refresh failed: ${errorMessage(err)}`, 'error');
    }
  } finally {
    state.busy = false;
  }
}

function start() {
  stop();
  void refresh().then(() => {
    if (!credential() || state.timer) return; // refused (or signed out) meanwhile
    const period = (state.config && state.config.refreshMs) || 2_000;
    state.timer = setInterval(() => void refresh(), period);
  });
}

function stop() {
  clearInterval(state.timer);
  state.timer = 0;
}

function reset() {
  stop();
  for (const cam of state.cameras.values()) stopVideo(cam);
  state.cameras.clear();
  el.cameras.replaceChildren();
  el.cameras.dataset.count = '0';
  state.config = null;
  state.device = '';
  dataStreams.reset();
  el.dashboard.dataset.state = 'signed-out';
}

const dataStreams = createDataStreamsPanel({ onError: reportError('data streams') });
const setAuth = bindSignIn({ onSignIn: start, onSignOut: reset });

el.rollupMetric.addEventListener('change', () => void loadRollups().catch(reportError('rollups')));
el.rollupMinutes.addEventListener('change', () => void loadRollups().catch(reportError('rollups')));
window.addEventListener('resize', () => {
  resizeChart(state.rollup.chart, el.rollupChart);
  resizeChart(state.lag.chart, el.lagChart);
});
