import { blankComments, parseAgentJson } from './agent-json-text';

describe('parseAgentJson (Jackson with ALLOW_COMMENTS, as Configuration.get reads agent.json)', () => {
  it('accepts // and /* */ comments outside strings', () => {
    const text = [
      '{',
      '  // where checkpoints go',
      '  "checkpointFile": "/var/run/cp", /* inline */',
      '  /* a block',
      '     over lines */',
      '  "flows": [ { "filePattern": "/var/log/*.log", "kinesisStream": "logs" } ]',
      '}',
    ].join('\n');
    expect(parseAgentJson(text)).toEqual({ checkpointFile: '/var/run/cp', flows: [{ filePattern: '/var/log/*.log', kinesisStream: 'logs' }] });
  });

  it('leaves comment-like text inside strings alone, escaped quotes included', () => {
    const text = '{"a": "http://x//y", "b": "/* not */", "c": "q\\"//still string", "d": 1} // end';
    expect(parseAgentJson(text)).toEqual({ a: 'http://x//y', b: '/* not */', c: 'q"//still string', d: 1 });
  });

  it('keeps positions and lines, so JSON errors point into the file as written', () => {
    const text = '{ /* x */ "a": 1,\n// y\n"b": }';
    expect(blankComments(text)).toBe('{         "a": 1,\n    \n"b": }');
    expect(() => parseAgentJson(text)).toThrow(SyntaxError);
  });

  it('refuses an unclosed block comment', () => {
    expect(() => parseAgentJson('{ /* "a": 1 }')).toThrow(/unclosed \/\* comment/);
  });
});
