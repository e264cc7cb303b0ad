import { EventEmitter } from 'node:events';
import { Output, colorsEnabled, type OutStream } from './output';

class FakeStream extends EventEmitter implements OutStream {
  chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    private readonly full = false,
  ) {
    super();
  }
  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(String(chunk));
    return !this.full;
  }
}

describe('colorsEnabled', () => {
  it('colours a terminal only, never with NO_COLOR, and with FORCE_COLOR', () => {
    expect(colorsEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorsEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorsEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorsEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colorsEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorsEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });
});

describe('Output', () => {
  it('has no colour codes in a pipe and no progress bar when stderr is not a terminal', () => {
    const stderr = new FakeStream(false);
    const out = new Output(new FakeStream(false), stderr, {});
    out.error('oops');
    expect(stderr.chunks).toEqual(['tributary: oops\n']);
    const progress = out.progress('clip', 10);
    progress.increment();
    progress.stop();
    expect(stderr.chunks).toHaveLength(1);
  });

  it('returns a promise while the pipe is full, settled by drain', async () => {
    const stdout = new FakeStream(false, true);
    const out = new Output(stdout, new FakeStream(false), {});
    let drained = false;
    void out.line('a')?.then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    stdout.emit('drain');
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(true);
  });

  it('treats EPIPE as the reader going away: listeners called once, nothing printed, writes dropped', async () => {
    const stdout = new FakeStream(false, true);
    const stderr = new FakeStream(false);
    const out = new Output(stdout, stderr, {});
    const pending = out.write('x');
    let closedCalls = 0;
    out.onStdoutClosed(() => closedCalls++);
    stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await pending;
    expect(out.stdoutClosed).toBe(true);
    expect(closedCalls).toBe(1);
    expect(stderr.chunks).toEqual([]);
    expect(out.write('y')).toBeUndefined();
    expect(stdout.chunks).toEqual(['x']);
  });
});
