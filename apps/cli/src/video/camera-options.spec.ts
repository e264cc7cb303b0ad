import { InvalidArgumentError } from 'commander';
import { CliError } from '../cli/cli-error';
import { durationOption, rangeOf, timeOf } from './camera-options';

const now = new Date('2026-12-07T06:00:00Z');

describe('camera options', () => {
  it('reads durations, refusing what is not one with commander’s error (exit 2)', () => {
    expect(durationOption(' 2m ')).toBe(120_000);
    expect(() => durationOption('0s')).toThrow(InvalidArgumentError);
    expect(() => durationOption('two minutes')).toThrow('expected a duration such as 30s, 2m or 1h');
  });

  it('reads a range, or throws a usage error (exit 2) that says what is wrong', () => {
    expect(rangeOf({ from: '-10m' }, undefined, now)).toEqual({ from: new Date('2026-12-07T05:50:00Z'), to: now });
    const refused = (): unknown => rangeOf({ from: 'now', to: '-1m' }, undefined, now);
    expect(refused).toThrow(CliError);
    expect(refused).toThrow(/must be before --to/);
    expect(refused).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 2 }));
  });

  it('reads one time, naming the flag when it cannot', () => {
    expect(timeOf('--at', '-1h', now)).toEqual(new Date('2026-12-07T05:00:00Z'));
    expect(() => timeOf('--at', 'noon', now)).toThrow(/^--at: cannot read "noon"/);
  });
});
