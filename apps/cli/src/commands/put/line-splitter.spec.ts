import { splitLines, type InputLine } from './line-splitter';

async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p, 'utf8');
}

async function collect(...parts: string[]): Promise<Array<[number, string] | ['empty', number]>> {
  const out: Array<[number, string] | ['empty', number]> = [];
  for await (const item of splitLines(chunksOf(...parts))) {
    if ('data' in item) out.push([(item as InputLine).lineNumber, item.data.toString('utf8')]);
    else out.push(['empty', item.empty]);
  }
  return out;
}

describe('splitLines', () => {
  it('splits at newlines, numbering lines', async () => {
    expect(await collect('a\nb\nc\n')).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
  });

  it('keeps a last line without a newline', async () => {
    expect(await collect('a\nb')).toEqual([[1, 'a'], [2, 'b']]);
  });

  it('joins lines cut across chunks', async () => {
    expect(await collect('{"a"', ':1}\n{"b', '":2}\n')).toEqual([[1, '{"a":1}'], [2, '{"b":2}']]);
  });

  it('drops the \\r of CRLF, also when the chunk ends between \\r and \\n', async () => {
    expect(await collect('a\r\nb\r', '\nc\r')).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
  });

  it('counts empty lines without sending them', async () => {
    expect(await collect('a\n\n\nb\n')).toEqual([[1, 'a'], ['empty', 2], ['empty', 3], [4, 'b']]);
  });

  it('gives nothing for empty input', async () => {
    expect(await collect()).toEqual([]);
    expect(await collect('')).toEqual([]);
  });

  it('keeps bytes that are not UTF-8', async () => {
    async function* bytes(): AsyncGenerator<Uint8Array> {
      yield Uint8Array.from([0xff, 0xfe, 0x0a, 0x80]);
    }
    const lines: Buffer[] = [];
    for await (const item of splitLines(bytes())) if ('data' in item) lines.push(item.data);
    expect(lines).toEqual([Buffer.from([0xff, 0xfe]), Buffer.from([0x80])]);
  });
});
