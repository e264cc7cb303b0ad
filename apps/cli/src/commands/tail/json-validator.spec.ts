import fc from 'fast-check';
import { isJsonBytes } from './json-validator';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const parses = (s: string): boolean => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};

describe('isJsonBytes', () => {
  it.each([
    '{}', '[]', '{"a":1}', ' { "a" : [1, -2.5e+3, true, false, null, "x\\n\\u00e9\\"", {}] } ', '0', '-0', '1.5E-7', '"s"', 'true', 'null',
    '[[[[[]]]]]', '{"a":{"b":{"c":[1,{"d":"é"}]}}}', '\n[1,\r\n2]\t',
  ])('accepts %j', (text) => {
    expect(parses(text)).toBe(true);
    expect(isJsonBytes(bytes(text))).toBe(true);
  });

  it.each([
    '', ' ', '{', '}', '[1,]', '{"a":1,}', '{"a"}', '{a:1}', "{'a':1}", '01', '1.', '.5', '-', '1e', '+1', 'tru', 'nul', 'True', '"a', '"\\x"', '"\\u12G4"',
    '"tab\there"', '[1 2]', '{"a":1 "b":2}', '1 2', '{}{}', '[]]', 'NaN', 'Infinity', '{"a":1}x',
  ])('refuses %j', (text) => {
    expect(parses(text)).toBe(false);
    expect(isJsonBytes(bytes(text))).toBe(false);
  });

  it('agrees with JSON.parse on JSON texts, their prefixes and random strings', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), (json, cut) => {
        expect(isJsonBytes(bytes(json))).toBe(true);
        const prefix = json.slice(0, cut % (json.length + 1));
        expect(isJsonBytes(bytes(prefix))).toBe(parses(prefix));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[\s{}[\]",:0-9.eE+\-tfnrulsa\\]{0,24}$/), (text) => {
        expect(isJsonBytes(bytes(text))).toBe(parses(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads a range of a larger buffer only', () => {
    const b = bytes('xx{"a":1}yy');
    expect(isJsonBytes(b, 2, 9)).toBe(true);
    expect(isJsonBytes(b, 2, 10)).toBe(false);
  });
});
