/**
 * `tributary cost` as users run it (a child process): JSON in a pipe, the table on a pseudo-terminal (`script`),
 * --help with examples, and bad input refused with exit code 2 and the flag named. Nothing is called: the command
 * prices its inputs, so no emulator is needed.
 */
import { execFileSync } from 'node:child_process';
import { REPO_ROOT, emulatorEnv, runCli } from '../testing/stream-cli-kit';

interface CostJson {
  totalUsd: number;
  perThousandDevicesUsd?: number;
  perCameraUsd?: number;
  traffic: { shards: number };
  lines: { item: string; monthlyUsd: number; formula: string }[];
  leaseComparison?: { protocol: string; monthlyUsd: number }[];
}

// Each case starts the CLI through tsx (1.5 s alone, 10 s and more on a loaded 2-core machine); one case starts two.
jest.setTimeout(90_000);

describe('tributary cost', () => {
  it('prints one JSON object in a pipe: the defaults are the worked example of docs/scaling.md', async () => {
    const run = await runCli(['cost']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as CostJson;
    // 1,000 devices × one 200-B record a second (libs/cost-model/src/cost-model.spec.ts works it out by hand).
    expect(body.totalUsd).toBeCloseTo(1777.742, 3);
    expect(body.perThousandDevicesUsd).toBeCloseTo(1777.742, 3);
    expect(body.lines.find((l) => l.item === 'shard-hours')?.formula).toMatch(/= 730 shard-hour × \$0\.015 = \$10\.95$/);
  });

  it('one camera for a month, and the lease protocols compared at 1,000 shards and 20 workers', async () => {
    const camera = JSON.parse((await runCli(['cost', '--devices', '0', '--cameras', '1', '--bitrate', '2000', '--video-retention', '168', '--hours-watched', '30'])).stdout) as CostJson;
    expect(camera.perCameraUsd).toBeCloseTo(8.738974, 4);
    const fleet = await runCli(['cost', '--devices', '100,000', '--shards', '1000', '--workers', '20', '--compare-leases', '--json']);
    expect(fleet.code).toBe(0);
    const body = JSON.parse(fleet.stdout) as CostJson;
    expect(body.traffic.shards).toBe(1000);
    const byProtocol = Object.fromEntries((body.leaseComparison ?? []).map((r) => [r.protocol, r.monthlyUsd]));
    expect(Object.keys(byProtocol)).toEqual(['per-lease', 'heartbeat', 'kcl-defaults']);
    // per-lease: (1,025.64 renewals + 200 coalesced checkpoints) WRU/s and 1,480 RRU/s, all month.
    expect(byProtocol['per-lease']).toBeCloseTo(((1225.641 * 0.625 + 1480 * 0.125) * 2_628_000) / 1e6, 0);
    expect(byProtocol['heartbeat']).toBeLessThan(byProtocol['kcl-defaults'] ?? 0);
  });

  it('draws the table with formulas on a terminal', () => {
    // `script` gives the CLI a pseudo-terminal, as a user's shell would.
    const command = `node --require tsx/cjs apps/cli/src/main.ts cost --cameras 1 --hours-watched 30`;
    const out = execFileSync('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, env: { ...emulatorEnv(), NO_COLOR: '1', TERM: 'xterm' }, encoding: 'utf8' });
    expect(out).toContain('Monthly AWS cost, us-east-1 list prices of 2026-12-07');
    expect(out).toMatch(/Kinesis Data Streams\s+shard-hours\s+730 shard-hour\s+\$0\.015\s+\$10\.95/);
    expect(out).toContain('× 730 h = 730 shard-hour × $0.015 = $10.95');
    expect(out).toMatch(/per camera\s+\$/);
    expect(out).not.toContain('\u001b[1m'); // NO_COLOR
  });

  it('--help lists the inputs and examples', async () => {
    const run = await runCli(['cost', '--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--devices', '--rate', '--record-size', '--capacity-mode', '--cameras', '--bitrate', '--video-retention', '--hours-watched', '--workers', '--lease-protocol', '--compare-leases', '--json']) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('libs/cost-model/src/prices.ts');
  });

  it.each([
    [['cost', '--retention', '12'], /--retention: expected a number from 24 to 8760 \(got 12\)/],
    [['cost', '--devices', '-5'], /--devices.*expected a whole number, 0 or more/],
    [['cost', '--capacity-mode', 'serverless'], /--capacity-mode.*Allowed choices are provisioned, on-demand/],
  ])('refuses %j with exit code 2', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });
});
