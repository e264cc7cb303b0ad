// The dashboard's "Data streams" panel (a plain browser ES module, driven by dashboard.js): every Kinesis data
// stream with its status, mode, open shards, retention and what arrived over the last minute, and the newest
// records of one stream (the `logs` stream by default). Everything a stream sends is shown through textContent,
// never as markup.
//
// Stable hooks for browser tests: #data-stream-table[data-count] with tr[data-stream] rows whose cells carry
// [data-field], #stream-preview[data-stream][data-count] with li[data-encoding] items, each a <pre>.

import { apiJson } from './auth.js';
import { byId, make } from './dom.js';
import { fmt, formatAge } from './format.js';

/** @typedef {import('../public-api').DataStreamsView} DataStreamsView */
/** @typedef {import('../public-api').DataStreamSummary} DataStreamSummary */
/** @typedef {import('../public-api').DataStreamRecordsView} DataStreamRecordsView */
/** @typedef {import('../public-api').PreviewRecord} PreviewRecord */

/** The stream previewed until the viewer picks one: the dev stack's access logs. */
const DEFAULT_STREAM = 'logs';

const api = {
  /** @returns {Promise<DataStreamsView>} */
  streams: () => apiJson('/api/dashboard/data-streams'),
  /**
   * @param {string} name
   * @returns {Promise<DataStreamRecordsView>}
   */
  records: (name) => apiJson(`/api/dashboard/data-streams/${encodeURIComponent(name)}/records`),
};

/**
 * @param {DataStreamSummary} s
 * @returns {Array<[field: string, text: string]>}
 */
function cellsOf(s) {
  const f = s.flow;
  const approx = f && !f.complete ? '≈' : '';
  const rate = (/** @type {number | undefined} */ n, digits = 1) => (f ? `${approx}${fmt(n, digits)}` : '–');
  let last = '–';
  if (f) last = f.lastRecordAgeMs === null ? 'none in 1 min' : `${formatAge(f.lastRecordAgeMs)} ago`;
  else if (s.flowError) last = 'unavailable';
  return [
    ['status', s.status ?? '–'],
    ['mode', s.mode ?? '–'],
    ['shards', s.openShards === null ? '–' : String(s.openShards)],
    ['retention', s.retentionHours === null ? '–' : `${s.retentionHours} h`],
    ['records', rate(f?.recordsPerSecond, 2)],
    ['userRecords', rate(f?.userRecordsPerSecond, 2)],
    ['kib', rate(f ? f.bytesPerSecond / 1024 : undefined, 2)],
    ['last', last],
  ];
}

/** @param {PreviewRecord} r */
function previewItem(r) {
  const part = r.subSequence === null ? '' : ` #${r.subSequence}`;
  const meta = `${new Date(r.arrivedAt).toLocaleTimeString()} · ${r.shardId}${part} · key ${r.partitionKey} · ${r.bytes} B${r.encoding === 'base64' ? ' · base64' : ''}${r.cut ? ' · cut' : ''}`;
  return make('li', { dataset: { encoding: r.encoding, shard: r.shardId } }, [make('small', { text: meta }), make('pre', { text: r.text })]);
}

/**
 * The panel. `refresh()` is one poll (the list, then the selected stream's records); `onError` reports a failure
 * outside the poll (a click).
 * @param {{ onError: (err: unknown) => void }} options
 */
export function createDataStreamsPanel({ onError }) {
  const el = {
    panel: byId('data-streams-panel', HTMLElement),
    note: byId('data-streams-note', HTMLElement),
    table: byId('data-stream-table', HTMLTableElement),
    previewStream: byId('preview-stream', HTMLElement),
    preview: byId('stream-preview', HTMLOListElement),
    previewEmpty: byId('stream-preview-empty', HTMLElement),
  };
  let selected = '';

  /** @param {DataStreamsView} view */
  function renderStreams({ streams, flowLimited }) {
    const body = el.table.tBodies[0];
    if (!body) return;
    body.replaceChildren(
      ...streams.map((s) => {
        const row = make('tr', { dataset: { stream: s.name }, 'aria-selected': String(s.name === selected) }, [
          make('td', { dataset: { field: 'name' }, text: s.name }),
          ...cellsOf(s).map(([field, text]) => make('td', { dataset: { field }, class: field === 'status' || field === 'mode' ? '' : 'num', text })),
        ]);
        if (s.flowError) row.title = s.flowError;
        row.addEventListener('click', () => void select(s.name).catch(onError));
        return row;
      }),
    );
    el.table.dataset.count = String(streams.length);
    el.note.textContent = flowLimited ? `(rates for the first ${streams.filter((s) => s.flow).length} only)` : '';
  }

  /** @param {DataStreamRecordsView} view */
  function renderRecords({ stream, records }) {
    if (stream !== selected) return; // another stream was picked meanwhile
    el.preview.replaceChildren(...records.map(previewItem));
    el.preview.dataset.stream = stream;
    el.preview.dataset.count = String(records.length);
    el.previewEmpty.hidden = records.length > 0;
  }

  /** @param {string} name */
  async function select(name) {
    selected = name;
    el.previewStream.textContent = name;
    el.previewStream.dataset.stream = name;
    for (const row of el.table.querySelectorAll('tbody tr')) {
      if (row instanceof HTMLElement) row.setAttribute('aria-selected', String(row.dataset.stream === name));
    }
    renderRecords(await api.records(name));
  }

  async function refresh() {
    const view = await api.streams();
    const names = view.streams.map((s) => s.name);
    if (!names.includes(selected)) selected = names.includes(DEFAULT_STREAM) ? DEFAULT_STREAM : (names[0] ?? '');
    renderStreams(view);
    if (selected) await select(selected);
    else {
      el.preview.replaceChildren();
      el.preview.dataset.count = '0';
      el.previewEmpty.hidden = true;
    }
  }

  return {
    /** @param {boolean} on */
    show: (on) => {
      el.panel.hidden = !on;
    },
    refresh,
    reset: () => {
      selected = '';
      el.table.tBodies[0]?.replaceChildren();
      el.table.dataset.count = '0';
      el.preview.replaceChildren();
      el.preview.dataset.count = '0';
      el.preview.dataset.stream = '';
    },
  };
}
