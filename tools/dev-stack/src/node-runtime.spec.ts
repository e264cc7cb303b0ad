/**
 * The Node matrix (tools/node-matrix/run-suites.sh) runs every suite under Node 22 and 24 by putting that Node
 * first on PATH. This spec proves the runs are what they claim: when TRIBUTARY_EXPECT_NODE_MAJOR is set, the
 * Jest worker running this file, and a `node` a child process finds on PATH (how tsx, ffmpeg wrappers and the
 * dev-stack's children start), are that major version. A run that silently fell back to the machine's Node 20
 * fails here. Without the variable (a plain `npm test`) the worker and PATH must still agree, on whatever Node
 * that is: no case is skipped.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const expected = process.env['TRIBUTARY_EXPECT_NODE_MAJOR'];
const major = (version: string): number => Number(/^v(\d+)\./.exec(version)?.[1]);

describe('the Node this suite runs under', () => {
  it('is one package.json engines names (20, 22 or 24 and later)', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('^20.19.0 || ^22.12.0 || >=24.0.0');
    expect([20, 22].includes(major(process.version)) || major(process.version) >= 24).toBe(true);
  });

  it(`is ${expected ? `Node ${expected}` : 'the same Node'} in the worker and on PATH`, () => {
    if (expected) expect(major(process.version)).toBe(Number(expected));
    const onPath = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim();
    expect(onPath).toBe(process.version);
  });
});
