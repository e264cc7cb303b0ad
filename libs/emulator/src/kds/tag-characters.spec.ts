import { tagCharacterError, tagTexts } from './tag-characters';

const INVALID = 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.';
const percent = (action: string): string =>
  `Failed to ${action} stream s under account 000000000000 because some tags contained illegal characters. ` +
  "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";

describe('tagCharacterError', () => {
  it.each([['abc;def'], ['abc\tdef'], ['abc\ndef'], ['abc,def'], ['a:b'], ['a*b'], ['😀']])('refuses %j as AWS does', (text) => {
    for (const texts of [tagTexts({ [text]: '1' }), tagTexts({ a: text })]) {
      const err = tagCharacterError(texts, 'add tags to', 's', '000000000000');
      expect([err?.code, err?.status, err?.message]).toEqual(['InvalidArgumentException', 400, INVALID]);
    }
  });

  it("refuses '%' with the text naming the stream and what was being done", () => {
    expect(tagCharacterError(tagTexts({ 'abc%def': '1' }), 'add tags to', 's', '000000000000')?.message).toBe(percent('add tags to'));
    expect(tagCharacterError(tagTexts({ a: 'abc%def' }), 'add tags to', 's', '000000000000')?.message).toBe(percent('add tags to'));
    expect(tagCharacterError(['abc%def'], 'remove tags from', 's', '000000000000')?.message).toBe(percent('remove tags from'));
  });

  it('reports an invalid character before a % anywhere in the request', () => {
    expect(tagCharacterError(tagTexts({ 'a%': 'b;' }), 'add tags to', 's', '000000000000')?.message).toBe(INVALID);
  });

  it('takes Unicode letters, digits, white space and _ . / = + - @, and empty values', () => {
    expect(tagCharacterError(tagTexts({ a: 'a', 'ü0 _.': 'a', '/=+-@': 'a', b: 'ü0 _./=+-@', c: '', 日本語: 'Ωμέγα', 'é': 'x' }), 'add tags to', 's', '0')).toBeUndefined();
  });
});
