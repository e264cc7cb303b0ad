/**
 * `tributary cameras`: the Kinesis video streams with status, retention, the newest fragment and a health word
 * (video/camera-health.ts), plus the producer's own state when `--health-table` names the table video-producer
 * writes (`--health-table` there; `video-camera-health` in the dev stack). A table on a terminal, JSON lines in a
 * pipe.
 */
import { paginateListStreams, type StreamInfo } from '@aws-sdk/client-kinesis-video';
import { paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Option, type Command } from 'commander';
import { awsErrorName } from '@tributary/errors';
import { mapWithConcurrency } from '@tributary/runtime';
import { parseCameraHealthItem, type CameraHealthItem } from '@tributary/schemas';
import { withAwsOptions, type AwsClients, type AwsOptions } from '../cli/aws-options';
import type { CliContext } from '../cli/cli-context';
import { notFoundError, toCliError } from '../cli/cli-error';
import { CameraArchive } from '../video/camera-clients';
import { formatAge, formatLocalTime, renderTable } from '../video/camera-format';
import { CAMERA_HEALTH_DEFAULTS, classifyCameraHealth, producerStateOf, type CameraHealth } from '../video/camera-health';
import { durationOption } from '../video/camera-options';

interface CamerasOptions extends AwsOptions {
  prefix?: string;
  healthTable?: string;
  staleAfter: number;
  json?: boolean;
}

export interface CameraRow {
  name: string;
  arn: string | null;
  status: string | null;
  mediaType: string | null;
  retentionHours: number | null;
  /** Server timestamp (ISO UTC) of the newest fragment found in the last hour, or null. */
  lastFragmentAt: string | null;
  /** Its producer (capture) timestamp. */
  lastProducerTimestamp: string | null;
  health: CameraHealth;
  /** The producer's camera-health item, with `state` `gone` when it stopped being refreshed; absent without --health-table. */
  producer?: (Omit<CameraHealthItem, 'state'> & { state: string }) | null;
}

const HELP = `
Health (from the fragments KVS stored, searched back one hour):
  receiving     a fragment arrived within --stale-after (default 1m)
  stale         fragments exist, the newest older than that
  no data       none in the last hour
  not archived  retention 0: KVS keeps no fragments to look at
  unknown       its fragments could not be read (the warning on stderr says why)
With --health-table, PRODUCER is what video-producer last wrote for the camera
(streaming, buffering, reconnecting, stopped; gone when it stopped writing).

Examples:
  $ tributary cameras
  $ tributary cameras --prefix door- --stale-after 30s
  $ tributary cameras --health-table video-camera-health --endpoint-url http://localhost:4566
  $ tributary cameras | jq -r 'select(.health != "receiving") | .name'
`;

export function register(program: Command, ctx: CliContext): void {
  withAwsOptions(
    program
      .command('cameras')
      .description('list cameras (Kinesis video streams) with status, retention, newest fragment and health')
      .option('--prefix <text>', 'only streams whose name starts with this')
      .option('--health-table <name>', "DynamoDB table of video-producer's camera health (its --health-table)")
      .addOption(new Option('--stale-after <duration>', 'no fragment for this long is stale').argParser(durationOption).default(CAMERA_HEALTH_DEFAULTS.staleAfterMs, '1m'))
      .option('--json', 'JSON lines on a terminal too (always in a pipe)'),
  )
    .addHelpText('after', HELP)
    .action((options: CamerasOptions) => runCameras(ctx, options));
}

async function runCameras(ctx: CliContext, options: CamerasOptions): Promise<void> {
  const aws = ctx.aws(options);
  const streams = await listVideoStreams(ctx, aws, options.prefix);
  const producers = options.healthTable !== undefined ? await readHealthTable(ctx, aws, options.healthTable) : undefined;
  const now = Date.now();
  const rows = await mapWithConcurrency(streams, 4, (s) => cameraRow(ctx, aws, options, s, producers, now));
  rows.sort((a, b) => a.name.localeCompare(b.name));
  if (ctx.out.isTty && !options.json) await printTable(ctx, rows, producers !== undefined, now);
  else for (const row of rows) await ctx.out.line(JSON.stringify(row));
}

async function listVideoStreams(ctx: CliContext, aws: AwsClients, prefix: string | undefined): Promise<StreamInfo[]> {
  const input = prefix ? { StreamNameCondition: { ComparisonOperator: 'BEGINS_WITH' as const, ComparisonValue: prefix } } : {};
  const out: StreamInfo[] = [];
  try {
    for await (const page of paginateListStreams({ client: aws.kinesisVideo }, input, { abortSignal: ctx.signal })) out.push(...(page.StreamInfoList ?? []));
  } catch (err) {
    throw toCliError(err, 'ListStreams (Kinesis Video Streams)');
  }
  return out;
}

/** Every valid item of the camera-health table by stream name; an item that fails the schema is skipped with a warning. */
async function readHealthTable(ctx: CliContext, aws: AwsClients, table: string): Promise<Map<string, CameraHealthItem>> {
  const items = new Map<string, CameraHealthItem>();
  try {
    for await (const page of paginateScan({ client: aws.dynamoDb }, { TableName: table }, { abortSignal: ctx.signal })) {
      for (const raw of page.Items ?? []) {
        const parsed = parseCameraHealthItem(unmarshall(raw));
        if (parsed.ok) items.set(parsed.value.streamName, parsed.value);
        else ctx.out.warn(`${table}: an item that is not a camera-health item was skipped (${parsed.issues[0]?.path}: ${parsed.issues[0]?.message})`);
      }
    }
  } catch (err) {
    if (awsErrorName(err) === 'ResourceNotFoundException') {
      throw notFoundError(`table "${table}" not found (--health-table names the table video-producer writes with its own --health-table)`, err);
    }
    throw toCliError(err, `Scan(${table})`);
  }
  return items;
}

async function cameraRow(
  ctx: CliContext,
  aws: AwsClients,
  options: CamerasOptions,
  s: StreamInfo,
  producers: Map<string, CameraHealthItem> | undefined,
  now: number,
): Promise<CameraRow> {
  const name = s.StreamName ?? '';
  const retentionHours = s.DataRetentionInHours ?? null;
  let newest: { serverMs: number; producerMs?: number } | undefined;
  let unreadable = false;
  if (s.Status === 'ACTIVE' && retentionHours !== 0) {
    // One control-plane client for every camera; the archived-media clients are per camera (their endpoint).
    const archive = new CameraArchive(ctx, aws, name);
    try {
      const f = await archive.newestFragment(now);
      if (f) newest = { serverMs: f.ServerTimestamp?.getTime() ?? 0, producerMs: f.ProducerTimestamp?.getTime() };
    } catch (err) {
      // One camera that cannot be read (deleted meanwhile, access denied) does not hide the others.
      if (ctx.signal.aborted) throw err;
      unreadable = true;
      ctx.out.warn(`${name}: fragments could not be read: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      archive.destroy();
    }
  }
  const row: CameraRow = {
    name,
    arn: s.StreamARN ?? null,
    status: s.Status ?? null,
    mediaType: s.MediaType ?? null,
    retentionHours,
    lastFragmentAt: newest ? new Date(newest.serverMs).toISOString() : null,
    lastProducerTimestamp: newest?.producerMs !== undefined ? new Date(newest.producerMs).toISOString() : null,
    health: unreadable ? 'unknown' : classifyCameraHealth({ status: s.Status, retentionHours: retentionHours ?? undefined, lastFragmentServerMs: newest?.serverMs }, now, options.staleAfter),
  };
  if (producers !== undefined) {
    const item = producers.get(name);
    row.producer = item ? { ...item, state: producerStateOf(item, now) ?? item.state } : null;
  }
  return row;
}

async function printTable(ctx: CliContext, rows: readonly CameraRow[], withProducer: boolean, now: number): Promise<void> {
  const c = ctx.out.colors;
  if (rows.length === 0) {
    ctx.out.info('no cameras (no Kinesis video streams here; check --region and --endpoint-url)');
    return;
  }
  const paint: Record<string, (s: string) => string> = { receiving: c.green, stale: c.yellow, 'no data': c.red };
  const header = ['NAME', 'STATUS', 'RETENTION', 'LAST FRAGMENT', 'HEALTH', ...(withProducer ? ['PRODUCER'] : [])];
  const body = rows.map((r) => {
    const last = r.lastFragmentAt ? `${formatLocalTime(Date.parse(r.lastFragmentAt))} (${formatAge(Date.parse(r.lastFragmentAt), now)})` : '-';
    const producer = r.producer ? `${r.producer.state} (${r.producer.producerId})` : '-';
    return [r.name, r.status ?? '-', r.retentionHours === null ? '-' : `${r.retentionHours} h`, last, (paint[r.health] ?? c.dim)(r.health), ...(withProducer ? [producer] : [])];
  });
  for (const line of renderTable(header, body)) await ctx.out.line(line);
}
