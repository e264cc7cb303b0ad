// The dashboard's time charts (a plain browser ES module over uPlot, window.uPlot from /vendor/): what uPlot leaves
// to its user, decided once for every chart of the page.
//
// - The time axis spans the window the panel shows (the last 15 minutes, the rollups' 30 minutes), given by the
//   caller, not the data's own extent: one point sits inside a 15-minute window instead of uPlot's guess of a range
//   around a single value ("Jun 2027 … Jun 2029"). Ticks are local HH:MM, at steps the data has (`minStepSeconds`:
//   minute rollups never get 10-s ticks), never closer than 70 px.
// - The y axis scales to the data: [0, a little above the largest] for figures that start at zero (lag, rates),
//   the data's span with a margin for others (a temperature), a small span around a flat line.
// - The legend is the page's own list (#<id>-legend): every series with its newest value, or the value under the
//   cursor while hovering — never uPlot's "--" until hovered. Readable without the canvas (screen readers, tests).
// - Width follows the container (ResizeObserver), so a chart made while its panel was narrow does not stay narrow.

import { make } from './dom.js';
import { formatClock } from './format.js';

/** @typedef {import('uplot')} UPlot */

/**
 * @typedef {object} SeriesSpec
 * @property {string} label
 * @property {string} stroke
 * @property {number} [width]
 * @property {boolean} [points] draw each point (sparse data: minute rollups)
 * @property {boolean} [legend] listed in the legend (default true)
 */

/**
 * @typedef {object} TimeChartSpec
 * @property {HTMLElement} container the chart's element (role="img" with an aria-label)
 * @property {HTMLElement} legend a <ul> for the legend
 * @property {SeriesSpec[]} series
 * @property {(value: number) => string} format a value in the legend and on the y axis
 * @property {(value: number, decimals: number) => string} [axisFormat] a y tick (default: the number with the
 *   decimals its step needs)
 * @property {boolean} [zeroBased] the y axis starts at 0 (lag, rates)
 * @property {number} [minTop] the least top of a zero-based axis (a flat zero line gets 0…minTop)
 * @property {number} [minStepSeconds] the smallest tick step of the time axis (60 for minute data)
 * @property {number} [maxGapSeconds] points further apart than this are not joined: the line breaks where data is
 *   missing (minutes nobody recorded, a time nobody watched) instead of drawing a slope across it
 * @property {number} [height]
 * @property {Array<[lower: number, upper: number]>} [bands] series index pairs filled between (min/max band)
 */

/** Tick steps of the time axis, seconds. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/**
 * A y range for data between `min` and `max` (nulls when there is none).
 * @param {number | null} min
 * @param {number | null} max
 * @param {boolean} zeroBased
 * @param {number} [minTop] the least top of a zero-based range
 * @returns {[number, number]}
 */
export function yRange(min, max, zeroBased, minTop = 1) {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, zeroBased ? minTop : 1];
  if (zeroBased) return [Math.min(0, min), niceCeil(Math.max(max * 1.1, minTop))];
  const span = max - min;
  const pad = span > 0 ? span * 0.1 : Math.max(Math.abs(max) * 0.05, 0.5);
  return [min - pad, max + pad];
}

/** The next "nice" number at or above `v` (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^n): a top close to the data. */
function niceCeil(/** @type {number} */ v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * The columns with a row of nulls in each gap wider than `maxGap` (uPlot breaks a line at a null).
 * @param {import('uplot').AlignedData} data
 * @param {number} maxGap seconds
 * @returns {import('uplot').AlignedData}
 */
export function withGaps(data, maxGap) {
  const [x, ...ys] = data;
  /** @type {number[]} */
  const xs = [];
  /** @type {Array<Array<number | null | undefined>>} */
  const columns = ys.map(() => []);
  for (let i = 0; i < x.length; i++) {
    if (i > 0 && x[i] - x[i - 1] > maxGap) {
      xs.push(x[i - 1] + maxGap / 2);
      for (const c of columns) c.push(null);
    }
    xs.push(x[i]);
    columns.forEach((c, k) => c.push(ys[k][i]));
  }
  return [xs, ...columns];
}

/**
 * The newest non-null value of a column at or before `idx`.
 * @param {ArrayLike<number | null | undefined>} column
 * @param {number} idx
 */
function valueAt(column, idx) {
  for (let i = Math.min(idx, column.length - 1); i >= 0; i--) {
    const v = column[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

/**
 * The legend's items, one per series (those with `legend: false` are kept but not listed).
 * @param {HTMLElement} legend
 * @param {SeriesSpec[]} series
 */
function buildLegend(legend, series) {
  const items = series.map((s) => {
    const value = make('span', { class: 'legend-value', text: '–' });
    const swatch = make('span', { class: 'swatch', 'aria-hidden': 'true' });
    // The colour through the CSSOM (the CSP refuses inline style attributes, not style properties set by script).
    swatch.style.background = s.stroke;
    const item = make('li', { dataset: { series: s.label } }, [swatch, make('span', { text: s.label }), value]);
    return { spec: s, item, value };
  });
  legend.replaceChildren(...items.filter((i) => i.spec.legend !== false).map((i) => i.item));
  return items;
}

/**
 * Decimals enough to tell ticks `incr` apart: 2 for a step of 0.05, 0 for a step of 5.
 * @param {number} incr
 */
const decimalsFor = (incr) => Math.min(6, Math.max(0, -Math.floor(Math.log10(incr > 0 ? incr : 1) + 1e-9)));

/**
 * The time axis (local clock ticks at the steps the data has, the labels kept on the container for tests: uPlot
 * draws them on the canvas) and the y axis.
 * @param {TimeChartSpec} spec
 * @returns {import('uplot').Axis[]}
 */
function axesOf({ container, minStepSeconds = 1, axisFormat = (x, d) => x.toFixed(d) }) {
  return [
    {
      space: 70,
      incrs: TIME_STEPS.filter((s) => s >= minStepSeconds),
      values: (_u, splits, _axis, _space, incr) => {
        const labels = splits.map((s) => formatClock(s * 1000, incr < 60));
        container.dataset.ticks = labels.join(' ');
        container.dataset.tickStep = String(incr);
        return labels;
      },
    },
    { size: 64, values: (_u, splits, _axis, _space, incr) => splits.map((v) => axisFormat(v, decimalsFor(incr))) },
  ];
}

/**
 * A time chart. `update(data, [fromSec, toSec])` sets the columns (x in epoch seconds) and the window shown.
 * @param {TimeChartSpec} spec
 */
export function createTimeChart(spec) {
  const UPlot = window.uPlot;
  if (!UPlot) throw new Error('the chart library (uPlot) did not load');
  const { container, legend, series, format, zeroBased = false, height = 220 } = spec;
  /** @type {[number, number]} */
  let window_ = [0, 1];
  const items = buildLegend(legend, series);

  /** @param {UPlot} u */
  const showLegend = (u) => {
    const n = u.data[0].length;
    const idx = u.cursor.idx ?? n - 1;
    items.forEach((i, k) => {
      const v = n > 0 ? valueAt(/** @type {ArrayLike<number | null>} */ (u.data[k + 1]), idx) : null;
      i.value.textContent = v === null ? '–' : format(v);
      i.item.dataset.value = v === null ? '' : String(v);
    });
    legend.dataset.at = n > 0 ? String(u.data[0][Math.min(idx, n - 1)]) : '';
  };

  /** @type {Omit<import('uplot').Options, 'width' | 'height'>} */
  const options = {
    legend: { show: false },
    cursor: { y: false },
    scales: {
      x: { time: true, range: () => window_ },
      y: { range: (_u, min, max) => yRange(min, max, zeroBased, spec.minTop ?? 1) },
    },
    axes: axesOf(spec),
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: s.width ?? 1.5, spanGaps: false, points: { show: s.points ?? false, size: 5 } }))],
    bands: (spec.bands ?? []).map(([lower, upper]) => ({ series: /** @type {[number, number]} */ ([upper, lower]), fill: 'rgba(37, 99, 235, 0.15)' })),
    hooks: { setLegend: [showLegend], setData: [showLegend] },
  };
  const width = () => Math.max(240, Math.floor(container.getBoundingClientRect().width || 600));
  /** @type {UPlot} */
  const chart = new UPlot({ ...options, width: width(), height }, [[], ...series.map(() => [])], container);
  const resize = new ResizeObserver(() => {
    const w = width();
    if (w !== chart.width) chart.setSize({ width: w, height });
  });
  resize.observe(container);

  return {
    /**
     * @param {import('uplot').AlignedData} data
     * @param {[number, number]} shown the time window, epoch seconds
     */
    update(data, shown) {
      window_ = shown[1] > shown[0] ? shown : [shown[0] - 60, shown[0]];
      chart.setData(spec.maxGapSeconds ? withGaps(data, spec.maxGapSeconds) : data);
      container.dataset.points = String(data[0].length);
      container.dataset.from = String(window_[0]);
      container.dataset.to = String(window_[1]);
    },
    destroy() {
      resize.disconnect();
      chart.destroy();
      legend.replaceChildren();
      container.dataset.points = '0';
    },
  };
}

/** @typedef {ReturnType<typeof createTimeChart>} TimeChart */
