/**
 * ON_DISCONTINUITY at a camera's low frame rate (10 fps: frames 100 ms apart, more than the 50-ms tolerance): a
 * segment that follows on from the previous one's last frame is no discontinuity, a real gap is (issue 15: a 15-fps
 * RTSP camera had every boundary marked, the gap measured from the previous fragment's last frame start).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetHLSStreamingSessionURLCommand, type KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { parseMediaPlaylist } from '@tributary/media';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { uniqueStreamName } from '../../testing/kds-test-clients';
import { createActiveVideoStream, createArchivedMediaClient, createKinesisVideoClient } from '../../testing/kvs-test-clients';
import { ffmpegTestPattern, sendPutMedia } from '../../testing/kvs-media-fixtures';

describe('HLS ON_DISCONTINUITY at 10 fps', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-hls-lowfps-'));
    emu = await startEmulator({ port: 0, dynamodb: false, dataDir: path.join(tmp, 'data') });
    client = createKinesisVideoClient(emu.url);
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('marks only the real gap, not every segment boundary', async () => {
    const name = uniqueStreamName('hls-lowfps');
    await createActiveVideoStream(client, name);
    // 3 s at 10 fps, a keyframe a second: three fragments each stored as 900 ms (first to last frame), playing 1 s.
    const pattern = await ffmpegTestPattern({ seconds: 3, fps: 10 });
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    // Contiguous: the second upload starts where the first stops playing. Then 3 s of nothing.
    for (const start of [t0, t0 + 3000, t0 + 9000]) {
      const out = await sendPutMedia(emu.url, { streamName: name, body: pattern, startTimestamp: (start / 1000).toFixed(3) });
      expect(out.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(3);
    }
    const hls: KinesisVideoArchivedMediaClient = await createArchivedMediaClient(client, name);
    try {
      const { HLSStreamingSessionURL: url = '' } = await hls.send(
        new GetHLSStreamingSessionURLCommand({
          StreamName: name,
          PlaybackMode: 'ON_DEMAND',
          DiscontinuityMode: 'ON_DISCONTINUITY',
          HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(t0 - 1000), EndTimestamp: new Date(t0 + 20_000) } },
        }),
      );
      const master = await (await fetch(url)).text();
      const variant = new URL(master.split('\n').find((l) => l !== '' && !l.startsWith('#')) ?? '', url).toString();
      const playlist = parseMediaPlaylist(await (await fetch(variant)).text());
      expect(playlist.segments.map((s) => s.durationSec)).toEqual(new Array(9).fill(1));
      expect(playlist.segments.map((s) => s.discontinuity ?? false)).toEqual([false, false, false, false, false, false, true, false, false]);
    } finally {
      hls.destroy();
    }
  }, 60_000);
});
