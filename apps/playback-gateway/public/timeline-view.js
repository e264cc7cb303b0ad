// The recording timeline of the player (#timeline): what the camera recorded over the chosen window (blue), the
// gaps (hatched), the time on screen (a playhead), the clip range (a band) and tick marks. A click, or Enter on the
// keyboard cursor, replays from that time; a drag selects the clip range. It is a `role="slider"` over time:
// arrows move the cursor by 10 s (Shift: 1 min), Home/End jump to the window's ends.
//
// Drawing only: the numbers come from timeline-model.js, the data from GET /api/streams/:name/timeline.

import { make } from './dom.js';
import { formatDuration, formatTime } from './time-format.js';
import { fractionOf, orderedRange, ticks, timeAt } from './timeline-model.js';

/** @typedef {import('../public-api').RecordingTimeline} RecordingTimeline */
/** @typedef {{ start: number; end: number }} Range */

/** A pointer moving less than this (px) between down and up is a click, not a drag. */
const DRAG_PX = 5;

export class TimelineView {
  /**
   * @param {HTMLElement} root the #timeline element
   * @param {{ onSeek: (ms: number) => void; onSelect: (range: Range) => void; now?: () => number }} handlers
   */
  constructor(root, { onSeek, onSelect, now = () => Date.now() }) {
    this.root = root;
    this.now = now;
    this.track = make('div', { class: 'track' });
    this.ticksRow = make('div', { class: 'ticks', 'aria-hidden': 'true' });
    this.selection = make('div', { class: 'selection', hidden: '' });
    this.playhead = make('div', { class: 'playhead', hidden: '' });
    this.cursor = make('div', { class: 'cursor', hidden: '' });
    const hover = make('div', { class: 'hover-label', hidden: '', 'aria-hidden': 'true' });
    this.hover = hover;
    root.replaceChildren(this.track, this.ticksRow);
    this.from = now() - 3_600_000;
    this.to = now();
    /** @type {number | null} the keyboard's position */
    this.cursorMs = null;
    bindPointer(this.track, {
      timeOfX: (x) => this.timeOfX(x),
      setSelection: (r) => this.setSelection(r),
      onSeek,
      onSelect,
      hover,
      pct: (ms) => this.pct(ms),
      now,
    });
    root.addEventListener('keydown', (e) => this.key(e, onSeek));
    this.setAria();
  }

  /** @param {number} ms */
  pct(ms) {
    return `${(fractionOf(ms, this.from, this.to) * 100).toFixed(3)}%`;
  }

  /** @param {HTMLElement} node @param {number} start @param {number} end */
  place(node, start, end) {
    node.style.left = this.pct(start);
    node.style.width = `${(Math.max(0, fractionOf(end, this.from, this.to) - fractionOf(start, this.from, this.to)) * 100).toFixed(3)}%`;
  }

  /** @param {number} clientX */
  timeOfX(clientX) {
    const box = this.track.getBoundingClientRect();
    return timeAt((clientX - box.left) / Math.max(1, box.width), this.from, this.to);
  }

  setAria() {
    const value = this.cursorMs ?? this.to;
    const { root } = this;
    root.setAttribute('aria-valuemin', String(this.from));
    root.setAttribute('aria-valuemax', String(this.to));
    root.setAttribute('aria-valuenow', String(value));
    root.setAttribute('aria-valuetext', formatTime(value, this.now()));
    root.dataset.from = String(this.from);
    root.dataset.to = String(this.to);
  }

  /** @param {RecordingTimeline} t */
  render(t) {
    this.from = t.from;
    this.to = t.to;
    const now = this.now();
    /** @param {'gap' | 'range'} kind @param {{ start: number; end: number }} r */
    const block = (kind, r) => {
      const words = kind === 'gap' ? 'Nothing recorded' : 'Recorded';
      const node = make('div', {
        class: kind,
        dataset: { start: String(r.start), end: String(r.end) },
        title: `${words} ${formatTime(r.start, now)} – ${formatTime(r.end, now)} (${formatDuration(r.end - r.start)})`,
      });
      this.place(node, r.start, r.end);
      return node;
    };
    this.track.replaceChildren(...t.gaps.map((g) => block('gap', g)), ...t.ranges.map((r) => block('range', r)), this.selection, this.cursor, this.playhead, this.hover);
    const tickCount = Math.max(2, Math.floor(this.track.clientWidth / 90) || 6);
    this.ticksRow.replaceChildren(
      // Not at the very ends, where a label would stick out of the bar.
      ...ticks(t.from, t.to, tickCount)
        .filter((tick) => fractionOf(tick.ms, t.from, t.to) > 0.03 && fractionOf(tick.ms, t.from, t.to) < 0.97)
        .map((tick) => {
        const node = make('span', { class: 'tick', text: tick.label });
        node.style.left = this.pct(tick.ms);
        return node;
      }),
    );
    this.root.dataset.ranges = String(t.ranges.length);
    this.root.dataset.gaps = String(t.gaps.length);
    if (this.cursorMs !== null) this.showCursor(Math.min(Math.max(this.cursorMs, this.from), this.to));
    this.setAria();
  }

  /** @param {Range | null} range */
  setSelection(range) {
    this.selection.hidden = range === null;
    if (range) this.place(this.selection, range.start, range.end);
  }

  /** @param {number | null} ms the time on screen */
  setPlayhead(ms) {
    this.playhead.hidden = ms === null || ms < this.from || ms > this.to;
    if (ms !== null) this.playhead.style.left = this.pct(ms);
    this.root.dataset.playhead = ms === null ? '' : String(ms);
  }

  /** @param {number} ms */
  showCursor(ms) {
    this.cursorMs = ms;
    this.cursor.hidden = false;
    this.cursor.style.left = this.pct(ms);
    this.setAria();
  }

  /**
   * @param {KeyboardEvent} e
   * @param {(ms: number) => void} onSeek
   */
  key(e, onSeek) {
    const step = e.shiftKey ? 60_000 : 10_000;
    const at = this.cursorMs ?? this.to;
    /** @type {Record<string, () => number>} */
    const moves = { ArrowLeft: () => at - step, ArrowDown: () => at - step, ArrowRight: () => at + step, ArrowUp: () => at + step, Home: () => this.from, End: () => this.to };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      this.showCursor(Math.min(Math.max(move(), this.from), this.to));
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSeek(at);
    }
  }
}

/**
 * Click to seek, drag to select, a time label under the pointer.
 * @param {HTMLElement} track
 * @param {{ timeOfX: (x: number) => number; setSelection: (r: Range | null) => void; onSeek: (ms: number) => void;
 *   onSelect: (r: Range) => void; hover: HTMLElement; pct: (ms: number) => string; now: () => number }} h
 */
function bindPointer(track, { timeOfX, setSelection, onSeek, onSelect, hover, pct, now }) {
  /** @type {{ x: number; ms: number; dragging: boolean } | null} */
  let down = null;
  track.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    down = { x: e.clientX, ms: timeOfX(e.clientX), dragging: false };
    track.setPointerCapture(e.pointerId);
  });
  track.addEventListener('pointermove', (e) => {
    const ms = timeOfX(e.clientX);
    hover.hidden = false;
    hover.textContent = formatTime(ms, now());
    hover.style.left = pct(ms);
    // Kept inside the bar at its ends (the bar clips what sticks out).
    const share = parseFloat(pct(ms)) / 100;
    hover.style.transform = share < 0.08 ? 'none' : share > 0.92 ? 'translateX(-100%)' : 'translateX(-50%)';
    if (!down) return;
    if (Math.abs(e.clientX - down.x) >= DRAG_PX) down.dragging = true;
    if (down.dragging) setSelection(orderedRange(down.ms, ms));
  });
  track.addEventListener('pointerleave', () => {
    hover.hidden = true;
  });
  track.addEventListener('pointerup', (e) => {
    if (!down) return;
    const ms = timeOfX(e.clientX);
    const { dragging, ms: from } = down;
    down = null;
    if (dragging) onSelect(orderedRange(from, ms));
    else onSeek(ms);
  });
  track.addEventListener('pointercancel', () => {
    down = null;
  });
}
