/** The checkpoint policy's decisions, table-driven, and its validation (the error names the setting). */
import { CheckpointPolicy, type CheckpointAfter, type CheckpointProgress } from './checkpoint-policy';

const at = (recordsSinceLast: number, msSinceLast: number): CheckpointProgress => ({ recordsSinceLast, msSinceLast });

describe('CheckpointPolicy', () => {
  it.each<[string, CheckpointAfter | undefined, CheckpointProgress, boolean]>([
    ['batch (default): after any batch with records', undefined, at(1, 0), true],
    ['batch: nothing new, no checkpoint', 'batch', at(0, 60_000), false],
    ['manual: never by itself', 'manual', at(1_000_000, 3_600_000), false],
    ['records: below the count', { records: 100 }, at(99, 3_600_000), false],
    ['records: at the count', { records: 100 }, at(100, 0), true],
    ['ms: before the interval', { ms: 5_000 }, at(10_000, 4_999), false],
    ['ms: at the interval', { ms: 5_000 }, at(1, 5_000), true],
    ['ms: interval passed but nothing new', { ms: 5_000 }, at(0, 50_000), false],
    ['both: the count first', { records: 10, ms: 5_000 }, at(10, 1), true],
    ['both: the time first', { records: 10, ms: 5_000 }, at(1, 5_001), true],
    ['both: neither', { records: 10, ms: 5_000 }, at(9, 4_999), false],
  ])('%s', (_name, option, progress, expected) => {
    expect(new CheckpointPolicy(option).shouldCheckpoint(progress)).toBe(expected);
  });

  it.each<[CheckpointAfter, CheckpointProgress, number | undefined]>([
    [{ ms: 5_000 }, at(3, 1_000), 4_000],
    [{ ms: 5_000 }, at(3, 7_000), 0],
    [{ ms: 5_000 }, at(0, 1_000), undefined],
    [{ records: 10 }, at(3, 1_000), undefined],
    ['batch', at(3, 1_000), undefined],
    ['manual', at(3, 1_000), undefined],
  ])('dueInMs(%j, %j) = %s', (option, progress, expected) => {
    expect(new CheckpointPolicy(option).dueInMs(progress)).toBe(expected);
  });

  it('describes itself', () => {
    expect(new CheckpointPolicy({ records: 5, ms: 10 })).toMatchObject({ kind: 'interval', records: 5, ms: 10 });
    expect(new CheckpointPolicy('manual').kind).toBe('manual');
    expect(new CheckpointPolicy().kind).toBe('batch');
  });

  it.each<[string, unknown]>([
    ['checkpointAfter', 'always'],
    ['checkpointAfter', {}],
    ['checkpointAfter', null],
    ['checkpointAfter.records', { records: 0 }],
    ['checkpointAfter.records', { records: 2.5 }],
    ['checkpointAfter.ms', { ms: -1 }],
    ['checkpointAfter.ms', { ms: Number.POSITIVE_INFINITY }],
    ['checkpointAfter.seconds', { seconds: 5 }],
  ])('refuses a bad %s (%j)', (setting, option) => {
    expect(() => new CheckpointPolicy(option as CheckpointAfter)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining(setting) }),
    );
  });
});
