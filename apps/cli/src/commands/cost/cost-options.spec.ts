import { DEFAULT_COST_INPUTS, HEARTBEAT_PROTOCOL, KCL_DEFAULT_PROTOCOL, PER_LEASE_PROTOCOL } from '@tributary/cost-model';
import { PRODUCER_DEFAULTS } from '@tributary/kinesis-producer';
import { InvalidArgumentError } from 'commander';
import { COST_FLAG_DEFAULTS, DEFAULT_LEASE_PROTOCOL, costInputsFromOptions, leaseProtocols, nonNegative, wholeNumber, type CostOptions } from './cost-options';

const options: CostOptions = {
  ...COST_FLAG_DEFAULTS,
  capacityMode: 'provisioned',
  aggregation: true,
  efoConsumers: 0,
  leaseProtocol: 'heartbeat',
  deviceState: true,
  rollups: true,
  cameras: 0,
  hoursWatched: 0,
};

describe('the cost model prices the consumer and producer as they ship', () => {
  // The cost model keeps these figures as constants (it may not import the consumer); a change of the consumer's
  // defaults must show here, and then in the cost model.
  it("the three protocols' figures equal those derived from @tributary/kinesis-consumer's defaults", () => {
    const derived = leaseProtocols();
    expect(derived['per-lease']).toEqual(PER_LEASE_PROTOCOL);
    expect(derived.kcl).toEqual(KCL_DEFAULT_PROTOCOL);
    expect(derived.heartbeat).toEqual(HEARTBEAT_PROTOCOL);
  });

  it("the default inputs are the cost model's, with the producer's aggregate size and linger", () => {
    const inputs = costInputsFromOptions(options);
    expect(DEFAULT_LEASE_PROTOCOL).toBe('heartbeat');
    expect(inputs).toEqual({ ...DEFAULT_COST_INPUTS, telemetry: { ...DEFAULT_COST_INPUTS.telemetry, shards: undefined } });
    expect(inputs.telemetry).toMatchObject({ aggregateMaxBytes: PRODUCER_DEFAULTS.aggregationMaxBytes, lingerMs: PRODUCER_DEFAULTS.maxBufferedTimeMs });
  });

  it('maps each flag to its input', () => {
    const inputs = costInputsFromOptions({ ...options, devices: 7, rate: 0.5, shards: 3, leaseProtocol: 'kcl', rollups: false, cameras: 2, bitrate: 800, videoRetention: 0, hoursWatched: 12 });
    expect(inputs.telemetry).toMatchObject({ devices: 7, recordsPerDevicePerSecond: 0.5, shards: 3 });
    expect(inputs.consumer.lease.name).toBe('kcl-defaults');
    expect(inputs.state.rollupTable).toBe(false);
    expect(inputs.video).toEqual({ cameras: 2, bitrateKbps: 800, retentionHours: 0, hoursWatchedPerMonth: 12 });
  });
});

describe('number flags', () => {
  it.each([
    ['1000', 1000],
    ['1_000', 1000],
    ['1,000', 1000],
    ['0', 0],
  ])('wholeNumber(0) reads %s', (text, value) => expect(wholeNumber(0)(text)).toBe(value));

  it.each(['', '-1', '1.5', 'ten', '1e30'])('wholeNumber(0) refuses "%s"', (text) => expect(() => wholeNumber(0)(text)).toThrow(InvalidArgumentError));

  it.each([
    ['0.25', 0.25],
    ['1/60', 1 / 60],
    ['2.5 / 10', 0.25],
    ['3', 3],
  ])('nonNegative reads %s', (text, value) => expect(nonNegative(text)).toBeCloseTo(value, 12));

  it.each(['', '-0.1', 'x', '1/0', 'NaN'])('nonNegative refuses "%s"', (text) => expect(() => nonNegative(text)).toThrow(InvalidArgumentError));
});
