// The dashboard's "Data streams" panel (a plain browser ES module, driven by dashboard.js): every Kinesis data
// stream with its status, mode, open shards, retention and what arrived over the last minute, and the newest
// records of one stream (the `logs` stream by default). Everything a stream sends is shown through textContent,
// never as markup.
//
// Stable hooks for browser tests: #data-stream-table[data-count] with tr[data-stream] rows whose cells carry
// [data-field], #stream-preview[data-stream][data-count] with li[data-encoding] items, each a <pre>.

import { apiJson } from './auth.js';
import { byId, make } from './dom.js';
import { fmt, formatAge, formatClock, plural } from './format.js';

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
  const meta = `${formatClock(r.arrivedAt, true)} · ${r.shardId}${part} · key ${r.partitionKey} · ${r.bytes} B${r.encoding === 'base64' ? ' · base64' : ''}${r.cut ? ' · cut' : ''}`;
  const fields = r.encoding === 'json' && !r.cut ? flatFields(r.text) : null;
  const body = fields
    ? make('dl', { class: 'record-fields' }, fields.map(([k, v]) => make('div', {}, [make('dt', { text: k }), make('dd', { text: v })])))
    : make('pre', { text: r.text });
  return make('li', { dataset: { encoding: r.encoding, shard: r.shardId } }, [make('small', { text: meta }), body]);
}

/**
 * A JSON object of plain values (an access-log line as the log agent sends it) as its fields, nulls left out; null
 * for anything else (nested, an array), which is shown as the text it is.
 * @param {string} text
 * @returns {Array<[string, string]> | null}
 */
function flatFields(text) {
  /** @type {unknown} */
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const entries = Object.entries(value);
  if (entries.some(([, v]) => v !== null && typeof v === 'object')) return null;
  return entries.filter(([, v]) => v !== null && v !== '').map(([k, v]) => [k, String(v)]);
}

/**
 * @param {{ preview: HTMLOListElement; previewEmpty: HTMLElement }} el
 * @param {DataStreamRecordsView} view
 */
function showRecords(el, { stream, records }) {
  el.preview.replaceChildren(...records.map(previewItem));
  el.preview.dataset.stream = stream;
  el.preview.dataset.count = String(records.length);
  el.previewEmpty.hidden = records.length > 0;
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
  let generation = 0; // bumped by reset(): an answer to a request made before is dropped

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
    const sampled = streams.filter((s) => s.flow).length;
    el.note.textContent = `${plural(streams.length, 'stream')}${flowLimited ? ` (rates for the first ${sampled} only)` : ''}`;
  }

  /** @param {DataStreamRecordsView} view */
  function renderRecords(view) {
    if (view.stream === selected) showRecords(el, view); // else another stream was picked meanwhile
  }

  /** @param {string} name */
  async function select(name) {
    const mine = generation;
    selected = name;
    el.previewStream.textContent = name;
    el.previewStream.dataset.stream = name;
    for (const row of el.table.querySelectorAll('tbody tr')) {
      if (row instanceof HTMLElement) row.setAttribute('aria-selected', String(row.dataset.stream === name));
    }
    const records = await api.records(name);
    if (mine === generation) renderRecords(records);
  }

  async function refresh() {
    const mine = generation;
    const view = await api.streams();
    if (mine !== generation) return;
    const names = view.streams.map((s) => s.name);
    if (!names.includes(selected)) selected = names.includes(DEFAULT_STREAM) ? DEFAULT_STREAM : (names[0] ?? '');
    renderStreams(view);
    if (selected) await select(selected);
    else showRecords(el, { stream: '', records: [], sampledAt: 0 });
  }

  return {
    /** @param {boolean} on */
    show: (on) => {
      el.panel.hidden = !on;
    },
    refresh,
    reset: () => {
      generation += 1;
      selected = '';
      el.table.tBodies[0]?.replaceChildren();
      el.table.dataset.count = '0';
      showRecords(el, { stream: '', records: [], sampledAt: 0 });
    },
  };
}
