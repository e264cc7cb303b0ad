/**
 * Compile-time contract between the server and the browser pages (public/*.js). The pages are type-checked
 * against ../../public-api.d.ts: the server's own declarations where they sit in files free of Node's types
 * (StreamHealth, the dashboard views), and the pages' declaration of the rest, because importing those server types
 * would bring Express and Node into a browser program. Here, in the server's program, each of those server types
 * must still fit the shape the pages declare: a renamed or retyped field fails the `typecheck` target instead of a
 * viewer's page.
 * Types only: nothing imports this file and nothing of it runs.
 *
 * Answers built inline in the routes (the playback session, GET /api/dashboard, the rollups envelope) have no
 * server type to check against; their element types are shared or checked.
 */
import type { z } from 'zod';
import type * as Page from '../../public-api';
import type { playbackRequestSchema } from '../api/api-requests';
import type { StreamEntry, StreamsPage } from '../api/stream-catalog';
import type { DashboardCamera } from '../dashboard/dashboard-api';
import type { DeviceStateItem, TableRead } from '../dashboard/dashboard-tables';

/** Compiles only when `Actual` is assignable to `Expected`. */
type Fits<Actual extends Expected, Expected> = [Actual, Expected];

export type _PublicApiContract = [
  // GET /api/streams: a page of summaries with their health (api/stream-catalog.ts StreamCatalog.page).
  Fits<StreamsPage, Page.StreamsResponse>,
  // GET /api/streams/:name (StreamCatalog.entry).
  Fits<StreamEntry, Page.StreamEntry>,
  // The other way round for a request: what the page sends is what the server's schema accepts.
  Fits<Page.PlaybackRequest, z.input<typeof playbackRequestSchema>>,
  Fits<DashboardCamera, Page.DashboardCamera>,
  Fits<{ devices: DeviceStateItem[] } & Omit<TableRead<DeviceStateItem>, 'items'>, Page.DevicesResponse>,
];
