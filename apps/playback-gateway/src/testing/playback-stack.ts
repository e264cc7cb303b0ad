/**
 * The whole playback stack for the browser end-to-end suites, on ephemeral ports: the emulator in process (a temp
 * data dir), the real video producer as a child process (test pattern, short fragments), and the gateway in
 * process through its own factory, configured the way it is deployed (loadConfig from flags and environment) with
 * one API key for every stream. close() stops everything it started, in reverse order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import pino from 'pino';
import { generateApiKey } from '@tributary/auth';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { createArchivedMediaClient, createKinesisVideoClient, listFragmentsByProducerTime, TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '@tributary/emulator/testing';
import { loadConfig } from '../playback-gateway-config';
import { startPlaybackGateway, type RunningPlaybackGateway } from '../playback-gateway-app';
import { startVideoProducerProcess, type VideoProducerProcess } from './video-producer-process';

export interface PlaybackStackOptions {
  /** Fragment length of the producer (500–1000 ms for the low-latency path). Default 500. */
  fragmentMs?: number;
  /** The gateway's default delivery. Default proxied. */
  delivery?: 'direct' | 'proxied';
}

export interface PlaybackStack {
  emulator: RunningEmulator;
  producer: VideoProducerProcess;
  gateway: RunningPlaybackGateway;
  /** Control-plane client of the emulator. */
  kvs: KinesisVideoClient;
  stream: string;
  /** An API key with `video:read`. */
  apiKey: string;
  /** Every fragment of the stream so far, oldest first (ListFragments, producer timestamps). */
  fragments(): Promise<Fragment[]>;
  /** Waits until the stream holds at least `count` fragments. */
  waitForFragments(count: number, timeoutMs?: number): Promise<Fragment[]>;
  close(): Promise<void>;
}

const PLAYBACK_KEY = 'playback-key-for-the-gateway-e2e-tests-0123456789';

export async function startPlaybackStack(options: PlaybackStackOptions = {}): Promise<PlaybackStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-e2e-data-'));
  const stream = uniqueStreamName('e2e-cam');
  const key = generateApiKey({ scopes: ['video:read'], name: 'e2e viewer' });
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => rmSync(dataDir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch {
        // best effort: the rest still closes
      }
    }
  };
  try {
    const emulator = await startEmulator({ port: 0, dataDir, dynamodb: false });
    cleanups.push(() => emulator.close());
    const kvs = createKinesisVideoClient(emulator.url);
    cleanups.push(() => kvs.destroy());
    const producer = await startVideoProducerProcess({ endpoint: emulator.url, stream, fragmentMs: options.fragmentMs ?? 500 });
    cleanups.push(() => producer.stop());

    const fragments = async (): Promise<Fragment[]> => {
      const archived = await createArchivedMediaClient(kvs, stream);
      try {
        return await listFragmentsByProducerTime(archived, stream);
      } finally {
        archived.destroy();
      }
    };
    const waitForFragments = async (count: number, timeoutMs = 30_000): Promise<Fragment[]> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // The stream is created by the producer itself (--create-stream on): absent for a moment.
        const list = await fragments().catch(() => []);
        if (list.length >= count) return list;
        if (Date.now() > deadline) {
          throw new Error(`stream ${stream}: ${list.length} fragments after ${timeoutMs} ms, expected ${count}; producer said:\n${producer.recentOutput().join('\n')}`);
        }
        await sleep(250);
      }
    };

    const loaded = loadConfig(
      ['--host', '127.0.0.1', '--port', '0', '--log-level', 'silent', '--delivery', options.delivery ?? 'proxied'],
      {
        GATEWAY_API_KEYS: `${key.record.id}:${key.record.hash}:video:read`,
        GATEWAY_PLAYBACK_KEY: PLAYBACK_KEY,
        AWS_ENDPOINT_URL: emulator.url,
        AWS_REGION: TEST_REGION,
      },
    );
    if (loaded.help) throw new Error('unexpected --help');
    const gateway = await startPlaybackGateway(loaded.config, {
      logger: pino({ level: 'silent' }),
      kvsClientConfig: { endpoint: emulator.url, region: TEST_REGION, credentials: TEST_CREDENTIALS },
    });
    cleanups.push(() => gateway.close());
    return { emulator, producer, gateway, kvs, stream, apiKey: key.key, fragments, waitForFragments, close };
  } catch (err) {
    await close();
    throw err;
  }
}
