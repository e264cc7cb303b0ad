/**
 * One simulated device's sensors. Each reading advances the device's state by the time elapsed since its last
 * reading, so the series look the same at 1 record/s or 50 records/s:
 *
 * - temperature (°C): an Ornstein–Uhlenbeck walk (drift with pull back to the device's own mean) plus
 *   measurement noise — slow wandering, not white noise;
 * - humidity (%): the same process around another mean, clamped to 0–100;
 * - battery (%): drains with time and with each transmission; a device at 5 % gets a fresh battery (a site
 *   visit), so long runs stay plausible instead of sitting at 0;
 * - vibration (g RMS): a low noise floor with rare spikes (a door slam, a passing truck);
 * - location: a fixed spot within ~500 m of the fleet's home, reported with a few metres of GPS jitter.
 */
import { gaussian, uniform, type RandomSource } from './random-source';

export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface DeviceReading {
  metrics: {
    temperature_c: number;
    humidity_pct: number;
    battery_pct: number;
    vibration_g: number;
  };
  location: GeoPoint;
}

/** Tunables of the model; the defaults are what a building's environmental sensors look like. */
export const DEVICE_MODEL = {
  temperature: { meanMin: 18, meanMax: 26, reversionPerSecond: 0.01, driftPerSqrtSecond: 0.1, noise: 0.1, min: -40, max: 85 },
  humidity: { meanMin: 35, meanMax: 60, reversionPerSecond: 0.005, driftPerSqrtSecond: 0.2, noise: 0.5 },
  battery: { startMin: 60, startMax: 100, drainPerSecond: 0.0005, drainPerReading: 0.0002, replaceBelow: 5 },
  vibration: { floor: 0.005, noise: 0.02, spikeProbability: 0.01, spikeMin: 0.5, spikeMax: 4 },
  location: { spreadMetres: 500, jitterMetres: 3 },
} as const;

const METRES_PER_DEGREE_LAT = 111_320;

const round = (value: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
};
const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

export class DeviceModel {
  private temperature: number;
  private readonly temperatureMean: number;
  private humidity: number;
  private readonly humidityMean: number;
  private battery: number;
  private readonly site: GeoPoint;

  constructor(
    home: GeoPoint,
    private readonly random: RandomSource,
  ) {
    const m = DEVICE_MODEL;
    this.temperatureMean = uniform(random, m.temperature.meanMin, m.temperature.meanMax);
    this.temperature = this.temperatureMean;
    this.humidityMean = uniform(random, m.humidity.meanMin, m.humidity.meanMax);
    this.humidity = this.humidityMean;
    this.battery = uniform(random, m.battery.startMin, m.battery.startMax);
    // A uniform point in a disc: the square root keeps the density even instead of crowding the centre.
    const r = m.location.spreadMetres * Math.sqrt(random());
    const angle = 2 * Math.PI * random();
    this.site = offset(home, r * Math.cos(angle), r * Math.sin(angle));
  }

  /** The next reading, `elapsedSeconds` after the previous one (0 for the first). */
  next(elapsedSeconds: number): DeviceReading {
    const m = DEVICE_MODEL;
    const dt = Math.max(0, elapsedSeconds);
    this.temperature = clamp(
      ornsteinUhlenbeck(this.temperature, this.temperatureMean, m.temperature.reversionPerSecond, m.temperature.driftPerSqrtSecond, dt, this.random),
      m.temperature.min,
      m.temperature.max,
    );
    this.humidity = clamp(
      ornsteinUhlenbeck(this.humidity, this.humidityMean, m.humidity.reversionPerSecond, m.humidity.driftPerSqrtSecond, dt, this.random),
      0,
      100,
    );
    this.battery -= m.battery.drainPerSecond * dt + m.battery.drainPerReading;
    if (this.battery < m.battery.replaceBelow) this.battery = 100;

    const spike = this.random() < m.vibration.spikeProbability;
    const vibration = spike
      ? uniform(this.random, m.vibration.spikeMin, m.vibration.spikeMax)
      : m.vibration.floor + Math.abs(gaussian(this.random) * m.vibration.noise);

    const jitter = m.location.jitterMetres;
    const location = offset(this.site, gaussian(this.random) * jitter, gaussian(this.random) * jitter);
    return {
      metrics: {
        temperature_c: round(clamp(this.temperature + gaussian(this.random) * m.temperature.noise, m.temperature.min, m.temperature.max), 2),
        humidity_pct: round(clamp(this.humidity + gaussian(this.random) * m.humidity.noise, 0, 100), 1),
        battery_pct: round(this.battery, 3),
        vibration_g: round(vibration, 3),
      },
      location: { lat: round(location.lat, 6), lon: round(location.lon, 6) },
    };
  }
}

/** One exact step of dx = θ(μ − x)dt + σ dW over `dt` seconds (the discretisation stays stable for any dt). */
function ornsteinUhlenbeck(x: number, mean: number, theta: number, sigma: number, dt: number, random: RandomSource): number {
  if (dt === 0) return x;
  const decay = Math.exp(-theta * dt);
  const sd = sigma * Math.sqrt((1 - decay * decay) / (2 * theta));
  return mean + (x - mean) * decay + sd * gaussian(random);
}

/** `point` moved by `north` and `east` metres (equirectangular: fine over a few kilometres). */
function offset(point: GeoPoint, north: number, east: number): GeoPoint {
  const lat = clamp(point.lat + north / METRES_PER_DEGREE_LAT, -90, 90);
  const metresPerDegreeLon = METRES_PER_DEGREE_LAT * Math.max(Math.cos((lat * Math.PI) / 180), 1e-6);
  let lon = point.lon + east / metresPerDegreeLon;
  if (lon > 180) lon -= 360;
  if (lon < -180) lon += 360;
  return { lat, lon };
}
