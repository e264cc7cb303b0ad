// The player's camera list (#streams): searchable and paged, for fleets of a thousand cameras (issue 17).
//
// GET /api/streams?limit=&cursor=&q= answers a page and `nextCursor`; a gateway without paging answers every stream
// (no `nextCursor` member), and the list then searches and pages on the client, the same to the viewer.

import { formatAge } from './format.js';
import { make } from './dom.js';

/** @typedef {import('../public-api').StreamHealth} StreamHealth */
/** @typedef {{ name: string; status: string | null; health: StreamHealth | null }} StreamEntry */
/** @typedef {{ streams: StreamEntry[]; nextCursor?: string | null; total?: number }} StreamsPage */

export const PAGE_SIZE = 50;
/** The API's search alphabet (stream names). */
const SEARCHABLE = /^[a-zA-Z0-9_.-]{0,256}$/;

/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/**
 * A camera's health in a few words: "live · 1.0 fragments/s · 501 kbit/s · last fragment 1.2 s ago".
 * @param {StreamHealth | null} h
 * @param {number} nowMs
 */
export function healthText(h, nowMs) {
  if (!h) return 'health unknown';
  const last = h.lastFragmentAt ? `last fragment ${formatAge(Math.max(0, nowMs - Date.parse(h.lastFragmentAt)))} ago` : 'no fragment in the last minute';
  if (h.status !== 'live') return `not sending · ${last}`;
  return `live · ${h.fragmentsPerSecond.toFixed(1)} fragments/s · ${Math.round(h.bitrateBps / 1000)} kbit/s · ${last}`;
}

/**
 * @typedef {{ list: HTMLUListElement; search: HTMLInputElement; more: HTMLButtonElement; count: HTMLElement; status: HTMLElement }} ListElements
 * @typedef {{ fetchPage: (query: URLSearchParams) => Promise<StreamsPage>; onPick: (entry: StreamEntry) => void; selected: () => string;
 *   onError: (err: unknown) => void }} ListHandlers
 */

/** @param {string} q @param {number} limit @param {string | null} cursor */
function pageQuery(q, limit, cursor) {
  const p = new URLSearchParams({ limit: String(limit) });
  if (q) p.set('q', q);
  if (cursor) p.set('cursor', cursor);
  return p;
}

export class StreamList {
  /**
   * @param {ListElements} el
   * @param {ListHandlers} handlers
   */
  constructor(el, handlers) {
    this.el = el;
    this.h = handlers;
    /** @type {StreamEntry[]} shown */
    this.entries = [];
    /** @type {string | null} */
    this.cursor = null;
    /** @type {number | null} */
    this.total = null;
    this.serverPaging = true;
    /** @type {StreamEntry[]} every match, when the gateway does not page */
    this.all = [];
    /** entries the viewer asked to see */
    this.shown = PAGE_SIZE;
    /** answers to older requests are dropped */
    this.seq = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let debounce;
    el.search.addEventListener('input', () => {
      clearTimeout(debounce);
      this.shown = PAGE_SIZE;
      debounce = setTimeout(() => void this.reload(), 250);
    });
    el.more.addEventListener('click', () => void this.showMore());
  }

  query() {
    return this.el.search.value.trim();
  }

  /**
   * Loads the list again from its first page, as many entries as the viewer asked to see (PAGE_SIZE, and PAGE_SIZE
   * more per "Show more"), following the cursor past the API's 200 per page. The periodic refresh and "Show more"
   * both come here, so neither can undo the other; the answer of a request overtaken by a newer one is dropped.
   */
  async reload() {
    const q = this.query();
    if (!SEARCHABLE.test(q)) {
      this.el.status.textContent = 'Search by camera name: letters, digits, _ . and - only.';
      return;
    }
    const seq = ++this.seq;
    try {
      /** @type {StreamEntry[]} */
      let entries = [];
      /** @type {string | null} */
      let cursor = null;
      let page;
      do {
        page = await this.h.fetchPage(pageQuery(q, Math.min(200, this.shown - entries.length), cursor));
        if (seq !== this.seq) return; // a newer search or refresh is on its way
        entries = [...entries, ...page.streams];
        cursor = page.nextCursor ?? null;
      } while ('nextCursor' in page && cursor !== null && entries.length < this.shown);
      this.serverPaging = 'nextCursor' in page;
      if (this.serverPaging) {
        this.entries = entries;
        this.cursor = cursor;
        this.total = page.total ?? null;
      } else {
        this.all = entries.filter((e) => e.name.toLowerCase().includes(q.toLowerCase()));
        this.entries = this.all.slice(0, this.shown);
        this.total = this.all.length;
      }
      this.el.status.textContent = '';
      this.render();
    } catch (err) {
      this.h.onError(err);
    }
  }

  showMore() {
    this.shown += PAGE_SIZE;
    return this.reload();
  }

  render() {
    const { el } = this;
    const now = Date.now();
    const current = this.h.selected();
    // The refresh redraws the list every 5 s: a keyboard user's focus stays on the camera it was on.
    const focused = el.list.contains(document.activeElement) && document.activeElement instanceof HTMLElement ? document.activeElement.dataset.stream : undefined;
    el.list.replaceChildren(...this.entries.map((entry) => item(entry, entry.name === current, now, this.h.onPick)));
    if (focused !== undefined) for (const li of el.list.querySelectorAll('li')) if (li.dataset.stream === focused) li.focus();
    el.list.dataset.count = String(this.entries.length);
    el.more.hidden = this.serverPaging ? this.cursor === null : this.entries.length >= this.all.length;
    const total = this.total ?? this.entries.length;
    const q = this.query();
    const shown = this.entries.length;
    el.count.textContent =
      total === 0 ? (q ? `no camera matches “${q}”` : 'no cameras') : shown < total ? `${shown.toLocaleString('en')} of ${plural(total, 'camera', 'cameras')}` : plural(total, 'camera', 'cameras');
    el.count.dataset.total = String(total);
  }

  clear() {
    this.seq++;
    this.entries = [];
    this.all = [];
    this.cursor = null;
    this.total = null;
    this.el.list.replaceChildren();
    this.el.list.dataset.count = '0';
    this.el.more.hidden = true;
    this.el.count.textContent = '';
  }

  /** Marks the selected entry without a reload. */
  markSelected() {
    const name = this.h.selected();
    for (const li of this.el.list.querySelectorAll('li')) li.setAttribute('aria-selected', String(li.dataset.stream === name));
  }

  /** @param {string} name */
  entry(name) {
    return this.entries.find((e) => e.name === name);
  }
}

/**
 * One camera of the list: a listbox option, picked by click, Enter or Space.
 * @param {StreamEntry} entry
 * @param {boolean} isSelected
 * @param {number} now
 * @param {(entry: StreamEntry) => void} onPick
 */
function item(entry, isSelected, now, onPick) {
  const li = make(
    'li',
    {
      role: 'option',
      'aria-selected': String(isSelected),
      tabindex: '0',
      dataset: { stream: entry.name, status: entry.health ? entry.health.status : 'unknown' },
    },
    [make('span', { class: 'name', text: entry.name }), make('span', { class: 'health', text: healthText(entry.health, now) })],
  );
  li.addEventListener('click', () => onPick(entry));
  li.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onPick(entry);
    }
  });
  return li;
}
