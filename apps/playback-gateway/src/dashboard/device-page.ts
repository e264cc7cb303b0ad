/**
 * One page of the device list (GET /api/dashboard/devices): the devices whose id contains the search text, in the
 * asked order, `limit` of them from `offset`. Pure: the gateway reads the device-state table once per cache period
 * for every viewer (dashboard-tables.ts, bounded Scan) and each viewer's page is cut from that one read, so a fleet
 * of thousands costs the browser one page of rows, not the whole table every 2 s.
 *
 * Order: ties (and devices without the sorted metric, which go last in either direction) fall back to the id, in
 * natural order ("sim-2" before "sim-10"), so a page boundary does not move between two polls of the same data.
 */
import type { DeviceListQuery } from './dashboard-requests';
import type { DevicesPage } from './dashboard-views';
import type { DeviceStateItem } from './dashboard-tables';

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** The number a device sorts by, undefined when it has none (a metric it does not report). */
function sortValue(d: DeviceStateItem, query: DeviceListQuery): number | undefined {
  switch (query.sort.by) {
    case 'age':
      return -d.ts; // youngest report first when ascending
    case 'seq':
      return d.seq;
    case 'metric':
      return d.metrics[query.sort.metric];
    default:
      return undefined;
  }
}

export function devicesPage(items: readonly DeviceStateItem[], query: DeviceListQuery, read: { truncated: boolean; skipped: number }): DevicesPage {
  const { q } = query;
  const matching = q === undefined ? [...items] : items.filter((d) => d.deviceId.toLowerCase().includes(q));
  const sign = query.order === 'desc' ? -1 : 1;
  const byId = (a: DeviceStateItem, b: DeviceStateItem): number => collator.compare(a.deviceId, b.deviceId);
  if (query.sort.by === 'device') matching.sort((a, b) => sign * byId(a, b));
  else {
    matching.sort((a, b) => {
      const va = sortValue(a, query);
      const vb = sortValue(b, query);
      if (va === undefined || vb === undefined) return va === vb ? byId(a, b) : va === undefined ? 1 : -1;
      return va === vb ? byId(a, b) : sign * (va - vb);
    });
  }
  // Every metric any device reports (not only this page's): the page's columns and the sort menu stay put.
  const metrics = [...new Set(items.flatMap((d) => Object.keys(d.metrics)))].sort(collator.compare);
  return {
    devices: matching.slice(query.offset, query.offset + query.limit),
    total: matching.length,
    offset: query.offset,
    limit: query.limit,
    metrics,
    fleet: items.length,
    truncated: read.truncated,
    skipped: read.skipped,
  };
}
