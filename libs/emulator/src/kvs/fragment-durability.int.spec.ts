/**
 * A PERSISTED acknowledgement is a promise: the emulator runs in a child process on a data dir, takes a live
 * PutMedia, and is killed with SIGKILL while a fragment is half uploaded. A new emulator on the same dir must list
 * exactly the acknowledged fragments (none lost, none duplicated, the half one absent), serve them with GetMedia,
 * and issue larger fragment numbers to the next producer.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { GetMediaCommand } from '@aws-sdk/client-kinesis-video-media';
import { ListFragmentsCommand } from '@aws-sdk/client-kinesis-video-archived-media';
import { writeCluster, writeStreamHeader, type MkvStreamHeader } from '@tributary/media';
import { startEmulator } from '../emulator';
import { uniqueStreamName } from '../testing/kds-test-clients';
import { createActiveVideoStream, createArchivedMediaClient, createKinesisVideoClient, createMediaClient } from '../testing/kvs-test-clients';
import { readMediaChunks, sendPutMedia } from '../testing/kvs-media-fixtures';
import { startEmulatorChild } from '../testing/emulator-process';

const HEADER: MkvStreamHeader = {
  timecodeScaleNs: 1_000_000,
  tracks: [{ number: 1, uid: 1n, type: 'video', codecId: 'V_MPEG4/ISO/AVC', codecPrivate: Uint8Array.of(1, 0x42, 0, 0x1e, 0xff, 0xe0, 0) }],
};
const cluster = (ms: number): Uint8Array =>
  writeCluster({ timestampMs: ms, frames: [0, 40, 80].map((d, i) => ({ track: 1, timestampMs: ms + d, keyframe: i === 0, data: Buffer.alloc(3000, i) })) }, 1_000_000);

it.each(['interval', 'always'] as const)('keeps every PERSISTED fragment through kill -9 (fsync %s)', async (fsync) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-kill-'));
  const child = await startEmulatorChild({ dataDir, fsync, dynamodb: false });
  try {
    const client = createKinesisVideoClient(child.url);
    const name = uniqueStreamName('kill9');
    await createActiveVideoStream(client, name);
    client.destroy();
    const acked: string[] = [];
    const fourth = cluster(4000);
    const exchange = sendPutMedia(child.url, {
      streamName: name,
      timecodeType: 'ABSOLUTE',
      body: [writeStreamHeader(HEADER), cluster(1000), cluster(2000), cluster(3000), fourth.subarray(0, 4000)],
      keepOpen: true,
      onAck: (a) => {
        if (a.EventType === 'PERSISTED') acked.push(a.FragmentNumber ?? '');
        if (a.EventType === 'BUFFERING' && a.FragmentTimecode === 4000) child.process.kill('SIGKILL');
      },
    }).catch(() => undefined);
    await new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
    await exchange;
    expect(acked).toHaveLength(3);

    const emu = await startEmulator({ port: 0, dataDir, dynamodb: false, kvs: { getMediaIdleTimeoutMs: 100 } });
    const again = createKinesisVideoClient(emu.url);
    try {
      const archived = await createArchivedMediaClient(again, name);
      const range = { FragmentSelectorType: 'PRODUCER_TIMESTAMP' as const, TimestampRange: { StartTimestamp: new Date(0), EndTimestamp: new Date(60_000) } };
      const listed = await archived.send(new ListFragmentsCommand({ StreamName: name, FragmentSelector: range }));
      expect(listed.Fragments?.map((f) => f.FragmentNumber)).toEqual(acked);
      const media = await createMediaClient(again, name);
      const out = await media.send(new GetMediaCommand({ StreamName: name, StartSelector: { StartSelectorType: 'EARLIEST' } }));
      const chunks = await readMediaChunks(out.Payload as Readable & AsyncIterable<Uint8Array>);
      expect(chunks.map((c) => c.tags.fragmentNumber)).toEqual(acked);
      expect(chunks.map((c) => c.clusters[0].frames[0].data.length)).toEqual([3000, 3000, 3000]);
      const next = await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(HEADER), cluster(5000)] });
      const persisted = next.acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentNumber ?? '');
      expect(persisted).toHaveLength(1);
      expect(BigInt(persisted[0]) > BigInt(acked[2])).toBe(true);
      media.destroy();
      archived.destroy();
    } finally {
      again.destroy();
      await emu.close();
    }
  } finally {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
