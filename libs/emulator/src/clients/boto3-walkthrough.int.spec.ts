/**
 * A client this project did not write: boto3-walkthrough/walkthrough.py (its steps in one module per service)
 * runs with Debian's `/usr/bin/python3 -I` and its python3-boto3 (boto3 1.26, botocore 1.29; installed by
 * tools/setup/ensure-system-deps.sh) against the emulator in process, one section per test: KDS (create to
 * delete, resharding, tags, SubscribeToShard's event stream over botocore's HTTP/1.1), KVS (control plane, then
 * GetMedia, ListFragments, GetMediaForFragmentList, HLS, GetClip, GetImages over media this spec puts with
 * PutMedia, which no SDK has), DASH, DynamoDB, and errors as botocore's ClientError.
 *
 * The interpreter is called by absolute path with `-I` (no PYTHON* variables, no user site) because a pyenv
 * python3 with another boto3 comes first on PATH here. The script prints `ok <step>` per step and exits 1 at the
 * first failure with `FAILED <step>: …`; each test checks the exit code and the exact list of steps that passed,
 * so a step the script skipped fails the test too.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../emulator';
import { uniqueStreamName } from '../testing/kds-test-clients';
import { ffmpegTestPattern, sendPutMedia } from '../testing/kvs-media-fixtures';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'boto3-walkthrough', 'walkthrough.py');
// A section takes a few seconds; the bound is for a loaded machine. The script is stopped before jest gives up on
// the test, so its output (the steps so far) is reported.
const SECTION_TIMEOUT_MS = 100_000;
const TEST_TIMEOUT_MS = 120_000;

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

let emu: RunningEmulator;
let home: string;

/** Runs `/usr/bin/python3 -I <args>`; never rejects, so the caller reports exit code and output. */
function runPython(args: string[]): Promise<ScriptRun> {
  // Only what the script needs: no AWS_* or proxy variables of the developer, an empty AWS config.
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
  };
  return new Promise((resolve) => {
    execFile(PYTHON, ['-I', ...args], { env, timeout: SECTION_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs one section and returns the steps that passed; fails with the script's whole output unless it exits 0. */
async function walkthrough(section: string, ...args: string[]): Promise<string[]> {
  const r = await runPython([SCRIPT, '--endpoint', emu.url, section, ...args]);
  if (r.code !== 0 || !r.stdout.trimEnd().endsWith('\ndone')) {
    throw new Error(`walkthrough.py ${section} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout
    .split('\n')
    .filter((line) => line.startsWith('ok '))
    .map((line) => line.slice(3));
}

beforeAll(async () => {
  try {
    accessSync(PYTHON, constants.X_OK);
  } catch {
    throw new Error(`${PYTHON} is missing. Install Debian's python3-boto3 with: bash tools/setup/ensure-system-deps.sh`);
  }
  home = mkdtempSync(join(tmpdir(), 'tributary-boto3-'));
  writeFileSync(join(home, 'config'), '');
  writeFileSync(join(home, 'credentials'), '');
  const probe = await runPython(['-c', 'import boto3, botocore; print(boto3.__version__, botocore.__version__)']);
  if (probe.code !== 0) {
    throw new Error(`${PYTHON} has no boto3 (Debian package python3-boto3; bash tools/setup/ensure-system-deps.sh):\n${probe.stderr}`);
  }
  // Short status transitions, so the waiters and the script's polls see CREATING / UPDATING / DELETING first.
  emu = await startEmulator({ port: 0, delays: { create: 200, update: 200, delete: 200, consumer: 200 } });
});

afterAll(async () => {
  await emu?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('boto3 (Debian python3-boto3) against the emulator', () => {
  it('Kinesis Data Streams: create, put, get, split, merge, tags, enhanced fan-out, delete', async () => {
    expect(await walkthrough('kds')).toEqual([
      'kds.create_stream + waiter stream_exists',
      'kds.describe_stream_summary',
      'kds.list_shards',
      'kds.put_record (bytes, not UTF-8, with NUL)',
      'kds.put_records',
      'kds.get_shard_iterator + get_records (bytes round trip)',
      'kds.split_shard + waiter stream_exists (UPDATING -> ACTIVE)',
      'kds.list_shards after split (closed parent, two children)',
      'kds.get_records on the closed parent ends with ChildShards',
      'kds.merge_shards + waiter stream_exists',
      'kds.list_shards after merge (both parents of the merged shard)',
      'kds.describe_stream paginator (one shard a page)',
      'kds.add_tags_to_stream + list_tags_for_stream',
      'kds.remove_tags_from_stream',
      'kds.register_stream_consumer, then ACTIVE',
      'kds.subscribe_to_shard (event stream): records already in, then one put while subscribed',
      'kds.deregister_stream_consumer',
      'kds.delete_stream + waiter stream_not_exists',
    ]);
  }, TEST_TIMEOUT_MS);

  describe('Kinesis Video Streams', () => {
    const stream = uniqueStreamName('boto3-video');
    // Producer timestamps a minute back, on a whole second, so the script's expected times are exact.
    const startMs = Math.floor(Date.now() / 1000) * 1000 - 60_000;

    it('control plane: create_stream, describe_stream, list_streams, tags, get_data_endpoint for every API', async () => {
      expect(await walkthrough('kvs-control', stream)).toEqual([
        'kvs.create_stream',
        'kvs.describe_stream until ACTIVE',
        'kvs.list_streams',
        'kvs.tag_stream + list_tags_for_stream',
        'kvs.get_data_endpoint for every APIName of the model',
      ]);
    }, TEST_TIMEOUT_MS);

    it('media put by PutMedia comes back through list_fragments, get_media, get_media_for_fragment_list, HLS, get_clip, get_images', async () => {
      const body = await ffmpegTestPattern({ seconds: 4, fps: 25 });
      const put = await sendPutMedia(emu.url, { streamName: stream, body, startTimestamp: (startMs / 1000).toFixed(3) });
      expect(put.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(4);
      expect(await walkthrough('kvs-media', stream, String(startMs))).toEqual([
        'kvs.list_fragments',
        'kvs.get_media (Matroska payload, every fragment)',
        'kvs.get_media_for_fragment_list',
        'kvs.get_hls_streaming_session_url + playlists and fMP4 over urllib',
        'kvs.get_clip (MP4)',
        'kvs.get_images (JPEG, base64)',
      ]);
    }, TEST_TIMEOUT_MS);

    it('DASH: get_dash_streaming_session_url, the MPD, its init and first media segment', async () => {
      expect(await walkthrough('kvs-dash', stream, String(startMs))).toEqual([
        'kvs.get_dash_streaming_session_url + MPD, init and first media segment over urllib',
      ]);
    }, TEST_TIMEOUT_MS);
  });

  it('DynamoDB: create_table, put_item, get_item, query, a failed conditional update_item, delete_table', async () => {
    expect(await walkthrough('dynamodb')).toEqual([
      'dynamodb.create_table + waiter table_exists',
      'dynamodb.put_item + get_item',
      'dynamodb.query (client, then resource with boto3.dynamodb.conditions)',
      'dynamodb.update_item: a passing condition, then a failing one (ConditionalCheckFailedException)',
      'dynamodb.delete_table + waiter table_not_exists',
    ]);
  }, TEST_TIMEOUT_MS);

  it('errors reach Python as botocore ClientError with AWS codes, statuses and messages', async () => {
    expect(await walkthrough('errors')).toEqual([
      'errors.kinesis missing stream: ResourceNotFoundException (modeled exception class)',
      'errors.kinesis bad stream name: ValidationException',
      'errors.kinesis bad argument: InvalidArgumentException',
      'errors.kinesis list_shards paginator sends StreamName with NextToken: refused as AWS does (botocore#2009)',
      'errors.kinesisvideo missing stream: ResourceNotFoundException',
      'errors.dynamodb missing table: ResourceNotFoundException',
    ]);
  }, TEST_TIMEOUT_MS);

  it('a failing step fails the run, names the step and exits 1', async () => {
    // The script against a port nobody listens on: its first step must fail loudly, not pass silently.
    const r = await runPython([SCRIPT, '--endpoint', 'http://127.0.0.1:9', 'errors']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAILED errors\.kinesis missing stream: ResourceNotFoundException \(modeled exception class\): EndpointConnectionError: /m);
    expect(r.stdout).not.toContain('\ndone');
  }, TEST_TIMEOUT_MS);
});
