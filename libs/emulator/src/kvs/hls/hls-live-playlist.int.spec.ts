/**
 * A LIVE media playlist never changes what it has published (RFC 8216 §6.2.1: a segment's URI and duration stay
 * once listed): the playlist is reloaded while fragments arrive one at a time, and every segment present in two
 * reloads has the same EXTINF in both — the newest one too, which used to be listed with its stored length (0.96 s)
 * and then with 1 s once the next fragment came. The segment bytes do not change either (they are served as
 * immutable). Both containers, with an AAC track (whose frames run past the last video frame).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { GetHLSStreamingSessionURLCommand, KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '../../testing/kds-test-clients';
import { createActiveVideoStream, createKinesisVideoClient, dataEndpointOf } from '../../testing/kvs-test-clients';
import { sendPutMedia } from '../../testing/kvs-media-fixtures';

const run = promisify(execFile);
const FFMPEG = fs.existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : 'ffmpeg';

/** One second of testsrc (25 frames, one GOP: one fragment) + a 48 kHz AAC sine, Matroska on a pipe. */
async function oneSecond(): Promise<Buffer> {
  const { stdout } = await run(
    FFMPEG,
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'matroska', 'pipe:1'],
    ],
    { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/** FragmentNumber → the EXTINF line before it, in playlist order. */
function extinfs(playlist: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = playlist.split('\n');
  lines.forEach((line, i) => {
    const n = /[?&]FragmentNumber=([0-9]+)/.exec(line)?.[1];
    if (n && !line.startsWith('#')) out.set(n, lines[i - 1]);
  });
  return out;
}

describe('LIVE playlists keep what they published', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let media: Buffer;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, dynamodb: false });
    client = createKinesisVideoClient(emu.url);
    media = await oneSecond();
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
  });

  it.each(['FRAGMENTED_MP4', 'MPEG_TS'] as const)('%s: EXTINFs and segment bytes never change while fragments arrive', async (format) => {
    const name = uniqueStreamName('hls-stable');
    await createActiveVideoStream(client, name);
    const t0 = Date.now() - 30_000;
    const put = async (k: number): Promise<void> => {
      const out = await sendPutMedia(emu.url, { streamName: name, body: media, startTimestamp: ((t0 + k * 1000) / 1000).toFixed(3) });
      expect(out.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(1);
    };
    await put(0);
    const hls = new KinesisVideoArchivedMediaClient({ endpoint: await dataEndpointOf(client, name, 'GET_HLS_STREAMING_SESSION_URL'), region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const { HLSStreamingSessionURL: url = '' } = await hls.send(new GetHLSStreamingSessionURLCommand({ StreamName: name, ContainerFormat: format, MaxMediaPlaylistFragmentResults: 3 }));
    hls.destroy();
    const master = await (await fetch(url)).text();
    const mediaUrl = new URL(master.split('\n').find((l) => l.startsWith('getHLSMediaPlaylist')) ?? '', url).toString();
    const seen = new Map<string, string>();
    const firstBytes = new Map<string, Buffer>();
    let compared = 0;
    for (let k = 1; k <= 6; k++) {
      const playlist = await (await fetch(mediaUrl)).text();
      const now = extinfs(playlist);
      for (const [n, extinf] of now) {
        if (seen.has(n)) {
          expect(`${n} ${extinf}`).toBe(`${n} ${seen.get(n)}`);
          compared++;
        } else seen.set(n, extinf);
      }
      // The newest segment, fetched while nothing follows it yet.
      const newest = [...now.keys()].pop() ?? '';
      const uri = playlist.split('\n').find((l) => l.includes(`FragmentNumber=${newest}&`)) ?? '';
      firstBytes.set(newest, Buffer.from(await (await fetch(new URL(uri, url))).arrayBuffer()));
      await put(k);
    }
    expect(seen.size).toBe(6);
    expect(compared).toBeGreaterThanOrEqual(8);
    // 25 frames at 25 fps: one second, from its first listing on.
    expect([...seen.values()]).toEqual(new Array(6).fill('#EXTINF:1,'));
    const finalText = await (await fetch(mediaUrl)).text();
    for (const [n, bytes] of firstBytes) {
      const uri = finalText.split('\n').find((l) => l.includes(`FragmentNumber=${n}&`));
      if (!uri) continue; // slid out of the window
      expect(Buffer.from(await (await fetch(new URL(uri, url))).arrayBuffer()).equals(bytes)).toBe(true);
    }
  }, 60_000);
});
