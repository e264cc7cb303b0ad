import type { GetDataEndpointCommand } from '@aws-sdk/client-kinesis-video';
import { DataEndpointCache } from './data-endpoint-cache';

function setup(ttlMs = 60_000, maxEntries = 100) {
  let now = 0;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const calls: string[] = [];
  let fail = false;
  const client = {
    send: async (command: GetDataEndpointCommand) => {
      const { APIName: api, StreamName: stream } = command.input;
      calls.push(`${api} ${stream}`);
      if (fail) throw Object.assign(new Error('boom'), { name: 'ClientLimitExceededException' });
      return { DataEndpoint: `https://${String(api).toLowerCase()}.${stream}.example`, $metadata: {} };
    },
  };
  const cache = new DataEndpointCache(client, clock, ttlMs, maxEntries);
  return { clock, calls, cache, failNext: (f: boolean) => (fail = f) };
}

describe('DataEndpointCache', () => {
  it('looks each stream+API up once until the entry expires', async () => {
    const { clock, calls, cache } = setup();
    await expect(cache.get({ streamName: 'cam-1' }, 'GET_CLIP')).resolves.toEqual(new URL('https://get_clip.cam-1.example'));
    await cache.get({ streamName: 'cam-1' }, 'GET_CLIP');
    await cache.get({ streamName: 'cam-1' }, 'GET_IMAGES');
    await cache.get({ streamName: 'cam-2' }, 'GET_CLIP');
    expect(calls).toEqual(['GET_CLIP cam-1', 'GET_IMAGES cam-1', 'GET_CLIP cam-2']);
    clock.advance(60_000);
    await cache.get({ streamName: 'cam-1' }, 'GET_CLIP');
    expect(calls).toHaveLength(4);
  });

  it('shares one lookup between concurrent callers', async () => {
    const { calls, cache } = setup();
    await Promise.all([cache.get({ streamName: 'cam-1' }, 'LIST_FRAGMENTS'), cache.get({ streamName: 'cam-1' }, 'LIST_FRAGMENTS')]);
    expect(calls).toHaveLength(1);
  });

  it('does not keep a failed lookup, and forgets an invalidated entry', async () => {
    const { calls, cache, failNext } = setup();
    failNext(true);
    await expect(cache.get({ streamName: 'cam-1' }, 'GET_CLIP')).rejects.toThrow('boom');
    failNext(false);
    await expect(cache.get({ streamName: 'cam-1' }, 'GET_CLIP')).resolves.toBeInstanceOf(URL);
    cache.invalidate({ streamName: 'cam-1' }, 'GET_CLIP');
    await cache.get({ streamName: 'cam-1' }, 'GET_CLIP');
    expect(calls).toHaveLength(3);
  });

  it('keeps at most maxEntries', async () => {
    const { cache } = setup(60_000, 2);
    for (const s of ['a', 'b', 'c']) await cache.get({ streamName: s }, 'GET_CLIP');
    expect(cache.size).toBe(2);
  });
});
