import pc from 'picocolors';
import { DEFAULT_COST_INPUTS, KCL_DEFAULT_PROTOCOL, PER_LEASE_PROTOCOL, estimateMonthlyCost } from '@tributary/cost-model';
import { costJson, formatCostTable, leaseComparison } from './cost-report';

const plain = pc.createColors(false);
const withCameras = { ...DEFAULT_COST_INPUTS, video: { cameras: 2, bitrateKbps: 2_000, retentionHours: 24, hoursWatchedPerMonth: 10 } };

describe('cost report', () => {
  const estimate = estimateMonthlyCost(withCameras);

  it('the table has every line with its formula under it, the totals and what is left out', () => {
    const table = formatCostTable(estimate, plain);
    const lines = table.split('\n');
    for (const l of estimate.lines) {
      const at = lines.findIndex((text) => text.includes(l.item) && text.includes(l.service));
      expect(at).toBeGreaterThan(0);
      expect(lines[at + 1]).toBe(`    ${l.formula}`);
    }
    expect(table).toContain('Monthly AWS cost, us-east-1 list prices of 2026-12-07');
    // Per camera: ingest $5.20097 + 24 h stored (250,000 B/s × 86,400 s / 2^30 = 20.1166 GB × $0.023 = $0.46268) +
    // 5 h watched (4.19095 GB × $0.0119 = $0.04987) = $5.71352; total $1,777.742 + 2 × $5.71352 = $1,789.169.
    expect(table).toMatch(/Total a month\s+\$1,789\.17\n/);
    expect(table).toMatch(/per camera\s+\$5\.71\n/);
    expect(table).toContain('Video: 2 camera(s) × 2,000 kbit/s, 24 h retention, 10 h watched a month');
    expect(table).toContain('Not included: compute for the apps');
    expect(table).not.toContain('\u001b['); // no colours when they are off
  });

  it('the lease comparison lists each protocol with its rates and cost', () => {
    const rows = leaseComparison([PER_LEASE_PROTOCOL, KCL_DEFAULT_PROTOCOL].map((lease) => estimateMonthlyCost({ ...withCameras, consumer: { ...withCameras.consumer, lease } })));
    expect(rows.map((r) => r.protocol)).toEqual(['per-lease', 'kcl-defaults']);
    // per-lease: $2.013115 writes + $0.657 reads (cost-model.spec.ts works them out)
    expect(rows[0]?.monthlyUsd).toBeCloseTo(2.670115, 5);
    expect(formatCostTable(estimate, plain, rows)).toMatch(/Lease table under each protocol \(1 shards, 2 workers\)\n.*\nper-lease\s+1\.226\s+1\.226\s+2\s+\$2\.67\nkcl-defaults/);
  });

  it('JSON: one object with the inputs, lines and totals', () => {
    const text = costJson(estimate);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.trim().split('\n')).toHaveLength(1);
    const body = JSON.parse(text) as { lines: { item: string; formula: string }[]; totalUsd: number; pricesAsOf: string; perCameraUsd: number; leaseComparison?: unknown };
    expect(body.totalUsd).toBeCloseTo(estimate.totalUsd, 9);
    expect(body.pricesAsOf).toBe('2026-12-07');
    expect(body.lines.map((l) => l.item)).toEqual(estimate.lines.map((l) => l.item));
    expect(body.leaseComparison).toBeUndefined();
  });
});
