import { MinHeap } from './min-heap';
import { RecordDeque } from './record-deque';

describe('RecordDeque', () => {
  it('is a FIFO with unshiftAll at the head, across growth and wrap-around', () => {
    const d = new RecordDeque<number>(4);
    const model: number[] = [];
    let next = 0;
    let seed = 7;
    const rnd = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let step = 0; step < 5000; step++) {
      const op = rnd();
      if (op < 0.5) {
        d.push(next);
        model.push(next++);
      } else if (op < 0.85) {
        expect(d.shift()).toBe(model.shift());
      } else {
        const items = [next++, next++, next++];
        d.unshiftAll(items);
        model.unshift(...items);
      }
      expect(d.length).toBe(model.length);
      expect(d.peek()).toBe(model[0]);
      expect(d.at(model.length - 1)).toBe(model[model.length - 1]);
    }
    expect(d.drain()).toEqual(model);
    expect(d.length).toBe(0);
    expect(d.shift()).toBeUndefined();
  });
});

describe('MinHeap', () => {
  it('pops in key order', () => {
    const h = new MinHeap<string>();
    const keys = [5, 3, 9, 1, 7, 3, 8, 0, 2];
    keys.forEach((k, i) => h.push(k, `v${i}`));
    expect(h.peekKey()).toBe(0);
    const out: number[] = [];
    while (h.size > 0) {
      const k = h.peekKey();
      h.pop();
      out.push(k);
    }
    expect(out).toEqual([...keys].sort((a, b) => a - b));
    expect(h.peekKey()).toBe(Infinity);
    expect(h.pop()).toBeUndefined();
  });
});
