/**
 * Compile-time contract between the server and the browser pages (public/*.js). The pages are type-checked
 * against ../../public-api.d.ts, their own declaration of the JSON they read, because importing the server's types
 * would bring Node's into a browser program. Here, in the server's program, each server type must still fit the
 * shape the pages declare: a renamed or retyped field fails the `typecheck` target instead of a viewer's page.
 * Types only: nothing imports this file and nothing of it runs.
 *
 * Answers built inline in the routes (the playback session, GET /api/dashboard, the rollups envelope) have no
 * server type to check against; their element types are checked.
 */
import type { z } from 'zod';
import type * as Page from '../../public-api';
import type { playbackRequestSchema } from '../api/api-requests';
import type { ConsumersView, DashboardCamera, RollupSeries } from '../dashboard/dashboard-api';
import type { DeviceStateItem, TableRead } from '../dashboard/dashboard-tables';
import type { StreamSummary } from '../kvs/kvs-playback-client';
import type { StreamHealth } from '../kvs/stream-health';

/** Compiles only when `Actual` is assignable to `Expected`. */
type Fits<Actual extends Expected, Expected> = [Actual, Expected];

export type _PublicApiContract = [
  Fits<StreamHealth, Page.StreamHealth>,
  // GET /api/streams: { streams } of summaries with their health (api/streams-api.ts withHealth).
  Fits<{ streams: Array<StreamSummary & { health: StreamHealth | null }> }, Page.StreamsResponse>,
  // The other way round for a request: what the page sends is what the server's schema accepts.
  Fits<Page.PlaybackRequest, z.input<typeof playbackRequestSchema>>,
  Fits<DashboardCamera, Page.DashboardCamera>,
  Fits<{ devices: DeviceStateItem[] } & Omit<TableRead<DeviceStateItem>, 'items'>, Page.DevicesResponse>,
  Fits<RollupSeries, Page.RollupSeries>,
  Fits<ConsumersView, Page.ConsumersView>,
];
