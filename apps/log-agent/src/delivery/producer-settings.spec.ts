import { AGENT_BUFFER_DEFAULTS, AGENT_CALL_MAX_BYTES, DELIVERY_DEFAULTS, agentProducerSettings, differingBufferSettings, producerSettingsFor } from './producer-settings';

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

  it('caps the agent\'s calls so that several fit in the in-flight bound (they overlap), smaller settings kept', () => {
    expect(agentProducerSettings({ kinesisStream: 's' }, DELIVERY_DEFAULTS).collectionMaxBytes).toBe(AGENT_CALL_MAX_BYTES);
    expect(agentProducerSettings({ kinesisStream: 's', maxBufferSizeBytes: 256 * 1024 }, DELIVERY_DEFAULTS).collectionMaxBytes).toBe(256 * 1024);
    const o = agentProducerSettings({ kinesisStream: 's', maxBufferAgeMillis: 1000, maxBufferSizeRecords: 100 }, DELIVERY_DEFAULTS);
    expect(o).toMatchObject({ maxBufferedTimeMs: 1000, collectionMaxCount: 100, maxBufferedRecords: DELIVERY_DEFAULTS.maxBufferedRecords });
    // The bound in bytes of JSON lines of a combined access log (~330 bytes each) spans at least four calls.
    expect((DELIVERY_DEFAULTS.maxBufferedRecords * 330) / AGENT_CALL_MAX_BYTES).toBeGreaterThanOrEqual(4);
  });

  it('names the buffer settings a second flow on the same stream cannot have', () => {
    expect(differingBufferSettings({ kinesisStream: 's', maxBufferAgeMillis: 60_000 }, { kinesisStream: 's' })).toEqual([]);
    expect(differingBufferSettings({ kinesisStream: 's', maxBufferAgeMillis: 5000, maxBufferSizeRecords: 10 }, { kinesisStream: 's' })).toEqual([
      'maxBufferAgeMillis',
      'maxBufferSizeRecords',
    ]);
  });
});
