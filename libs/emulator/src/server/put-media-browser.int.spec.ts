/**
 * Browsers cannot PutMedia to AWS: the data endpoint answers the CORS preflight for /putMedia with 403 and no
 * `Access-Control-Allow-Origin`, so the page's fetch fails. The emulator refuses it the same way, even for an
 * origin it otherwise serves, so that a page streaming video works neither locally nor on AWS. Checked with raw
 * requests and with Debian's chromium (playwright-core) on a loopback origin, which the emulator otherwise lets
 * call Kinesis and the KVS control plane.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import type { KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { startEmulator, type RunningEmulator } from '../emulator';
import { launchChromium } from '../testing/browser-harness';
import { FAKE_AUTHORIZATION, jsonOf, rawRequest, uniqueStreamName, type WireProtocol } from '../testing/kds-test-clients';
import { createActiveVideoStream, createArchivedMediaClient, createKinesisVideoClient, listFragmentsByProducerTime } from '../testing/kvs-test-clients';
import { ffmpegTestPattern, sendPutMedia } from '../testing/kvs-media-fixtures';

const LOOPBACK_PAGE = 'http://localhost:3000';

/** The fragments the emulator kept for a stream (none when PutMedia was refused). */
async function fragmentCount(archived: KinesisVideoArchivedMediaClient, streamName: string): Promise<number> {
  return (await listFragmentsByProducerTime(archived, streamName)).length;
}

describe('PutMedia from a browser', () => {
  let emu: RunningEmulator;
  let video: KinesisVideoClient;
  let mkv: Buffer;
  beforeAll(async () => {
    [emu, mkv] = await Promise.all([startEmulator({ port: 0, dynamodb: false }), ffmpegTestPattern({ seconds: 2, fps: 25 })]);
    video = createKinesisVideoClient(emu.url);
  });
  afterAll(async () => {
    video.destroy();
    await emu.close();
  });

  describe.each<WireProtocol>(['http/1.1', 'h2c'])('raw, over %s', (protocol) => {
    it('refuses the preflight of an allowed origin with 403, empty and without CORS headers, as AWS does', async () => {
      const res = await rawRequest(emu.url, protocol, {
        method: 'OPTIONS',
        path: '/putMedia',
        headers: { origin: LOOPBACK_PAGE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-amzn-stream-name,x-amzn-fragment-timecode-type' },
      });
      expect(res.status).toBe(403);
      expect(res.body).toHaveLength(0);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-methods']).toBeUndefined();
      // The same origin's preflight for another KVS path is answered: the refusal is PutMedia's alone.
      const other = await rawRequest(emu.url, protocol, {
        method: 'OPTIONS',
        path: '/getHLSStreamingSessionURL',
        headers: { origin: LOOPBACK_PAGE, 'access-control-request-method': 'POST' },
      });
      expect(other.status).toBe(204);
      expect(other.headers['access-control-allow-origin']).toBe(LOOPBACK_PAGE);
    });

    it('refuses a PutMedia that carries an Origin (no preflight: a no-cors fetch) and keeps nothing; without Origin it is served', async () => {
      const refused = uniqueStreamName('put-media-origin');
      await createActiveVideoStream(video, refused);
      const archived = await createArchivedMediaClient(video, refused);
      try {
        const out = await sendPutMedia(emu.url, { streamName: refused, body: mkv, protocol, headers: { origin: LOOPBACK_PAGE } });
        expect(out.status).toBe(403);
        expect(out.acks).toEqual([]);
        expect(out.headers['access-control-allow-origin']).toBeUndefined();
        expect(JSON.parse(out.text)).toEqual({ __type: 'AccessDeniedException', Message: expect.stringContaining('PutMedia is not available to browsers') });
        expect(await fragmentCount(archived, refused)).toBe(0);

        const served = uniqueStreamName('put-media-no-origin');
        await createActiveVideoStream(video, served);
        const ok = await sendPutMedia(emu.url, { streamName: served, body: mkv, protocol });
        expect(ok.status).toBe(200);
        expect(ok.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(2);
        expect(await fragmentCount(archived, served)).toBe(2);
      } finally {
        archived.destroy();
      }
    });
  });

  describe('in chromium, from a page on a loopback origin', () => {
    let browser: Browser;
    let pageServer: http.Server;
    let pageUrl: string;
    beforeAll(async () => {
      pageServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>producer page</title>'));
      await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
      pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => pageServer?.close(resolve));
    });

    it('cannot stream: the fetch fails on the preflight and nothing is stored, while Kinesis and the KVS control plane answer it', async () => {
      const name = uniqueStreamName('put-media-browser');
      await createActiveVideoStream(video, name);
      const page = await browser.newPage();
      const archived = await createArchivedMediaClient(video, name);
      try {
        await page.goto(pageUrl);
        const call = (expression: string): Promise<{ status?: number; body?: string; error?: string }> =>
          page.evaluate(`(async () => { try { const r = await ${expression}; return { status: r.status, body: await r.text() }; } catch (e) { return { error: String(e) }; } })()`);
        const endpoint = JSON.stringify(emu.url);
        const putMedia = await call(
          `fetch(${endpoint} + '/putMedia', { method: 'POST', body: Uint8Array.from(atob(${JSON.stringify(mkv.toString('base64'))}), (c) => c.charCodeAt(0)), ` +
            `headers: { 'x-amzn-stream-name': ${JSON.stringify(name)}, 'x-amzn-fragment-timecode-type': 'RELATIVE', 'x-amzn-producer-start-timestamp': String(Date.now() / 1000) } })`,
        );
        expect(putMedia).toEqual({ error: expect.stringMatching(/TypeError: Failed to fetch/) });
        expect(await fragmentCount(archived, name)).toBe(0);

        // The same page may call the emulator otherwise: the refusal is not a blanket CORS failure.
        const listVideo = await call(`fetch(${endpoint} + '/listStreams', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })`);
        expect(listVideo.status).toBe(200);
        expect(JSON.parse(listVideo.body ?? '{}').StreamInfoList.map((s: { StreamName: string }) => s.StreamName)).toContain(name);
        const kinesisHeaders = JSON.stringify({
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'Kinesis_20131202.ListStreams',
          'x-amz-date': '20240101T000000Z',
          authorization: FAKE_AUTHORIZATION,
        });
        const listStreams = await call(`fetch(${endpoint} + '/', { method: 'POST', headers: ${kinesisHeaders}, body: '{}' })`);
        expect(listStreams.status).toBe(200);
        expect(JSON.parse(listStreams.body ?? '{}')).toMatchObject({ StreamNames: expect.any(Array), HasMoreStreams: false });
      } finally {
        archived.destroy();
        await page.close();
      }
    });
  });

  it('keeps the raw PutMedia refusal in the KVS error envelope (x-amzn-ErrorType with its namespace)', async () => {
    const res = await rawRequest(emu.url, 'http/1.1', { path: '/putMedia', headers: { origin: LOOPBACK_PAGE, 'x-amzn-stream-name': 'any' }, body: 'x' });
    expect(res.status).toBe(403);
    expect(String(res.headers['x-amzn-errortype'])).toMatch(/^AccessDeniedException:/);
    expect(jsonOf(res)['__type']).toBe('AccessDeniedException');
  });
});
