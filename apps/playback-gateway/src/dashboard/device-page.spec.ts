import { parseDeviceListQuery } from './dashboard-requests';
import { devicesPage } from './device-page';
import type { DeviceStateItem } from './dashboard-tables';

const device = (deviceId: string, seq: number, ts: number, metrics: Record<string, number>): DeviceStateItem => ({ deviceId, seq, ts, metrics });
const fleet: DeviceStateItem[] = [
  device('sim-10', 5, 1_000, { temp: 20, rpm: 900 }),
  device('sim-2', 7, 3_000, { temp: 25 }),
  device('sim-1', 9, 2_000, { temp: 18, rpm: 1200 }),
  device('pump-1', 1, 4_000, { pressure: 2.5 }),
];
const read = { truncated: false, skipped: 0 };
const ids = (url: string): string[] => devicesPage(fleet, parseDeviceListQuery(Object.fromEntries(new URLSearchParams(url))), read).devices.map((d) => d.deviceId);

describe('devicesPage', () => {
  it('orders ids naturally by default, and reversed on desc', () => {
    expect(ids('')).toEqual(['pump-1', 'sim-1', 'sim-2', 'sim-10']);
    expect(ids('order=desc')).toEqual(['sim-10', 'sim-2', 'sim-1', 'pump-1']);
  });

  it('sorts by age (newest report first), seq and a metric, devices without the metric last either way', () => {
    expect(ids('sort=age')).toEqual(['pump-1', 'sim-2', 'sim-1', 'sim-10']);
    expect(ids('sort=seq&order=desc')).toEqual(['sim-1', 'sim-2', 'sim-10', 'pump-1']);
    expect(ids('sort=metric:rpm')).toEqual(['sim-10', 'sim-1', 'pump-1', 'sim-2']);
    expect(ids('sort=metric:rpm&order=desc')).toEqual(['sim-1', 'sim-10', 'pump-1', 'sim-2']);
  });

  it('searches ids case-insensitively and pages what matched, with the total and every metric of the fleet', () => {
    expect(ids('q=SIM')).toEqual(['sim-1', 'sim-2', 'sim-10']);
    const page = devicesPage(fleet, parseDeviceListQuery({ q: 'sim', limit: '2', offset: '2' }), { truncated: true, skipped: 3 });
    expect(page).toMatchObject({ total: 3, offset: 2, limit: 2, fleet: 4, truncated: true, skipped: 3, metrics: ['pressure', 'rpm', 'temp'] });
    expect(page.devices.map((d) => d.deviceId)).toEqual(['sim-10']);
    expect(ids('q=nothing')).toEqual([]);
  });

  it('pages thousands of devices without repeating or skipping one', () => {
    const many = Array.from({ length: 2_345 }, (_, i) => device(`d-${i}`, i, i, { v: i % 7 }));
    const seen: string[] = [];
    for (let offset = 0; offset < 2_345; offset += 500) {
      const page = devicesPage(many, parseDeviceListQuery({ limit: '500', offset: String(offset), sort: 'metric:v' }), read);
      expect(page.total).toBe(2_345);
      seen.push(...page.devices.map((d) => d.deviceId));
    }
    expect(new Set(seen).size).toBe(2_345);
  });
});
