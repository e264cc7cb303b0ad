/**
 * The dashboard's data-streams panel (telemetry:read), mounted by dashboard-api.ts:
 *
 *   GET /api/dashboard/data-streams                 every KDS stream: status, mode, open shards, retention, flow
 *   GET /api/dashboard/data-streams/:name/records   the newest user records the sampler read (KPL deaggregated)
 *
 * Everything comes from KdsDashboardClient's caches, shared by every viewer; a stream's records are only sampled
 * when the list has it, so a caller cannot make the gateway read (and cache) names of its choosing.
 */
import type { Request, Router } from 'express';
import { requireScope } from '@tributary/auth';
import { mapWithConcurrency, type Clock, type Logger } from '@tributary/runtime';
import { queryRecord, validate } from '../api/api-requests';
import { GatewayError } from '../gateway-error';
import type { KdsDashboardClient } from '../kds/kds-dashboard-client';
import { noQuerySchema } from './dashboard-requests';
import type { DataStreamRecordsView, DataStreamSummary, DataStreamsView } from './dashboard-views';

export const DATA_STREAMS_PATHS = ['/dashboard/data-streams', '/dashboard/data-streams/:name/records'];

/** KDS stream names: 1–128 of [a-zA-Z0-9_.-] (Kinesis API reference, StreamName). */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

const SAMPLED_STATUSES = new Set(['ACTIVE', 'UPDATING']);

export function dataStreamsRoutes(router: Router, kds: KdsDashboardClient, scope: string, clock: Clock, logger: Logger): void {
  const allowed = requireScope(scope);
  const noQuery = (req: Request): void => {
    validate(noQuerySchema, queryRecord(req.url), 'query');
  };

  router.get('/dashboard/data-streams', allowed, async (req, res) => {
    noQuery(req);
    const list = await kds.listStreams();
    const { maxStreams, sampleConcurrency } = kds.settings;
    const streams = await mapWithConcurrency(list, sampleConcurrency, async (s, i): Promise<DataStreamSummary> => {
      const summary: DataStreamSummary = { ...s, flow: null, flowError: null };
      if (i >= maxStreams || s.status === null || !SAMPLED_STATUSES.has(s.status)) return summary;
      try {
        const { flow } = await kds.sample(s.name);
        const now = clock.now();
        summary.flow = { ...flow, lastRecordAgeMs: flow.lastRecordAt !== null ? Math.max(0, now - flow.lastRecordAt) : null };
      } catch (err) {
        logger.debug({ err, stream: s.name }, 'data stream sample failed');
        summary.flowError = err instanceof Error ? err.message : String(err);
      }
      return summary;
    });
    const view: DataStreamsView = { streams, flowLimited: list.length > maxStreams };
    res.status(200).set('Cache-Control', 'no-store').json(view);
  });

  router.get('/dashboard/data-streams/:name/records', allowed, async (req, res) => {
    noQuery(req);
    const name = String(req.params['name']);
    if (!STREAM_NAME.test(name)) throw new GatewayError('INVALID_REQUEST', 'A stream name is 1–128 characters of A-Z a-z 0-9 _ . -');
    const listed = (await kds.listStreams()).find((s) => s.name === name);
    if (!listed) throw new GatewayError('NOT_FOUND', `Data stream ${name} not found.`);
    const sample = await kds.sample(name);
    const view: DataStreamRecordsView = { stream: name, records: sample.preview, sampledAt: sample.flow.sampledAt };
    res.status(200).set('Cache-Control', 'no-store').json(view);
  });
}
