import { formatBytes, formatPutFailure, listAtMost, formatPutSummary, putUnitsOf, putUnitsOfCall, type PutTotals } from './put-summary';

describe('PUT payload units', () => {
  it.each([
    [1, 1],
    [5 * 1024, 1],
    [25 * 1024, 1],
    [25 * 1024 + 1, 2],
    [45 * 1024, 2],
    [1024 * 1024, 41],
  ])('a record of %i bytes costs %i', (bytes, units) => {
    expect(putUnitsOf(bytes)).toBe(units);
  });

  it('a call costs at least one unit per Kinesis record, and no less than its bytes allow', () => {
    expect(putUnitsOfCall(10, 10 * 100)).toBe(10);
    expect(putUnitsOfCall(2, 2 * 25 * 1024)).toBe(2);
    expect(putUnitsOfCall(1, 30 * 1024)).toBe(2);
  });
});

describe('formatPutSummary', () => {
  const totals: PutTotals = {
    records: 1000,
    bytes: 100_000,
    emptyLines: 2,
    delivered: 998,
    kinesisRecords: 5,
    unitsUnaggregated: 1000,
    unitsSent: 5,
    failures: 2,
    elapsedMs: 2000,
  };

  it('says what was sent, what aggregation saved and what failed', () => {
    expect(formatPutSummary('s1', totals, true)).toEqual([
      'put 998 of 1000 records (97.7 KiB) into s1 in 2.00 s (499 records/s)',
      'aggregation: 5 Kinesis records, 5 PUT payload units instead of 1000 (995 saved)',
      '2 empty line(s) skipped',
      '2 record(s) FAILED (listed above)',
    ]);
  });

  it('without aggregation, gives the units only', () => {
    expect(formatPutSummary('s1', { ...totals, emptyLines: 0, failures: 0, kinesisRecords: 998, unitsUnaggregated: 998 }, false)).toEqual([
      'put 998 of 1000 records (97.7 KiB) into s1 in 2.00 s (499 records/s)',
      'no aggregation: 998 Kinesis records, 998 PUT payload units',
    ]);
  });

  it('formats failures and sizes', () => {
    expect(formatPutFailure({ source: 'a.jsonl', lineNumber: 7, code: 'KEY_PATH', message: 'no field device.id' })).toBe(
      'failed: a.jsonl:7: KEY_PATH: no field device.id',
    );
    expect([formatBytes(10), formatBytes(2048), formatBytes(3 * 1024 * 1024)]).toEqual(['10 B', '2.0 KiB', '3.0 MiB']);
  });
});

describe('listAtMost', () => {
  it('lists up to the limit, then counts the rest', () => {
    expect(listAtMost([1, 2, 3], 5, String)).toEqual(['1', '2', '3']);
    expect(listAtMost([1, 2, 3, 4], 2, String)).toEqual(['1', '2', '... and 2 more']);
  });
});
