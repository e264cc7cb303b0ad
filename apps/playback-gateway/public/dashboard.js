// The live dashboard: a plain browser ES module (no build step). hls.js (window.Hls) and uPlot (window.uPlot) are
// classic scripts from /vendor/. Everything refreshes every few seconds from /api/dashboard/*; the gateway caches
// those answers for a moment, so many open dashboards do not multiply its DynamoDB reads.
//
// The panels live in their own modules: camera-tiles.js (cameras), devices-panel.js (devices), data-streams.js (data
// streams); the charts' axes and legends in dashboard-charts.js. This one holds the consumer and rollup charts, the
// refresh loop and signing in and out.
//
// Stable hooks for browser tests: #dashboard[data-state=signed-out|live][data-refreshes], #rollup-chart,
// #lag-chart and #ingest-chart [data-points][data-from][data-to][data-ticks] with their legends #…-legend
// li[data-series][data-value], #ingest-rate[data-value], #max-lag[data-value], #consumer-table[data-count] with
// tr[data-shard]; the panels' own hooks are in their modules.

import { apiJson, bindSignIn, credential, errorMessage, NotSignedInError } from './auth.js';
import { byId, make } from './dom.js';
import { fmt, formatClock, formatLag } from './format.js';
import { createCameraPanel } from './camera-tiles.js';
import { createTimeChart } from './dashboard-charts.js';
import { createDataStreamsPanel } from './data-streams.js';
import { createDevicesPanel } from './devices-panel.js';

/** @typedef {import('../public-api').DashboardConfig} DashboardConfig */
/** @typedef {import('../public-api').RollupsResponse} RollupsResponse */
/** @typedef {import('../public-api').ConsumersView} ConsumersView */
/** @typedef {import('../src/dashboard/dashboard-views').ConsumerHistoryView} ConsumerHistoryView */
/** @typedef {import('./dashboard-charts.js').TimeChart} TimeChart */

const el = {
  dashboard: byId('dashboard', HTMLElement),
  status: byId('dashboard-status', HTMLElement),
  consumersPanel: byId('consumers-panel', HTMLElement),
  ingestRate: byId('ingest-rate', HTMLOutputElement),
  maxLag: byId('max-lag', HTMLOutputElement),
  ingestChart: byId('ingest-chart', HTMLElement),
  ingestLegend: byId('ingest-chart-legend', HTMLElement),
  lagChart: byId('lag-chart', HTMLElement),
  lagLegend: byId('lag-chart-legend', HTMLElement),
  consumerTable: byId('consumer-table', HTMLTableElement),
  rollupsPanel: byId('rollups-panel', HTMLElement),
  rollupDevice: byId('rollup-device', HTMLElement),
  rollupMetric: byId('rollup-metric', HTMLSelectElement),
  rollupMinutes: byId('rollup-minutes', HTMLSelectElement),
  rollupChart: byId('rollup-chart', HTMLElement),
  rollupLegend: byId('rollup-chart-legend', HTMLElement),
  rollupEmpty: byId('rollup-empty', HTMLElement),
  devicesPanel: byId('devices-panel', HTMLElement),
};

/** The consumer charts' window: the last 15 minutes of the gateway's history. */
const HISTORY_MINUTES = 15;
const SHARD_COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];

const state = {
  /** @type {DashboardConfig | null} */
  config: null,
  timer: 0,
  busy: false,
  /** Bumped at every sign-in and sign-out: a refresh that started before is stale and says nothing. */
  session: 0,
  /** @type {string[]} this refresh's panel failures */
  errors: [],
  refreshes: 0,
  device: '',
  rollup: emptyRollup(),
  consumers: emptyConsumers(),
};

/** @returns {{ chart: TimeChart | null; key: string }} */
function emptyRollup() {
  return { chart: null, key: '' };
}

/**
 * The consumer charts, the shards the lag chart was built for, and the gateway's history with each fresh sample
 * appended.
 * @returns {{ lagChart: TimeChart | null; ingestChart: TimeChart | null; shards: string[]; history: ConsumerHistoryView | null }}
 */
function emptyConsumers() {
  return { lagChart: null, ingestChart: null, shards: [], history: null };
}

/** The dashboard API's answers (GET, typed as public-api.d.ts and dashboard-views.ts declare them). */
const dashboardApi = {
  /** @returns {Promise<DashboardConfig>} */
  config: () => apiJson('/api/dashboard'),
  /** @returns {Promise<ConsumersView>} */
  consumers: () => apiJson('/api/dashboard/consumers'),
  /** @returns {Promise<ConsumerHistoryView>} */
  history: () => apiJson(`/api/dashboard/consumers/history?minutes=${HISTORY_MINUTES}`),
  /**
   * @param {string} deviceId
   * @param {string} minutes
   * @returns {Promise<RollupsResponse & { from: number; to: number }>}
   */
  rollups: (deviceId, minutes) => apiJson(`/api/dashboard/devices/${encodeURIComponent(deviceId)}/rollups?minutes=${encodeURIComponent(minutes)}`),
};

/**
 * @param {string} text
 * @param {'info' | 'error'} [kind]
 */
function setStatus(text, kind = 'info') {
  el.status.textContent = text;
  el.status.dataset.state = kind;
}

// ---- rollup chart ---------------------------------------------------------------------------------------------

/** @param {string} id */
function selectDevice(id) {
  state.device = id;
  el.rollupDevice.textContent = id;
  el.rollupDevice.dataset.device = id;
  if (state.config && state.config.panels.rollups) void loadRollups().catch(reportError('rollups'));
}

async function loadRollups() {
  if (!state.device) return;
  const session = state.session;
  const r = await dashboardApi.rollups(state.device, el.rollupMinutes.value);
  if (session === state.session) renderRollups(r);
}

/** @param {RollupsResponse & { from: number; to: number }} r */
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
  let chart = state.rollup.chart;
  if (!chart || state.rollup.key !== key) {
    chart?.destroy();
    chart = createTimeChart({
      container: el.rollupChart,
      legend: el.rollupLegend,
      series: [
        { label: 'min', stroke: '#60a5fa', width: 1 },
        { label: 'max', stroke: '#60a5fa', width: 1 },
        { label: `${metric || 'value'} (minute mean)`, stroke: '#1d4ed8', width: 2, points: true },
      ],
      bands: [[1, 2]],
      format: (v) => fmt(v, Math.abs(v) >= 100 ? 0 : 2),
      minStepSeconds: 60,
      maxGapSeconds: 90, // a minute without a closed window
    });
    state.rollup = { chart, key };
  }
  // The window asked for, whole minutes: a single closed minute sits inside it.
  chart.update(data, [Math.floor(r.from / 60_000) * 60, Math.ceil(r.to / 60_000) * 60]);
  el.rollupChart.dataset.device = r.deviceId;
  el.rollupChart.dataset.metric = metric;
}

// ---- consumers: ingest and lag charts, shard table ------------------------------------------------------------

/** @param {ConsumersView} view */
function renderConsumers(view) {
  el.ingestRate.textContent = view.recordsPerSecond === null ? '–' : fmt(view.recordsPerSecond, 1);
  el.ingestRate.dataset.value = view.recordsPerSecond === null ? '' : String(view.recordsPerSecond);
  el.maxLag.textContent = formatLag(view.maxMillisBehindLatest);
  el.maxLag.dataset.value = view.maxMillisBehindLatest === null ? '' : String(view.maxMillisBehindLatest);
  el.consumerTable.tBodies[0].replaceChildren(
    ...view.shards.map((s) =>
      make('tr', { dataset: { shard: s.shardId } }, [
        make('th', { scope: 'row', text: s.shardId.replace(/^shardId-0*(?=\d)/, 'shard ') , title: s.shardId }),
        make('td', { text: s.owner || '(free)' }),
        make('td', { class: 'num', text: formatLag(s.millisBehindLatest) }),
        make('td', { class: 'num', text: fmt(s.recordsPerSecond, 1) }),
        make('td', { text: s.checkpoint.length > 16 ? `…${s.checkpoint.slice(-12)}` : s.checkpoint, title: s.checkpoint }),
      ]),
    ),
  );
  el.consumerTable.dataset.count = String(view.shards.length);
  appendSample(view);
}

/**
 * The newest sample onto the history the gateway gave at load (it keeps the same samples: a reload shows the same).
 * @param {ConsumersView} view
 */
function appendSample(view) {
  const h = state.consumers.history;
  if (!h || (h.t.length > 0 && view.sampledAt <= h.t[h.t.length - 1])) return;
  const n = h.t.length;
  h.t.push(view.sampledAt);
  h.recordsPerSecond.push(view.recordsPerSecond);
  h.maxMillisBehindLatest.push(view.maxMillisBehindLatest);
  for (const s of view.shards) if (!h.shards[s.shardId]) h.shards[s.shardId] = Array.from({ length: n }, () => null);
  for (const [id, column] of Object.entries(h.shards)) column.push(view.shards.find((s) => s.shardId === id)?.millisBehindLatest ?? null);
  // Keep the window: drop what fell out of it.
  const from = view.sampledAt - HISTORY_MINUTES * 60_000;
  let drop = 0;
  while (drop < h.t.length && h.t[drop] < from) drop++;
  if (drop > 0) {
    for (const column of [h.t, h.recordsPerSecond, h.maxMillisBehindLatest, ...Object.values(h.shards)]) column.splice(0, drop);
  }
  drawConsumerCharts();
}

const shardLabel = (/** @type {string} */ id) => id.replace(/^shardId-0*(?=\d)/, 'shard ');

function drawConsumerCharts() {
  const h = state.consumers.history;
  if (!h) return;
  const c = state.consumers;
  const now = Date.now();
  /** @type {[number, number]} */
  const shown = [Math.floor((now - HISTORY_MINUTES * 60_000) / 1000), Math.ceil(now / 1000)];
  const t = h.t.map((ms) => ms / 1000);
  if (!c.ingestChart) {
    c.ingestChart = createTimeChart({
      container: el.ingestChart,
      legend: el.ingestLegend,
      series: [{ label: 'records/s processed', stroke: '#16a34a', width: 2 }],
      format: (v) => fmt(v, v >= 100 ? 0 : 1),
      zeroBased: true,
      minTop: 1,
      maxGapSeconds: 15, // samples come every refresh (2 s) while someone watches
      height: 160,
    });
  }
  c.ingestChart.update([t, h.recordsPerSecond], shown);
  const ids = Object.keys(h.shards).sort();
  if (!c.lagChart || c.shards.join() !== ids.join()) {
    if (c.lagChart) c.lagChart.destroy();
    c.shards = ids;
    c.lagChart = null;
    c.lagChart = createTimeChart({
      container: el.lagChart,
      legend: el.lagLegend,
      series: ids.map((id, i) => ({ label: shardLabel(id), stroke: SHARD_COLOURS[i % SHARD_COLOURS.length] })),
      format: (v) => formatLag(v),
      axisFormat: (v) => formatLag(v),
      zeroBased: true,
      minTop: 100,
      maxGapSeconds: 15,
      height: 200,
    });
  }
  c.lagChart.update([t, ...ids.map((id) => h.shards[id])], shown);
}

async function loadConsumers() {
  const session = state.session;
  if (!state.consumers.history) {
    const history = await dashboardApi.history();
    if (session !== state.session) return;
    state.consumers.history = history;
  }
  const view = await dashboardApi.consumers();
  if (session === state.session) renderConsumers(view);
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
  el.dashboard.dataset.panels = Object.entries(panels)
    .filter(([name, on]) => on && name !== 'cameraHealth')
    .map(([name]) => name)
    .join(' ');
  return config;
}

/**
 * One request per panel this principal has, in parallel; a panel's failure does not stop the others.
 * @param {DashboardConfig['panels']} panels
 */
function loadPanels(panels) {
  /** @type {Promise<void>[]} */
  const tasks = [cameras.refresh().catch(showError('cameras'))];
  if (panels.devices) tasks.push(devices.refresh().catch(showError('devices')));
  if (panels.consumers) tasks.push(loadConsumers().catch(showError('consumers')));
  if (panels.dataStreams) tasks.push(dataStreams.refresh().catch(showError('data streams')));
  if (panels.rollups && state.device) tasks.push(loadRollups().catch(showError('rollups')));
  return Promise.all(tasks);
}

async function refresh() {
  if (state.busy || !credential()) return;
  const session = state.session;
  state.busy = true;
  state.errors = [];
  try {
    const config = state.config ?? (await loadConfig());
    await loadPanels(config.panels);
    if (session !== state.session) return; // signed out (or in again) meanwhile: this refresh's answers are stale
    if (!credential()) throw new NotSignedInError('');
    setAuth('signed-in', 'Signed in.');
    el.dashboard.dataset.state = 'live';
    state.refreshes += 1;
    el.dashboard.dataset.refreshes = String(state.refreshes);
    if (state.errors.length > 0) setStatus(state.errors.join(' · '), 'error');
    else setStatus(`Updated ${formatClock(Date.now(), true)}.`);
  } catch (err) {
    if (session !== state.session) return;
    if (err instanceof NotSignedInError) {
      // The gateway answered 401: the credential was refused (expired, revoked, mistyped) and has been forgotten.
      setAuth('rejected', `Sign-in refused${err.detail ? `: ${err.detail}` : ''}. Sign in again to see the cameras and telemetry.`);
      reset();
    } else {
      setStatus(`Refresh failed: ${errorMessage(err)}`, 'error');
    }
  } finally {
    if (session === state.session) state.busy = false; // a reset meanwhile freed it for the next session already
  }
}

function start() {
  reset();
  const session = state.session;
  void refresh().then(() => {
    if (session !== state.session || !credential() || state.timer) return; // refused or signed out meanwhile
    const period = (state.config && state.config.refreshMs) || 2_000;
    state.timer = setInterval(() => void refresh(), period);
  });
}

/** Polling stops, every panel is emptied (nothing of the last principal stays on screen), the charts go. */
function reset() {
  clearInterval(state.timer);
  state.timer = 0;
  state.session += 1;
  state.busy = false;
  state.config = null;
  state.device = '';
  cameras.reset();
  devices.reset();
  dataStreams.reset();
  state.rollup.chart?.destroy();
  state.rollup = emptyRollup();
  state.consumers.lagChart?.destroy();
  state.consumers.ingestChart?.destroy();
  state.consumers = emptyConsumers();
  el.consumerTable.tBodies[0].replaceChildren();
  el.consumerTable.dataset.count = '0';
  for (const out of [el.ingestRate, el.maxLag]) {
    out.textContent = '–';
    out.dataset.value = '';
  }
  el.rollupMetric.replaceChildren();
  el.rollupDevice.textContent = 'pick a device below';
  el.rollupDevice.dataset.device = '';
  el.rollupEmpty.hidden = true;
  for (const panel of [el.devicesPanel, el.rollupsPanel, el.consumersPanel]) panel.hidden = true;
  dataStreams.show(false);
  el.dashboard.dataset.state = 'signed-out';
  el.dashboard.dataset.panels = '';
  el.dashboard.dataset.refreshes = '0';
  state.refreshes = 0;
  setStatus('');
}

function signedOut() {
  reset();
  setStatus('Signed out: polling stopped and the data cleared. Sign in to see the cameras and telemetry again.');
}

const cameras = createCameraPanel();
const devices = createDevicesPanel({ onSelect: selectDevice, onError: reportError('devices') });
const dataStreams = createDataStreamsPanel({ onError: reportError('data streams') });
const setAuth = bindSignIn({ onSignIn: start, onSignOut: signedOut });

el.rollupMetric.addEventListener('change', () => void loadRollups().catch(reportError('rollups')));
el.rollupMinutes.addEventListener('change', () => void loadRollups().catch(reportError('rollups')));
