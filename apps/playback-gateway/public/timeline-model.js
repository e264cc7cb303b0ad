// The recording timeline's arithmetic: the window a replay preset means, where a time falls on the bar and which
// time a point of the bar is, and the tick marks. Pure (no DOM): unit-tested by src/pages/timeline-model.spec.ts.

import { formatClockShort } from './time-format.js';

/** The timeline's windows, a viewer's choice (the select in index.html uses these keys). */
export const WINDOWS = Object.freeze({ '5m': 5 * 60_000, '15m': 15 * 60_000, '1h': 60 * 60_000, '6h': 6 * 60 * 60_000, '24h': 24 * 60 * 60_000 });

/** @typedef {'live' | 'last5m' | 'last1h'} Preset */

/**
 * The playback request of a replay preset: live, or ON_DEMAND over the last 5 minutes / hour up to now.
 * @param {Preset} preset
 * @param {number} nowMs
 * @returns {{ mode: 'LIVE' } | { mode: 'ON_DEMAND'; start: number; end: number }}
 */
export function presetRequest(preset, nowMs) {
  if (preset === 'live') return { mode: 'LIVE' };
  const span = preset === 'last5m' ? 5 * 60_000 : 60 * 60_000;
  return { mode: 'ON_DEMAND', start: nowMs - span, end: nowMs };
}

/**
 * Where `ms` falls on [fromMs, toMs], from 0 to 1 (clamped).
 * @param {number} ms
 * @param {number} fromMs
 * @param {number} toMs
 */
export function fractionOf(ms, fromMs, toMs) {
  if (toMs <= fromMs) return 0;
  return Math.min(1, Math.max(0, (ms - fromMs) / (toMs - fromMs)));
}

/**
 * The time at `fraction` of [fromMs, toMs], rounded to the second.
 * @param {number} fraction
 * @param {number} fromMs
 * @param {number} toMs
 */
export function timeAt(fraction, fromMs, toMs) {
  const f = Math.min(1, Math.max(0, fraction));
  return Math.round((fromMs + f * (toMs - fromMs)) / 1000) * 1000;
}

const TICK_STEPS = [60_000, 2 * 60_000, 5 * 60_000, 10 * 60_000, 15 * 60_000, 30 * 60_000, 3_600_000, 2 * 3_600_000, 3 * 3_600_000, 6 * 3_600_000];

/**
 * Tick marks at round local minutes/hours, at most `maxTicks` of them, each `{ ms, label: 'HH:MM' }`.
 * @param {number} fromMs
 * @param {number} toMs
 * @param {number} maxTicks
 */
export function ticks(fromMs, toMs, maxTicks) {
  const span = toMs - fromMs;
  const step = TICK_STEPS.find((s) => span / s <= maxTicks) ?? TICK_STEPS[TICK_STEPS.length - 1];
  // Round in local time: the offset from UTC of the window's start (whole minutes; steps above 1 h stay
  // aligned to local hours away from a DST change).
  const offset = -new Date(fromMs).getTimezoneOffset() * 60_000;
  const first = Math.ceil((fromMs + offset) / step) * step - offset;
  /** @type {Array<{ ms: number; label: string }>} */
  const out = [];
  for (let t = first; t <= toMs; t += step) out.push({ ms: t, label: formatClockShort(t) });
  return out;
}

/**
 * A clip range from two points a viewer marked, in order, at least one second long.
 * @param {number} a
 * @param {number} b
 * @returns {{ start: number; end: number }}
 */
export function orderedRange(a, b) {
  const start = Math.min(a, b);
  const end = Math.max(a, b);
  return { start, end: Math.max(end, start + 1000) };
}
