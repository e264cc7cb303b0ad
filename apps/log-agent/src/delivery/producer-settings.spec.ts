import { AGENT_BUFFER_DEFAULTS, DELIVERY_DEFAULTS, differingBufferSettings, producerSettingsFor } from './producer-settings';

describe('producerSettingsFor', () => {
  it('maps the agent buffer settings onto linger and PutRecords batch limits', () => {
    const o = producerSettingsFor(
      { kinesisStream: 'logs', maxBufferAgeMillis: 1000, maxBufferSizeRecords: 100, maxBufferSizeBytes: 1024 * 1024 },
      DELIVERY_DEFAULTS,
    );
    expect(o).toMatchObject({
      streamName: 'logs',
      aggregation: true,
      maxBufferedTimeMs: 1000,
      collectionMaxCount: 100,
      collectionMaxBytes: 1024 * 1024,
      maxBufferedRecords: DELIVERY_DEFAULTS.maxBufferedRecords,
      maxBufferedBytes: DELIVERY_DEFAULTS.maxBufferedBytes,
    });
  });

  it('uses the agent defaults when a flow says nothing, and never exceeds the PutRecords limits', () => {
    const o = producerSettingsFor({ kinesisStream: 's' }, { ...DELIVERY_DEFAULTS, aggregation: false });
    expect(o.maxBufferedTimeMs).toBe(AGENT_BUFFER_DEFAULTS.maxBufferAgeMillis);
    expect(o.collectionMaxCount).toBe(500);
    expect(o.collectionMaxBytes).toBe(5 * 1024 * 1024);
    expect(o.aggregation).toBe(false);
    const big = producerSettingsFor({ kinesisStream: 's', maxBufferSizeRecords: 10_000, maxBufferSizeBytes: 50 * 1024 * 1024 }, DELIVERY_DEFAULTS);
    expect(big.collectionMaxCount).toBe(500);
    expect(big.collectionMaxBytes).toBe(5 * 1024 * 1024);
  });

  it('names the buffer settings a second flow on the same stream cannot have', () => {
    expect(differingBufferSettings({ kinesisStream: 's', maxBufferAgeMillis: 60_000 }, { kinesisStream: 's' })).toEqual([]);
    expect(differingBufferSettings({ kinesisStream: 's', maxBufferAgeMillis: 5000, maxBufferSizeRecords: 10 }, { kinesisStream: 's' })).toEqual([
      'maxBufferAgeMillis',
      'maxBufferSizeRecords',
    ]);
  });
});
