import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VideoProducerError } from '../video-producer-error';
import { FragmentSpool, type SpoolPolicy } from './fragment-spool';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spool-spec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const header = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 1, 2, 3]);
const frag = (timecode: number, size = 100) => ({ timecode, header, bytes: new Uint8Array(size).fill(timecode % 251) });
const make = (maxBytes = 1_000_000, policy: SpoolPolicy = 'drop-oldest', onDrop?: (t: number) => void) =>
  new FragmentSpool({ dir, maxBytes, policy, fsync: false, ...(onDrop ? { onDrop } : {}) });

describe('FragmentSpool', () => {
  it('writes each fragment to its own file, reads it back with its header, deletes it on release', async () => {
    const spool = make();
    await spool.append(frag(1000));
    await spool.append(frag(2000, 50));
    expect(readdirSync(dir).sort()).toEqual(['0000000000001000.frag', '0000000000002000.frag']);
    expect(spool.size).toBe(2);
    expect(spool.bytes).toBe(FragmentSpool.fileSize(frag(1000)) + FragmentSpool.fileSize(frag(2000, 50)));
    const back = await spool.read(2000);
    expect(back?.timecode).toBe(2000);
    expect(Array.from(back?.header ?? [])).toEqual(Array.from(header));
    expect(Array.from(back?.bytes ?? [])).toEqual(Array.from(frag(2000, 50).bytes));
    await spool.release(1000);
    expect(readdirSync(dir)).toEqual(['0000000000002000.frag']);
    expect(spool.pending()).toEqual([2000]);
    expect(await spool.read(1000)).toBeUndefined();
    await spool.release(1000); // unknown: no-op
  });

  it('resumes after a restart: pending fragments in timecode order, half-written files removed', async () => {
    const first = make();
    for (const t of [3000, 1000, 2000]) await first.append(frag(t));
    await first.release(2000);
    writeFileSync(join(dir, '0000000000004000.frag.tmp'), 'partial');
    const second = make();
    expect(second.pending()).toEqual([1000, 3000]);
    expect(second.bytes).toBe(2 * FragmentSpool.fileSize(frag(1000)));
    expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(false);
    expect((await second.read(3000))?.bytes.length).toBe(100);
  });

  it('drops the oldest fragments when full (drop-oldest) and reports them', async () => {
    const size = FragmentSpool.fileSize(frag(1));
    const dropped: number[] = [];
    const spool = make(size * 3, 'drop-oldest', (t) => dropped.push(t));
    for (const t of [1, 2, 3, 4, 5]) await spool.append(frag(t));
    expect(spool.pending()).toEqual([3, 4, 5]);
    expect(dropped).toEqual([1, 2]);
    expect(spool.dropped).toBe(2);
    expect(spool.isFull).toBe(true);
    expect(await spool.read(1)).toBeUndefined();
  });

  it('refuses new fragments when full (stop-capture) until one is released', async () => {
    const size = FragmentSpool.fileSize(frag(1));
    const spool = make(size * 2, 'stop-capture');
    await spool.append(frag(1));
    await spool.append(frag(2));
    const refused = await spool.append(frag(3)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VideoProducerError);
    expect((refused as VideoProducerError).code).toBe('SPOOL_FULL');
    expect(spool.pending()).toEqual([1, 2]);
    const room = spool.waitForRoom();
    await spool.release(1);
    await room;
    await spool.append(frag(3));
    expect(spool.pending()).toEqual([2, 3]);
  });

  it('deletes an unreadable file instead of sending it', async () => {
    const spool = make();
    await spool.append(frag(7));
    writeFileSync(join(dir, '0000000000000007.frag'), 'garbage!');
    expect(await spool.read(7)).toBeUndefined();
    expect(spool.pending()).toEqual([]);
  });
});
