import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fragmentFileSize } from '../spool/fragment-file';
import { RecordingStore, type RecordingStoreOptions } from './recording-store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recording-spec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const header = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 9]);
const frag = (timecode: number, size = 100) => ({ timecode, header, bytes: new Uint8Array(size).fill(timecode % 251) });
const SIZE = fragmentFileSize(frag(0));

function make(options: Partial<RecordingStoreOptions> & { nowMs?: { value: number } } = {}) {
  const clock = options.nowMs ?? { value: 10 * HOUR };
  const deleted: { timecode: number; uploaded: boolean; reason: string }[] = [];
  const store = new RecordingStore({
    dir,
    maxBytes: 1_000_000,
    maxAgeMs: 24 * HOUR,
    fsync: false,
    now: () => clock.value,
    onDelete: (e) => deleted.push({ timecode: e.timecode, uploaded: e.uploaded, reason: e.reason }),
    ...options,
  });
  return { store, deleted, clock };
}

describe('RecordingStore', () => {
  it('records every fragment; an upload only renames it (kept), and the backlog is what is not uploaded, oldest first', async () => {
    const { store } = make();
    for (const t of [HOUR, 2 * HOUR, 3 * HOUR]) await store.append(frag(t));
    expect(store.stats()).toMatchObject({ fragments: 3, bytes: 3 * SIZE, pendingFragments: 3, pendingBytes: 3 * SIZE, oldestPendingMs: HOUR });
    await store.markUploaded(HOUR);
    await store.settled();
    expect(readdirSync(dir).sort()).toEqual(['0000000003600000.up', '0000000007200000.rec', '0000000010800000.rec']);
    expect(store.stats()).toMatchObject({ fragments: 3, pendingFragments: 2, oldestPendingMs: 2 * HOUR });
    expect(store.nextPending()).toEqual({ timecode: 2 * HOUR, size: SIZE });
    expect(store.nextPending(2 * HOUR)?.timecode).toBe(3 * HOUR);
    expect(store.nextPending(-Infinity, (t) => t === 2 * HOUR)?.timecode).toBe(3 * HOUR);
    // An uploaded fragment can still be read (the recording is the device's own copy).
    const back = await store.read(HOUR);
    expect(Array.from(back?.bytes ?? [])).toEqual(Array.from(frag(HOUR).bytes));
    expect(Array.from(back?.header ?? [])).toEqual(Array.from(header));
  });

  it('retention by size deletes the oldest first, uploaded or not, and counts what never went up', async () => {
    const { store, deleted } = make({ maxBytes: 3 * SIZE });
    for (const t of [1, 2, 3]) await store.append(frag(t * HOUR));
    await store.markUploaded(2 * HOUR);
    await store.append(frag(4 * HOUR));
    await store.append(frag(5 * HOUR));
    expect(deleted).toEqual([
      { timecode: HOUR, uploaded: false, reason: 'size' },
      { timecode: 2 * HOUR, uploaded: true, reason: 'size' },
    ]);
    expect(store.list().map((e) => e.timecode)).toEqual([3 * HOUR, 4 * HOUR, 5 * HOUR]);
    expect(store.stats()).toMatchObject({ bytes: 3 * SIZE, deletedNotUploaded: 1 });
    expect(readdirSync(dir)).toHaveLength(3);
  });

  it('retention by age (capture time) deletes on sweep as the clock goes on', async () => {
    const { store, deleted, clock } = make({ maxAgeMs: 2 * HOUR });
    for (const t of [9, 9.5, 10]) await store.append(frag(t * HOUR));
    expect(deleted).toEqual([]);
    clock.value = 11.25 * HOUR;
    await store.sweep();
    expect(deleted).toEqual([{ timecode: 9 * HOUR, uploaded: false, reason: 'age' }]);
    clock.value = 13 * HOUR;
    await store.sweep();
    expect(store.list()).toEqual([]);
    expect(store.stats()).toMatchObject({ fragments: 0, bytes: 0, pendingFragments: 0 });
    expect(store.stats().oldestPendingMs).toBeUndefined();
  });

  it('resumes after a restart: .rec is backlog, .up is kept uploaded, half-written files are removed', async () => {
    const first = make().store;
    for (const t of [3, 1, 2]) await first.append(frag(t * HOUR));
    await first.markUploaded(HOUR);
    await first.settled();
    writeFileSync(join(dir, '0000000099999999.rec.tmp'), 'half');
    writeFileSync(join(dir, 'notes.txt'), 'not ours');
    const second = make().store;
    expect(second.list()).toEqual([
      { timecode: HOUR, uploaded: true },
      { timecode: 2 * HOUR, uploaded: false },
      { timecode: 3 * HOUR, uploaded: false },
    ]);
    expect(second.stats().pendingFragments).toBe(2);
    expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(false);
  });

  it('keeps timecode order when a stepped-back clock gives an older fragment, and rewrites a repeated timecode', async () => {
    const { store } = make();
    await store.append(frag(3 * HOUR));
    await store.append(frag(2 * HOUR));
    await store.append(frag(3 * HOUR, 50));
    expect(store.list().map((e) => e.timecode)).toEqual([2 * HOUR, 3 * HOUR]);
    expect((await store.read(3 * HOUR))?.bytes.length).toBe(50);
  });

  it('keeps the backlog index right through marks, retention, out-of-order appends and a restart', async () => {
    const { store } = make({ maxBytes: 6 * SIZE });
    for (const t of [10, 20, 30, 40, 50]) await store.append(frag(t));
    await store.markUploaded(20);
    await store.markUploaded(40);
    await store.append(frag(35)); // a stepped-back clock
    expect(store.nextPending()?.timecode).toBe(10);
    expect(store.nextPending(10)?.timecode).toBe(30);
    expect(store.nextPending(30)?.timecode).toBe(35);
    expect(store.nextPending(35, (t) => t === 50)).toBeUndefined();
    await store.append(frag(60)); // over 6 files: 10 goes
    expect(store.nextPending()?.timecode).toBe(30);
    expect(store.stats()).toMatchObject({ pendingFragments: 4, oldestPendingMs: 30 });
    await store.settled();
    const again = make().store;
    expect([again.nextPending()?.timecode, again.nextPending(30)?.timecode, again.nextPending(35)?.timecode, again.nextPending(50)?.timecode]).toEqual([30, 35, 50, 60]);
  });

  it('refuses a non-positive budget (a programming error: the config schema checks the settings)', () => {
    expect(() => make({ maxBytes: 0 })).toThrow(RangeError);
    expect(() => make({ maxAgeMs: -1 })).toThrow(RangeError);
  });
});
