// Issue 20: on Node 20 every app printed the AWS SDK's multi-line "versions published after the first week of
// January 2027 will require node >=22" process warning on stderr, or nothing where the variable silenced it; the
// apps now say it once in their own log, with what to do, and say nothing on Node 22 and 24.
import { announceNodeSupport, nodeMajorOf, nodeSupportNotice, SDK_NODE_WARNING_ENV } from './node-support';

function captureWarn() {
  const lines: Array<{ obj: object | string; msg?: string }> = [];
  return { lines, logger: { warn: (obj: object | string, msg?: string) => void lines.push({ obj, msg }) } };
}

describe('nodeMajorOf', () => {
  it.each([
    ['v20.20.2', 20],
    ['v24.22.3', 24],
    ['22.23.5', 22],
  ])('%s is major %d', (version, major) => expect(nodeMajorOf(version)).toBe(major));

  it.each(['', 'v20', 'node 20.1.0', 'vX.1.2'])('%j is no version', (version) => expect(nodeMajorOf(version)).toBeNaN());
});

describe('nodeSupportNotice', () => {
  it('on Node 20: end of life in April 2026, the SDK needs 22 after January 2027, run 22 or 24', () => {
    expect(nodeSupportNotice('v20.20.2')).toEqual({
      node: 'v20.20.2',
      nodeEndOfLife: 'April 2026',
      supportedNodeMajors: [22, 24],
      message:
        'Node 20 reached end of life in April 2026; AWS SDK releases after January 2027 need Node 22; this build pins ' +
        '@aws-sdk 3.x releases that still run on Node 20 — run Node 22 or 24',
    });
  });

  it('on Node 18: its own end of life; an older major the table does not know is past end of life', () => {
    expect(nodeSupportNotice('v18.20.8')?.message).toMatch(/^Node 18 reached end of life in April 2025; /);
    expect(nodeSupportNotice('v16.20.2')).toEqual(expect.objectContaining({ nodeEndOfLife: undefined, message: expect.stringMatching(/^Node 16 is past end of life; /) }));
  });

  it.each(['v22.0.0', 'v22.23.5', 'v24.22.3', 'v26.1.0'])('on %s: nothing to say', (version) => expect(nodeSupportNotice(version)).toBeUndefined());

  it.each(['', 'not a version'])('for %j: nothing to say', (version) => expect(nodeSupportNotice(version)).toBeUndefined());
});

describe('announceNodeSupport', () => {
  it('on Node 20: one warn line with the fields, and the SDK told not to repeat it', () => {
    const { lines, logger } = captureWarn();
    const env: Record<string, string | undefined> = {};
    const notice = announceNodeSupport(logger, env, 'v20.20.2');
    expect(lines).toEqual([{ obj: { node: 'v20.20.2', nodeEndOfLife: 'April 2026', supportedNodeMajors: [22, 24] }, msg: notice?.message }]);
    expect(env).toEqual({ [SDK_NODE_WARNING_ENV]: 'true' });
  });

  it.each(['v22.23.5', 'v24.22.3'])('on %s: no line, and the environment is left alone', (version) => {
    const { lines, logger } = captureWarn();
    const env: Record<string, string | undefined> = { PATH: '/usr/bin' };
    expect(announceNodeSupport(logger, env, version)).toBeUndefined();
    expect(lines).toEqual([]);
    expect(env).toEqual({ PATH: '/usr/bin' });
  });
});
