import { isNewer } from './camera-clients';

const at = (server: number, producer: number) => ({ ServerTimestamp: new Date(server), ProducerTimestamp: new Date(producer) });

describe('isNewer', () => {
  it('is the later arrival', () => {
    expect(isNewer(at(2000, 0), at(1000, 5000))).toBe(true);
    expect(isNewer(at(1000, 5000), at(2000, 0))).toBe(false);
  });

  it('breaks a tie of server timestamps (one burst) by the producer timestamp', () => {
    expect(isNewer(at(1000, 13_000), at(1000, 12_000))).toBe(true);
    expect(isNewer(at(1000, 12_000), at(1000, 13_000))).toBe(false);
    expect(isNewer(at(1000, 12_000), at(1000, 12_000))).toBe(false);
  });
});
