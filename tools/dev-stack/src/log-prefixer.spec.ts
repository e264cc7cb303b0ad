import { createLogPrefixer, LineSplitter } from './log-prefixer';

const pinoLine = (o: Record<string, unknown>): string =>
  JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 1, 12, 0, 0), pid: 42, hostname: 'h', name: 'x', ...o });

describe('createLogPrefixer', () => {
  it('pretty-prints a pino JSON line behind the [app] prefix, without pid, hostname and name', () => {
    const format = createLogPrefixer({ app: 'gateway', color: false });
    const out = format(pinoLine({ msg: 'ready', url: 'http://127.0.0.1:8088' }));
    expect(out.startsWith('[gateway] ')).toBe(true);
    expect(out).toContain('INFO');
    expect(out).toContain('ready');
    expect(out).toContain('http://127.0.0.1:8088');
    expect(out).not.toContain('"level"');
    expect(out).not.toMatch(/pid|hostname|\b42\b/);
    expect(out).not.toContain('\n');
  });

  it('passes non-JSON and non-pino JSON lines through with the prefix', () => {
    const format = createLogPrefixer({ app: 'video', color: false });
    expect(format('frame=  10 fps=15')).toBe('[video] frame=  10 fps=15');
    expect(format('{"not":"pino"}')).toBe('[video] {"not":"pino"}');
    expect(format('{broken')).toBe('[video] {broken');
  });

  it('pads the prefix to a common width so the parts line up', () => {
    const format = createLogPrefixer({ app: 'a', width: 5, color: false });
    expect(format('x')).toBe('[a]     x');
  });

  it('colours the prefix and the level only when asked', () => {
    const coloured = createLogPrefixer({ app: 'c', color: true, colorCode: 35 })(pinoLine({ level: 50, msg: 'boom' }));
    expect(coloured.startsWith('\u001b[35m[c]\u001b[39m ')).toBe(true);
    expect(coloured).toContain('ERROR');
    const plain = createLogPrefixer({ app: 'c', color: false })(pinoLine({ level: 50, msg: 'boom' }));
    expect(plain).not.toContain('\u001b[');
  });

  it('prefixes every line of a multi-line record (an error with its stack)', () => {
    const format = createLogPrefixer({ app: 'p', color: false });
    const out = format(pinoLine({ level: 50, msg: 'failed', err: { type: 'Error', message: 'x', stack: 'Error: x\n    at a (f.ts:1:1)' } }));
    const lines = out.split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.startsWith('[p] ')).toBe(true);
  });
});

describe('LineSplitter', () => {
  it('keeps a partial line until its end arrives and strips \\r', () => {
    const s = new LineSplitter();
    expect(s.push('{"a":')).toEqual([]);
    expect(s.push('1}\r\nsecond\nthi')).toEqual(['{"a":1}', 'second']);
    expect(s.flush()).toEqual(['thi']);
    expect(s.flush()).toEqual([]);
  });
});
