/**
 * Regression: the data dir's files were 0644 and its folders 0755 (the umask's defaults), so any local user could
 * read the records, the video, DynamoDB's lease tables and the HLS session signing key. Everything the emulator
 * keeps there is now owner-only (files 0600, folders 0700) whatever the umask, and a start on a data dir left
 * readable by an older version takes group and other permissions away from the emulator's own entries.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetHLSStreamingSessionURLCommand, KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import { startEmulator, type RunningEmulator } from '../emulator';
import { createActiveStream, createKinesisClient, HTTP1_NODE, TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '../testing/kds-test-clients';
import { createDynamoDbClient, uniqueTableName } from '../testing/dynamodb-test-clients';
import { createActiveVideoStream, createKinesisVideoClient, dataEndpointOf } from '../testing/kvs-test-clients';
import { ffmpegTestPattern, sendPutMedia } from '../testing/kvs-media-fixtures';

interface Entry {
  rel: string;
  kind: 'file' | 'dir';
  mode: number;
}

/** Every file and folder under `root` (the root itself as '.') with its permission bits. */
function walk(root: string): Entry[] {
  const out: Entry[] = [];
  const visit = (p: string): void => {
    const st = fs.lstatSync(p);
    out.push({ rel: path.relative(root, p) || '.', kind: st.isDirectory() ? 'dir' : 'file', mode: st.mode & 0o777 });
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) visit(path.join(p, n));
  };
  visit(root);
  return out;
}

const octal = (e: Entry): string => `${e.rel} ${e.mode.toString(8)}`;
const expected = (e: Entry): string => `${e.rel} ${e.kind === 'dir' ? '700' : '600'}`;

/** Writes to every store the emulator has: KDS shard log and metadata, KVS fragments and HLS key, DynamoDB. */
async function writeEverything(emu: RunningEmulator): Promise<void> {
  const kinesis = createKinesisClient(emu.url, HTTP1_NODE);
  const dynamo = createDynamoDbClient(emu.url);
  const video = createKinesisVideoClient(emu.url);
  let hls: KinesisVideoArchivedMediaClient | undefined;
  try {
    const stream = uniqueStreamName('modes');
    await createActiveStream(kinesis, stream, 1);
    await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'k', Data: Buffer.from('secret') }));
    const table = uniqueTableName('modes');
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await dynamo.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'secret' } } }));
    const camera = uniqueStreamName('modes-video');
    await createActiveVideoStream(video, camera);
    const put = await sendPutMedia(emu.url, { streamName: camera, body: await ffmpegTestPattern({ seconds: 2, fps: 10 }) });
    expect(put.acks.some((a) => a.EventType === 'PERSISTED')).toBe(true);
    hls = new KinesisVideoArchivedMediaClient({
      endpoint: await dataEndpointOf(video, camera, 'GET_HLS_STREAMING_SESSION_URL'),
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
    // Creates the HLS session signing key (kvs/hls-session-key.json).
    await hls.send(new GetHLSStreamingSessionURLCommand({ StreamName: camera, PlaybackMode: 'LIVE' }));
  } finally {
    hls?.destroy();
    video.destroy();
    dynamo.destroy();
    kinesis.destroy();
  }
}

describe('data dir permissions', () => {
  let tmp: string;
  let umask: number;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-modes-'));
    // The widest umask: modes must come from the emulator, not from the process's umask.
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates every file 0600 and every folder 0700, whatever the umask', async () => {
    const dataDir = path.join(tmp, 'data');
    const emu = await startEmulator({ port: 0, dataDir });
    try {
      await writeEverything(emu);
      const running = walk(dataDir);
      // While running: every folder is private, and every file the emulator's own storage wrote (LevelDB creates
      // its files under the umask; its folder is 0700, and they are made 0600 at open and close).
      const own = running.filter((e) => e.kind === 'dir' || !e.rel.startsWith('dynamodb'));
      expect(own.map(octal)).toEqual(own.map(expected));
    } finally {
      await emu.close();
    }
    const all = walk(dataDir);
    const rels = all.map((e) => e.rel);
    expect(rels).toEqual(expect.arrayContaining(['kds-metadata.json', 'kvs/hls-session-key.json', 'kvs/streams.json', 'dynamodb/CURRENT']));
    expect(rels.some((r) => r.startsWith('kds/') && r.endsWith('.seg'))).toBe(true);
    expect(rels.some((r) => r.startsWith('kvs/') && r.endsWith('.seg'))).toBe(true);
    expect(all.map(octal)).toEqual(all.map(expected));
  }, 30_000);

  it('takes group and other permissions away from a data dir an older version left readable, and from nothing else', async () => {
    const dataDir = path.join(tmp, 'data');
    const first = await startEmulator({ port: 0, dataDir });
    try {
      await writeEverything(first);
    } finally {
      await first.close();
    }
    // What an older version left: 0755 folders and 0644 files; and a file of the user's own beside them.
    for (const e of walk(dataDir)) fs.chmodSync(path.join(dataDir, e.rel), e.kind === 'dir' ? 0o755 : 0o644);
    fs.writeFileSync(path.join(dataDir, 'notes.txt'), 'mine', { mode: 0o644 });

    const second = await startEmulator({ port: 0, dataDir });
    try {
      // Checked before close (which tightens DynamoDB's folder again): the start did it.
      const after = walk(dataDir).filter((e) => e.rel !== 'notes.txt');
      expect(after.length).toBeGreaterThan(10);
      expect(after.map(octal)).toEqual(after.map(expected));
    } finally {
      await second.close();
    }
    expect(fs.statSync(path.join(dataDir, 'notes.txt')).mode & 0o777).toBe(0o644);
  }, 30_000);
});
