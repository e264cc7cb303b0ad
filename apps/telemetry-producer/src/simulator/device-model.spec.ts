import { DEVICE_MODEL, DeviceModel } from './device-model';
import { createSeededRandom, gaussian } from './random-source';

const HOME = { lat: 47.6205, lon: -122.3493 };

/** Metres between two nearby points (equirectangular approximation, plenty at this scale). */
function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const north = (a.lat - b.lat) * 111_320;
  const east = (a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(north, east);
}

describe('createSeededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(draws);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(createSeededRandom(43)()).not.toBe(draws[0]);
  });

  it('gives gaussian draws with mean ~0 and deviation ~1', () => {
    const random = createSeededRandom(1);
    const draws = Array.from({ length: 50_000 }, () => gaussian(random));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sd - 1)).toBeLessThan(0.02);
  });
});

describe('DeviceModel', () => {
  // A day of readings at one per second: long enough for drift, battery replacement and spikes to show.
  const DAY = 86_400;
  const model = new DeviceModel(HOME, createSeededRandom(7));
  const readings = Array.from({ length: DAY }, (_, i) => model.next(i === 0 ? 0 : 1));
  const series = (name: keyof (typeof readings)[number]['metrics']) => readings.map((r) => r.metrics[name]);

  it('keeps temperature near the device mean, drifting rather than jumping', () => {
    const t = series('temperature_c');
    expect(Math.min(...t)).toBeGreaterThan(DEVICE_MODEL.temperature.meanMin - 5);
    expect(Math.max(...t)).toBeLessThan(DEVICE_MODEL.temperature.meanMax + 5);
    // Drift: the series wanders by more than its noise, but one second never moves it by a degree.
    expect(Math.max(...t) - Math.min(...t)).toBeGreaterThan(1);
    const steps = t.slice(1).map((x, i) => Math.abs(x - t[i]));
    expect(Math.max(...steps)).toBeLessThan(1);
  });

  it('keeps humidity within 0–100 %', () => {
    const h = series('humidity_pct');
    expect(Math.min(...h)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...h)).toBeLessThanOrEqual(100);
  });

  it('drains the battery and replaces it at 5 %', () => {
    const b = series('battery_pct');
    const rises = b.slice(1).filter((x, i) => x > b[i]);
    // 0.0005 %/s + 0.0002 %/reading drains ~60 % a day: a battery that started at 60–100 % gets replaced once at most.
    expect(rises.length).toBeLessThanOrEqual(1);
    for (const x of rises) expect(x).toBeGreaterThan(99);
    expect(Math.min(...b)).toBeGreaterThanOrEqual(DEVICE_MODEL.battery.replaceBelow);
    expect(Math.max(...b)).toBeLessThanOrEqual(100);
    expect(b[0] - b[DAY / 2]).toBeGreaterThan(20);
  });

  it('has a low vibration floor with about 1 % spikes', () => {
    const v = series('vibration_g');
    const spikes = v.filter((x) => x >= DEVICE_MODEL.vibration.spikeMin).length;
    expect(spikes / v.length).toBeGreaterThan(0.008);
    expect(spikes / v.length).toBeLessThan(0.012);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(DEVICE_MODEL.vibration.floor);
    expect(Math.max(...v)).toBeLessThanOrEqual(DEVICE_MODEL.vibration.spikeMax);
  });

  it('reports a fixed site within 500 m of home with metres of GPS jitter', () => {
    const first = readings[0].location;
    const spread = readings.map((r) => metresBetween(r.location, first));
    expect(Math.max(...spread)).toBeLessThan(40);
    expect(Math.max(...spread)).toBeGreaterThan(1);
    for (const r of readings.slice(0, 1000)) expect(metresBetween(r.location, HOME)).toBeLessThan(DEVICE_MODEL.location.spreadMetres + 40);
  });

  it('is deterministic for a seed', () => {
    const again = new DeviceModel(HOME, createSeededRandom(7));
    expect([again.next(0), again.next(1), again.next(1)]).toEqual(readings.slice(0, 3));
  });
});
