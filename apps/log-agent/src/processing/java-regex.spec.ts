import { compileJavaRegex, groupCount } from './java-regex';
import { ProcessingError } from './processing-error';

describe('compileJavaRegex', () => {
  it('anchors as Matcher.matches (whole), lookingAt (start) or find (none)', () => {
    expect(compileJavaRegex('a+', { anchor: 'whole' }).test('aab')).toBe(false);
    expect(compileJavaRegex('a+', { anchor: 'whole' }).test('aa')).toBe(true);
    expect(compileJavaRegex('a+', { anchor: 'start' }).test('aab')).toBe(true);
    expect(compileJavaRegex('a+', { anchor: 'start' }).test('baa')).toBe(false);
    expect(compileJavaRegex('a|b', { anchor: 'whole' }).test('ab')).toBe(false);
  });

  it('translates \\A, \\z, \\Z, \\h and a leading (?i)', () => {
    expect(compileJavaRegex('\\Aab\\z', { anchor: 'none' }).test('ab')).toBe(true);
    expect(compileJavaRegex('ab\\Z', { anchor: 'none' }).test('ab\n')).toBe(true);
    expect(compileJavaRegex('a\\hb', { anchor: 'whole' }).test('a\tb')).toBe(true);
    expect(compileJavaRegex('(?i)error', { anchor: 'start' }).test('ERROR: x')).toBe(true);
  });

  it('leaves classes, escapes and groups that mean the same alone', () => {
    const r = compileJavaRegex('^\\[(\\d{4})-[^\\]]+\\] (?<lvl>\\w+)', { anchor: 'start' });
    expect(r.exec('[2024-05] INFO x')?.slice(1)).toEqual(['2024', 'INFO']);
    expect(compileJavaRegex('[]a]+', { anchor: 'whole' }).test(']a]')).toBe(true);
    expect(compileJavaRegex('a\\+\\+', { anchor: 'whole' }).test('a++')).toBe(true);
  });

  it.each([
    ['a*+', /possessive/],
    ['(?>ab)', /atomic/],
    ['(?s)a.b', /inline flags/],
    ['x(?m)y', /inline flags/],
    ['\\Qa.b\\E', /quoting/],
    ['\\p{javaLowerCase}', /java/],
    ['(unclosed', /not a valid regular expression/],
  ])('refuses %s by name', (pattern, message) => {
    expect(() => compileJavaRegex(pattern, { anchor: 'none' })).toThrow(ProcessingError);
    expect(() => compileJavaRegex(pattern, { anchor: 'none' })).toThrow(message);
  });

  it('counts capturing groups as Matcher.groupCount', () => {
    expect(groupCount(compileJavaRegex('(a)(?:b)(?<n>c)(d(e))', { anchor: 'whole' }))).toBe(4);
    expect(groupCount(compileJavaRegex('\\(x\\)', { anchor: 'whole' }))).toBe(0);
  });
});
