import { closestNames, editDistance } from './closest-names';

const FLAGS = ['port', 'host', 'data-dir', 'in-memory', 'log-level', 'limits', 'help'];

describe('editDistance', () => {
  it.each([
    ['port', 'port', 0],
    ['prot', 'port', 1], // swapped neighbours: one edit, not two
    ['pot', 'port', 1],
    ['portt', 'port', 1],
    ['data-dri', 'data-dir', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('%j → %j is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestNames', () => {
  it.each<[string, string[]]>([
    ['prot', ['port']],
    ['Port', ['port']],
    ['datadir', ['data-dir']],
    ['in-memroy', ['in-memory']],
    ['log', ['log-level']],
    ['limit', ['limits']],
    ['hots', ['host']],
    ['verbose', []],
    ['x', []],
    ['', []],
  ])('%j → %j', (input, expected) => {
    expect(closestNames(input, FLAGS)).toEqual(expected);
  });

  it('lists every name at the best distance', () => {
    expect(closestNames('pont', ['port', 'post', 'print'])).toEqual(['port', 'post']);
  });
});
