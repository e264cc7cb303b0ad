import { CliError } from '../../cli/cli-error';
import { parseStartPosition } from './start-position';

const NOW = Date.parse('2026-12-07T06:00:00Z');

describe('parseStartPosition', () => {
  it.each([
    ['trim-horizon', { kind: 'trim-horizon' }],
    ['TRIM_HORIZON', { kind: 'trim-horizon' }],
    ['latest', { kind: 'latest' }],
    ['LATEST', { kind: 'latest' }],
  ])('reads %s', (text, expected) => {
    expect(parseStartPosition(text, NOW)).toEqual(expected);
  });

  it('reads ISO times with and without a zone (UTC) and a date alone (midnight UTC)', () => {
    expect(parseStartPosition('2026-12-07T05:30:00Z', NOW)).toEqual({ kind: 'timestamp', at: new Date('2026-12-07T05:30:00Z') });
    expect(parseStartPosition('2026-12-07T07:30:00+02:00', NOW)).toEqual({ kind: 'timestamp', at: new Date('2026-12-07T05:30:00Z') });
    expect(parseStartPosition('2026-12-07 05:30', NOW)).toEqual({ kind: 'timestamp', at: new Date('2026-12-07T05:30:00Z') });
    expect(parseStartPosition('2026-12-06', NOW)).toEqual({ kind: 'timestamp', at: new Date('2026-12-06T00:00:00Z') });
    expect(parseStartPosition('2026-12-07T05:30:00.123Z', NOW)).toEqual({ kind: 'timestamp', at: new Date('2026-12-07T05:30:00.123Z') });
  });

  it('reads durations ago', () => {
    expect(parseStartPosition('15m', NOW)).toEqual({ kind: 'timestamp', at: new Date(NOW - 15 * 60_000) });
    expect(parseStartPosition('-2h', NOW)).toEqual({ kind: 'timestamp', at: new Date(NOW - 2 * 3_600_000) });
    expect(parseStartPosition('1d', NOW)).toEqual({ kind: 'timestamp', at: new Date(NOW - 86_400_000) });
    expect(parseStartPosition('30s', NOW)).toEqual({ kind: 'timestamp', at: new Date(NOW - 30_000) });
  });

  it('reads a sequence number (20+ digits) as it is', () => {
    const seq = '49590338271490256608559692538361571095921575989136588898';
    expect(parseStartPosition(seq, NOW)).toEqual({ kind: 'sequence', sequenceNumber: seq });
  });

  it.each(['yesterday', '2026-13-45T99:00:00Z', '12345', '2026-12-07T05:30:00Zjunk', '', '15x'])('refuses %j as a usage error that lists the forms', (text) => {
    let error: unknown;
    try {
      parseStartPosition(text, NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toContain('trim-horizon');
  });

  it('refuses a time in the future, pointing at --from latest', () => {
    expect(() => parseStartPosition('2027-01-01T00:00:00Z', NOW)).toThrow(/--from latest/);
  });
});
