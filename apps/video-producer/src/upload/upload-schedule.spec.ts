import { UploadSchedule } from './upload-schedule';

const at = (iso: string) => Date.parse(iso);

describe('UploadSchedule', () => {
  it('opens a window at each cron start for its duration (UTC)', () => {
    // Every day at 02:00 UTC for an hour (Quartz style, seconds first, with '?').
    const s = new UploadSchedule('0 0 2 * * ?', 3_600_000);
    expect(s.isOpen(at('2026-12-07T01:59:59Z'))).toBe(false);
    expect(s.windowAt(at('2026-12-07T02:00:00Z'))).toEqual({ openedAtMs: at('2026-12-07T02:00:00Z'), closesAtMs: at('2026-12-07T03:00:00Z') });
    expect(s.isOpen(at('2026-12-07T02:59:59.999Z'))).toBe(true);
    expect(s.isOpen(at('2026-12-07T03:00:00Z'))).toBe(false);
    expect(s.nextOpening(at('2026-12-07T03:00:00Z'))).toBe(at('2026-12-08T02:00:00Z'));
  });

  it('reads 5-field cron (minute first): every 15 minutes for 5 minutes', () => {
    const s = new UploadSchedule('*/15 * * * *', 300_000);
    expect(s.isOpen(at('2026-12-07T10:15:30Z'))).toBe(true);
    expect(s.isOpen(at('2026-12-07T10:21:00Z'))).toBe(false);
    expect(s.isOpen(at('2026-12-07T10:30:00Z'))).toBe(true);
  });

  it('windows longer than the period join into one', () => {
    const s = new UploadSchedule('0 * * * *', 90 * 60_000);
    expect(s.windowAt(at('2026-12-07T10:10:00Z'))?.closesAtMs).toBe(at('2026-12-07T11:30:00Z'));
  });

  it('without a cron the window is always open', () => {
    const s = new UploadSchedule(undefined, 0);
    expect(s.always).toBe(true);
    expect(s.isOpen(0)).toBe(true);
    expect(s.nextOpening(0)).toBeUndefined();
  });

  it('names a bad expression and refuses a window without a duration', () => {
    expect(() => new UploadSchedule('61 * * * *', 1000)).toThrow(/Invalid cron expression "61 \* \* \* \*"/);
    expect(() => new UploadSchedule('* * * * *', 0)).toThrow(RangeError);
  });
});
