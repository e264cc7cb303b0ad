import { formatReplaySummary } from './record-replayer';

describe('formatReplaySummary', () => {
  const totals = { read: 12, sent: 5, alreadyReplayed: 4, duplicates: 1, unreadable: 1, failed: 1, elapsedMs: 2500 };

  it('says what was sent, what was skipped and why, and how to resume', () => {
    expect(formatReplaySummary('orders', totals, 'dlq.jsonl.replay-orders.progress', true)).toEqual([
      'replayed 5 record(s) into orders in 2.50 s (2.0 records/s); 12 read',
      '4 skipped: already replayed (dlq.jsonl.replay-orders.progress)',
      '1 skipped: the same record twice in the source',
      '1 entr(y/ies) could not be replayed (listed above)',
      '1 record(s) FAILED to send (listed above); run again to retry them',
      'stopped: run the same command again to resume (progress in dlq.jsonl.replay-orders.progress)',
    ]);
  });

  it('is one line when all went', () => {
    expect(formatReplaySummary('o', { ...totals, alreadyReplayed: 0, duplicates: 0, unreadable: 0, failed: 0 }, 'p', false)).toEqual([
      'replayed 5 record(s) into o in 2.50 s (2.0 records/s); 12 read',
    ]);
  });
});
