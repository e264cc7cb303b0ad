/**
 * The Dockerfile, read as text (no Docker engine needed): the image runs the bundle target's output — the entry the
 * bundle integration test starts — as a non-root user, with a health check on /healthz, and with no AWS endpoint
 * baked in (AWS by environment alone).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleCommands } from '@tributary/runtime/testing';
import { DEFAULTS } from '../playback-gateway-config';
import { envOf, execForm, healthcheckOf, instructionsOf, readDockerfile, type DockerStage } from '../testing/dockerfile';

const ROOT = join(__dirname, '..', '..', '..', '..');
const APP = 'apps/playback-gateway';
const stages = readDockerfile(readFileSync(join(ROOT, APP, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1) as DockerStage;
const last = (keyword: string): string => instructionsOf(runtime, keyword).at(-1)?.args ?? '';

describe('playback-gateway Dockerfile', () => {
  it('builds the bundle with the nx bundle target in a build stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages[0];
    expect(instructionsOf(build, 'RUN').map((i) => i.args)).toEqual(expect.arrayContaining(['npm ci --no-audit --no-fund', 'npx nx run playback-gateway:bundle']));
    const project = JSON.parse(readFileSync(join(ROOT, APP, 'project.json'), 'utf8')) as { targets: { bundle: { outputs: string[] } } };
    expect(project.targets.bundle.outputs).toEqual(['{workspaceRoot}/dist/playback-gateway']);
    // The runtime stage takes exactly that folder from the build stage's workspace.
    const workdir = instructionsOf(build, 'WORKDIR').at(-1)?.args;
    expect(instructionsOf(runtime, 'COPY').map((i) => i.args)).toContain(`--from=${build.name} ${workdir}/dist/playback-gateway/ ./`);
  });

  it('runs on the newest Node the test matrix runs, which the bundle targets (its target is not newer)', () => {
    const esbuild = bundleCommands(ROOT, APP).find((c) => c.startsWith('esbuild ')) ?? '';
    const target = Number(/--target=node(\d+)/.exec(esbuild)?.[1]);
    const imageMajor = Number(/^node:(\d+)(-|$)/.exec(runtime.image ?? '')?.[1]);
    // The majors `npm test` runs the suites under besides the root's: tools/node-matrix's node<N> aliases.
    const matrix = JSON.parse(readFileSync(join(ROOT, 'tools/node-matrix/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const matrixMajors = Object.keys(matrix.dependencies).map((name) => Number(/^node(\d+)$/.exec(name)?.[1]));
    expect(matrixMajors.length).toBeGreaterThan(0);
    expect(imageMajor).toBe(Math.max(...matrixMajors));
    expect(target).toBeLessThanOrEqual(imageMajor);
    // Both stages: the bundle is built by the Node it runs on.
    expect(stages.map((s) => s.image)).toEqual(stages.map(() => runtime.image));
  });

  it('starts the bundle entry (main.js in WORKDIR) in exec form, so SIGTERM reaches node', () => {
    const esbuild = bundleCommands(ROOT, APP).find((c) => c.startsWith('esbuild ')) ?? '';
    expect(esbuild).toContain('--outfile=dist/playback-gateway/main.js');
    expect(last('WORKDIR')).toBe('/app');
    const cmd = execForm(last('CMD'));
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe('main.js');
    expect(instructionsOf(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  it('runs as the unprivileged node user', () => {
    expect(last('USER')).toBe('node');
    expect(['root', '0', '0:0']).not.toContain(last('USER'));
  });

  it('listens on every interface at the port it exposes and probes /healthz there', () => {
    const env = envOf(runtime);
    expect(env['GATEWAY_HOST']).toBe('0.0.0.0');
    expect(env['GATEWAY_PORT']).toBe(DEFAULTS.port);
    expect(last('EXPOSE')).toBe(DEFAULTS.port);
    const hc = healthcheckOf(runtime);
    expect(hc?.options).toEqual(expect.objectContaining({ interval: expect.any(String), timeout: expect.any(String) }));
    expect(hc?.command[0]).toBe('node');
    expect(hc?.command.join(' ')).toContain('/healthz');
    expect(hc?.command.join(' ')).toContain('process.env.GATEWAY_PORT');
  });

  it('bakes in no AWS endpoint or credentials: AWS comes from the environment and the task role', () => {
    const keys = stages.flatMap((s) => Object.keys(envOf(s)));
    // Not even AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: the SDK has no Node warning to give on the image's Node.
    expect(keys.filter((k) => k.startsWith('AWS_'))).toEqual([]);
    expect(keys).not.toContain('GATEWAY_PLAYBACK_KEY');
  });

  it('builds from a context without node_modules, dist or local state (.dockerignore)', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    // npm ci in the image must not be overwritten by the host's node_modules, nor the bundle by a stale dist.
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', 'dist', '.data']));
  });
});
