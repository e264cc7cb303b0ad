import { readTags } from '../matroska/matroska-tags';
import { formatKvsTimestamp, isKvsReservedTagName, KVS_TAG, parseKvsTimestamp, readKvsFragmentTags, writeEndOfFragmentTags, writeKvsFragmentTags } from './kvs-fragment-tags';

describe('KVS fragment tags', () => {
  const observed = {
    fragmentNumber: '91343852333181432392682062607743920146159169392',
    serverTimestampMs: 1511852109126,
    producerTimestampMs: 1511852108513,
  };

  it('writes the observed GetMedia layout: one Tag, no Targets, 4-octet sizes (kvs-reference.md §4.3)', () => {
    const bytes = writeKvsFragmentTags(observed);
    const hex = Buffer.from(bytes).toString('hex');
    // 12 54 C3 67 10 00 00 EB 73 73 10 00 00 E5 67 C8 10 00 00 5B 45 A3 10 00 00 20 "AWS_KINESISVIDEO_FRAGMENT_NUMBER" 44 87 10 00 00 2F "9134…"
    expect(hex.startsWith('1254c367100000eb' + '7373100000e5' + '67c81000005b' + '45a310000020' + Buffer.from(KVS_TAG.fragmentNumber).toString('hex') + '448710000' + '02f')).toBe(true);
    expect(bytes.length).toBe(8 + 0xeb);
  });

  it('round trips through readTags, every field', () => {
    const pre = readKvsFragmentTags(readTags(writeKvsFragmentTags(observed)));
    expect(pre).toEqual(observed);
    const post = readKvsFragmentTags(readTags(writeKvsFragmentTags({ millisBehindNow: 15858, continuationToken: observed.fragmentNumber })));
    expect(post).toEqual({ millisBehindNow: 15858, continuationToken: observed.fragmentNumber });
    const error = readKvsFragmentTags(readTags(writeKvsFragmentTags({ fragmentNumber: '1', errorId: 4000, errorCode: 'REQUESTED_FRAGMENT_NOT_FOUND' })));
    expect(error).toEqual({ fragmentNumber: '1', errorId: 4000, errorCode: 'REQUESTED_FRAGMENT_NOT_FOUND' });
  });

  it('formats timestamps as seconds with 3 decimals and parses them back exactly', () => {
    expect(formatKvsTimestamp(1511852109126)).toBe('1511852109.126');
    expect(formatKvsTimestamp(5)).toBe('0.005');
    expect(formatKvsTimestamp(1700000000000)).toBe('1700000000.000');
    expect(parseKvsTimestamp('1511852108.513')).toBe(1511852108513);
    expect(parseKvsTimestamp('12')).toBe(12000);
    expect(parseKvsTimestamp('1.5')).toBe(1500);
    expect(parseKvsTimestamp('1.23456')).toBe(1234);
    expect(parseKvsTimestamp('x')).toBeUndefined();
  });

  it('ignores other tags and unparsable values; flags reserved names', () => {
    expect(readKvsFragmentTags([{ name: 'ENCODER', value: 'x' }, { name: KVS_TAG.millisBehindNow, value: 'soon' }])).toEqual({});
    expect(isKvsReservedTagName(KVS_TAG.endOfFragment)).toBe(true);
    expect(isKvsReservedTagName('camera')).toBe(false);
    expect(readTags(writeEndOfFragmentTags())).toEqual([{ name: KVS_TAG.endOfFragment, value: '' }]);
  });

  it('refuses an empty tag set', () => {
    expect(() => writeKvsFragmentTags({})).toThrow('no tag');
  });
});
