// The dashboard's device panel (a plain browser ES module, driven by dashboard.js): one page of the device-state
// table, searched, sorted and paged by the gateway (GET /api/dashboard/devices?limit=&offset=&q=&sort=&order=), so a
// fleet of thousands costs the page one screenful of rows. A row selects the device of the rollup chart.
//
// `seq` is the device's record counter; the simulator (like devices that keep it across reboots) starts it from a
// clock, so it is often a 13-digit number: shown in groups of three digits, muted, at the end of the fixed columns.
//
// Stable hooks: #device-table[data-count][data-total][data-sort][data-order] with tr[data-device] rows and
// th > button[data-sort] headers (aria-sort on the th), #device-search, #device-prev, #device-next, #device-page-info.

import { apiJson } from './auth.js';
import { bindSearch, byId, make } from './dom.js';
import { fmt, formatAge, plural } from './format.js';
import { showPager } from './camera-tiles.js';

/** @typedef {import('../src/dashboard/dashboard-views').DevicesPage} DevicesPage */

const PAGE_SIZE = 25;
const MAX_METRIC_COLUMNS = 8;
/** "1 796 632 731 297": groups of three digits, thin-space separated (no locale's comma to misread as decimals). */
export function formatSeq(/** @type {number} */ seq) {
  return String(seq).replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
}

/**
 * A header cell that sorts by `key`, with aria-sort saying the current order.
 * @param {{ sort: string; order: 'asc' | 'desc' }} view
 * @param {string} key
 * @param {string} label
 * @param {boolean} numeric
 * @param {(key: string) => void} sortBy
 */
function headerCell(view, key, label, numeric, sortBy) {
  const active = view.sort === key;
  const button = make('button', { type: 'button', class: 'sort', dataset: { sort: key }, text: `${label}${active ? (view.order === 'asc' ? ' ▲' : ' ▼') : ''}` });
  button.addEventListener('click', () => sortBy(key));
  const th = make('th', { class: numeric ? 'num' : '', scope: 'col' }, [button]);
  th.setAttribute('aria-sort', active ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none');
  return th;
}

/**
 * The header row: Device, Age, seq and the fleet's first metrics, each a sort button.
 * @param {HTMLTableElement} table
 * @param {{ sort: string; order: 'asc' | 'desc' }} view
 * @param {string[]} metricNames
 * @param {(key: string) => void} sortBy
 */
function showHeader(table, view, metricNames, sortBy) {
  const thead = table.createTHead();
  const head = thead.rows[0] ?? thead.insertRow();
  /** @type {Array<[key: string, label: string, numeric: boolean]>} */
  const columns = [['device', 'Device', false], ['age', 'Age', true], ['seq', 'seq', true]];
  for (const m of metricNames) columns.push([`metric:${m}`, m, true]);
  head.replaceChildren(...columns.map(([key, label, numeric]) => headerCell(view, key, label, numeric, sortBy)));
}

/**
 * A device's row: a click or Enter/Space selects it.
 * @param {DevicesPage['devices'][number]} d
 * @param {string[]} metricNames
 * @param {number} now
 * @param {boolean} selected
 * @param {(id: string) => void} select
 */
function deviceRow(d, metricNames, now, selected, select) {
  const tr = make('tr', { dataset: { device: d.deviceId }, 'aria-selected': String(selected), tabindex: '0' }, [
    make('th', { scope: 'row', text: d.deviceId }),
    make('td', { class: 'num', text: formatAge(Math.max(0, now - d.ts)) }),
    make('td', { class: 'num seq', text: formatSeq(d.seq), title: `seq ${d.seq}` }),
    ...metricNames.map((m) => make('td', { class: 'num', text: d.metrics[m] === undefined ? '' : fmt(d.metrics[m], 2) })),
  ]);
  tr.addEventListener('click', () => select(d.deviceId));
  tr.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      select(d.deviceId);
    }
  });
  return tr;
}

/**
 * @param {{ onSelect: (deviceId: string) => void; onError: (err: unknown) => void }} options
 */
export function createDevicesPanel({ onSelect, onError }) {
  const el = {
    table: byId('device-table', HTMLTableElement),
    note: byId('devices-note', HTMLElement),
    search: byId('device-search', HTMLInputElement),
    prev: byId('device-prev', HTMLButtonElement),
    next: byId('device-next', HTMLButtonElement),
    info: byId('device-page-info', HTMLElement),
  };
  const view = { offset: 0, q: '', sort: 'device', order: /** @type {'asc' | 'desc'} */ ('asc'), total: 0 };
  let selected = '';
  let requested = 0; // the newest request's number: an older answer arriving late is dropped

  /** @param {DevicesPage} page */
  function render(page) {
    const metricNames = page.metrics.slice(0, MAX_METRIC_COLUMNS);
    showHeader(el.table, view, metricNames, sortBy);
    const now = Date.now();
    const rows = page.devices.map((d) => deviceRow(d, metricNames, now, d.deviceId === selected, select));
    el.table.tBodies[0].replaceChildren(...rows);
    Object.assign(el.table.dataset, { count: String(page.devices.length), total: String(page.total), sort: view.sort, order: view.order });
    view.total = page.total;
    showPager(el, page.offset, page.devices.length, page.total, 'device', page.offset + page.devices.length < page.total);
    if (page.total === 0) el.info.textContent = view.q ? `No device matches "${view.q}".` : 'No device yet.';
    el.note.textContent = [plural(page.fleet, 'device'), page.truncated ? 'more not read' : '', page.skipped ? `${page.skipped} unreadable` : ''].filter(Boolean).join(' · ');
    // Something to look at without a click: the first device's rollups.
    if (!selected && page.devices.length > 0) select(page.devices[0].deviceId);
  }

  /** @param {string} key a second click on the same column reverses the order */
  const sortBy = (key) => go({ order: view.sort === key && view.order === 'asc' ? 'desc' : 'asc', sort: key, offset: 0 });

  /** @param {string} id */
  function select(id) {
    selected = id;
    for (const tr of el.table.tBodies[0].rows) tr.setAttribute('aria-selected', String(tr.dataset.device === id));
    onSelect(id);
  }

  async function refresh() {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(view.offset), sort: view.sort, order: view.order });
    if (view.q) params.set('q', view.q);
    const mine = ++requested;
    /** @type {DevicesPage} */
    const page = await apiJson(`/api/dashboard/devices?${params}`);
    if (mine !== requested) return;
    // The fleet shrank under the page (or a search narrowed it): back to the last page that has rows.
    if (page.devices.length === 0 && page.offset > 0 && page.total > 0) {
      view.offset = Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE;
      return refresh();
    }
    render(page);
  }

  /** @param {Partial<typeof view>} change */
  const go = (change) => {
    Object.assign(view, change);
    void refresh().catch(onError);
  };
  el.prev.addEventListener('click', () => go({ offset: Math.max(0, view.offset - PAGE_SIZE) }));
  el.next.addEventListener('click', () => go({ offset: view.offset + PAGE_SIZE < view.total ? view.offset + PAGE_SIZE : view.offset }));
  bindSearch(el.search, /[^A-Za-z0-9_.:-]/g, (q) => go({ q, offset: 0 }));

  return {
    refresh,
    selected: () => selected,
    reset() {
      requested += 1;
      selected = '';
      Object.assign(view, { offset: 0, total: 0 });
      el.table.tBodies[0].replaceChildren();
      el.table.tHead?.rows[0]?.replaceChildren();
      el.table.dataset.count = '0';
      el.info.textContent = '';
      el.note.textContent = '';
    },
  };
}
