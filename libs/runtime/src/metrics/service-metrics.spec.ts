import { ServiceMetrics } from './service-metrics';

class SpecMetrics extends ServiceMetrics {
  state = { depth: undefined as number | undefined, up: true, totals: undefined as number | undefined, shards: new Map<string, number>() };
  readonly events = this.counter('spec_events_total', 'Events, by kind.', ['kind']);
  constructor() {
    super({ defaultMetrics: false });
    this.scrapeGauge('spec_depth', 'Depth.', () => this.state.depth);
    this.scrapeGauge('spec_up', 'Up.', () => this.state.up);
    this.scrapeGaugeByLabel('spec_lag', 'Lag per shard.', 'shard_id', () => this.state.shards);
    this.scrapeTotal('spec_records_total', 'Records.', () => this.state.totals);
  }
}

const value = (body: string, series: string): string | undefined => new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(body)?.[1];

describe('ServiceMetrics', () => {
  it('reads gauges and running totals at scrape time, on a registry of its own', async () => {
    const m = new SpecMetrics();
    m.events.inc({ kind: 'a' });
    m.state.shards.set('shardId-0', 250);
    let { body } = await m.render();
    expect([value(body, 'spec_depth'), value(body, 'spec_up'), value(body, 'spec_records_total')]).toEqual(['0', '1', '0']);
    expect(value(body, 'spec_events_total{kind="a"}')).toBe('1');
    expect(value(body, 'spec_lag{shard_id="shardId-0"}')).toBe('250');

    Object.assign(m.state, { depth: 7, up: false, totals: 40 });
    m.state.shards.clear();
    body = (await m.render()).body;
    expect([value(body, 'spec_depth'), value(body, 'spec_up'), value(body, 'spec_records_total')]).toEqual(['7', '0', '40']);
    expect(body).not.toContain('shardId-0');
    m.state.totals = 45;
    expect(value((await m.render()).body, 'spec_records_total')).toBe('45');
    expect(new SpecMetrics().registry).not.toBe(m.registry);
  });

  it('adds the process metrics unless told not to, with an optional prefix', async () => {
    class Prefixed extends ServiceMetrics {}
    const m = new Prefixed({ defaultMetricsPrefix: 'spec_' });
    expect((await m.render()).body).toContain('spec_process_cpu_seconds_total');
    expect((await new SpecMetrics().render()).body).not.toContain('process_cpu');
  });
});
