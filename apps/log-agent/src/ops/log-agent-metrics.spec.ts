import type { AddressInfo } from 'node:net';
import { noopLogger } from '@tributary/runtime';
import { newProcessingCounters } from '../processing';
import type { FlowDeliveryStats } from '../delivery/flow-delivery';
import type { TailerStats } from '../tailing/tailer-types';
import { LogAgentMetrics, type FlowMetricsSource } from './log-agent-metrics';
import { createOpsServer, type HealthReport } from './ops-server';

function source(flowId: string, delivery: Partial<FlowDeliveryStats>, tailer: TailerStats): FlowMetricsSource {
  const counters = newProcessingCounters();
  counters.linesRead = 120;
  counters.parseFailures = 3;
  return {
    flowId,
    stream: 'logs',
    counters,
    delivery: () => ({ recordsSent: 117, recordsAcked: 100, bytesSent: 5000, recordsResent: 0, recordsRejected: 0, inFlight: 17, oldestUnackedAgeMs: 2500, ...delivery }),
    tailerStats: () => tailer,
  };
}

const tailer: TailerStats = {
  flowId: 'f1',
  filesTracked: 2,
  watching: true,
  paused: false,
  files: [
    { file: '1:2/0', path: '/var/log/a.log', bytesBehind: 4096, bytesUnacknowledged: 8192, readOffset: 100, checkpointOffset: 50, rotated: false },
    { file: '1:3/0', path: '/var/log/a.log.1', bytesBehind: 0, bytesUnacknowledged: 10, readOffset: 10, checkpointOffset: 0, rotated: true },
  ],
};

describe('LogAgentMetrics', () => {
  it('exports per-flow totals and state and per-file bytes behind, as read at scrape time', async () => {
    const metrics = new LogAgentMetrics({ defaultMetrics: false });
    let acked = 100;
    const flow = source('f1', {}, tailer);
    metrics.bindFlows([{ ...flow, delivery: () => ({ ...flow.delivery(), recordsAcked: acked }) }]);
    let text = (await metrics.render()).body;
    expect(text).toMatch(/^log_agent_lines_read_total\{flow="f1"\} 120$/m);
    expect(text).toMatch(/^log_agent_parse_failures_total\{flow="f1"\} 3$/m);
    expect(text).toMatch(/^log_agent_records_sent_total\{flow="f1"\} 117$/m);
    expect(text).toMatch(/^log_agent_records_acknowledged_total\{flow="f1"\} 100$/m);
    expect(text).toMatch(/^log_agent_oldest_unsent_line_age_seconds\{flow="f1"\} 2.5$/m);
    expect(text).toMatch(/^log_agent_bytes_behind\{flow="f1",path="\/var\/log\/a.log"\} 4096$/m);
    expect(text).toMatch(/^log_agent_bytes_unacknowledged\{flow="f1",path="\/var\/log\/a.log.1"\} 10$/m);
    expect(text).toMatch(/^log_agent_files_tracked\{flow="f1"\} 2$/m);
    // Absolute values: a second scrape shows the new total, not a sum.
    acked = 117;
    text = (await metrics.render()).body;
    expect(text).toMatch(/^log_agent_records_acknowledged_total\{flow="f1"\} 117$/m);
  });
});

describe('createOpsServer', () => {
  const get = async (url: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  };

  it('answers /healthz 200 while degraded but /readyz 503, both 503 when closing; /metrics; 404 and 405 otherwise', async () => {
    let report: HealthReport = { status: 'ok', uptimeSeconds: 1, flows: [] };
    const metrics = new LogAgentMetrics({ defaultMetrics: false });
    const server = createOpsServer(() => report, metrics, noopLogger);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await get(`${base}/healthz`)).status).toBe(200);
      expect((await get(`${base}/readyz`)).status).toBe(200);
      report = { status: 'degraded', degraded: ['logs: Kinesis unreachable'], uptimeSeconds: 2, flows: [] };
      expect((await get(`${base}/healthz`)).status).toBe(200);
      const ready = await get(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'degraded', degraded: ['logs: Kinesis unreachable'] });
      report = { status: 'closing', uptimeSeconds: 3, flows: [] };
      expect((await get(`${base}/healthz`)).status).toBe(503);
      expect((await get(`${base}/metrics`)).body).toContain('log_agent_lines_read_total');
      expect((await get(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
