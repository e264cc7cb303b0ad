import { parseBoxes } from '../testing/mp4-boxes';
import { BoxWriter, boxHeaderLength, bytesLength } from './box-writer';

describe('BoxWriter', () => {
  it('patches nested box sizes and writes FullBox version/flags', () => {
    const w = new BoxWriter(4); // grows
    w.box('moov', (m) => {
      m.fullBox('mvhd', 1, 0x000203, (b) => b.u64(2 ** 40 + 5).u16(7));
      m.box('trak', (t) => t.box('free', (f) => f.zeros(3)));
    });
    const bytes = w.finish();
    const [moov] = parseBoxes(bytes);
    expect(moov).toMatchObject({ type: 'moov', size: bytes.length });
    expect(moov.children.map((c) => [c.type, c.size])).toEqual([['mvhd', 8 + 4 + 8 + 2], ['trak', 8 + 11]]);
    expect(Array.from(moov.children[0].body.subarray(0, 12))).toEqual([1, 0, 2, 3, 0, 0, 1, 0, 0, 0, 0, 5]);
  });

  it('never reallocates when the capacity is exact', () => {
    const w = new BoxWriter(16);
    w.box('mdat', (b) => b.u32(1).u32(2));
    expect(w.finish().buffer.byteLength).toBe(16);
    expect(w.finish().length).toBe(16);
  });

  it('writes a largesize header for payloads past 4 GiB', () => {
    expect(boxHeaderLength(100)).toBe(8);
    expect(boxHeaderLength(2 ** 32)).toBe(16);
    const w = new BoxWriter(16).boxHeader('mdat', 2 ** 32);
    const v = new DataView(w.finish().buffer);
    expect([v.getUint32(0), v.getUint32(8), v.getUint32(12)]).toEqual([1, 1, 16]);
    expect(Array.from(new BoxWriter(8).boxHeader('mdat', 10).finish())).toEqual([0, 0, 0, 18, 0x6d, 0x64, 0x61, 0x74]);
  });

  it('rejects values a u64 cannot hold exactly; sums part lengths', () => {
    expect(() => new BoxWriter().u64(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new BoxWriter().u64(2 ** 53)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(bytesLength([new Uint8Array(3), new Uint8Array(0), new Uint8Array(5)])).toBe(8);
  });
});
