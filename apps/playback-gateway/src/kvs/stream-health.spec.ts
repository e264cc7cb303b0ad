import { streamHealth } from './stream-health';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('streamHealth', () => {
  it('reports rates over the window and the newest fragment of the look-back', () => {
    // 2-s fragments of 250 000 bytes: 5 in the last 10 s, plus older ones that only count for lastFragmentAt.
    const fragments = [1, 3, 5, 7, 9, 11, 13, 30].map((ago) => ({
      serverTimestampMs: NOW - ago * 1000,
      producerTimestampMs: NOW - ago * 1000 - 400,
      sizeBytes: 250_000,
    }));
    expect(streamHealth(fragments.reverse(), NOW, 10_000)).toEqual({
      status: 'live',
      lastFragmentAt: new Date(NOW - 1000).toISOString(),
      lastProducerTimestamp: new Date(NOW - 1400).toISOString(),
      fragmentsPerSecond: 0.5,
      bitrateBps: 1_000_000,
      windowSeconds: 10,
      source: 'kvs',
    });
  });

  it('is idle with the last time known when nothing arrived within the window', () => {
    const h = streamHealth([{ serverTimestampMs: NOW - 45_000, sizeBytes: 10 }], NOW, 10_000);
    expect(h).toMatchObject({ status: 'idle', lastFragmentAt: new Date(NOW - 45_000).toISOString(), lastProducerTimestamp: null, fragmentsPerSecond: 0, bitrateBps: 0 });
  });

  it('is idle with nulls for a stream without fragments', () => {
    expect(streamHealth([], NOW, 10_000)).toMatchObject({ status: 'idle', lastFragmentAt: null, fragmentsPerSecond: 0 });
  });
});
