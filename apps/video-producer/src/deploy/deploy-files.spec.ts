/**
 * deploy/ holds what an edge device installs: the systemd unit, the environment file example and the cameras
 * example. They must stay true to the config module: every variable they set is a setting of the app (or AWS's
 * own), the cameras example loads and shows every camera field and source kind, and the unit keeps its promises
 * (a dedicated user, the spool in its state folder, restart forever, a drain window longer than the app's, limits).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingNamesFromHelp } from '@tributary/schemas/testing';
import { DEFAULTS, HELP, loadConfig } from '../video-producer-config';

const DEPLOY = join(__dirname, '..', '..', 'deploy');
const read = (file: string): string => readFileSync(join(DEPLOY, file), 'utf8');
const SETTINGS = new Set(settingNamesFromHelp(HELP).variables);
const isKnownVariable = (name: string): boolean => SETTINGS.has(name) || name.startsWith('AWS_') || name === 'NODE_ENV';

/** `[Section]` → key → values, in order (systemd allows a key several times, e.g. Environment=). */
function readUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`not a unit line: ${line}`);
    current.set(kv[1], [...(current.get(kv[1]) ?? []), kv[2]]);
  }
  return sections;
}

describe('deploy/cameras.example.json', () => {
  const file = join(DEPLOY, 'cameras.example.json');
  const loaded = loadConfig(['--config', file], {});
  const json = JSON.parse(read('cameras.example.json')) as { cameras: Array<Record<string, unknown>> };

  it('loads with the app’s own config loader', () => {
    expect(loaded.help).toBe(false);
    if (loaded.help) return;
    expect(loaded.config.cameras.map((c) => c.stream)).toEqual(json.cameras.map((c) => c['stream']));
  });

  it('shows every camera field and every source kind', () => {
    const fields = new Set(json.cameras.flatMap((c) => Object.keys(c)));
    expect([...fields].sort()).toEqual(['bitrateKbps', 'copy', 'fps', 'fragmentMs', 'height', 'loop', 'preset', 'recording', 'rtspTimeoutMs', 'rtspTransport', 'source', 'stream', 'width']);
    if (loaded.help) throw new Error('unexpected --help');
    expect(new Set(loaded.config.cameras.map((c) => c.source.kind))).toEqual(new Set(['v4l2', 'rtsp', 'file', 'testsrc']));
  });
});

describe('deploy/env.example', () => {
  it('names only settings of the app and AWS’s own variables', () => {
    const names = read('env.example')
      .split(/\r?\n/)
      .map((l) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(l.trim())?.[1])
      .filter((n): n is string => n !== undefined);
    expect(names).toContain('AWS_REGION');
    expect(names.filter((n) => !isKnownVariable(n))).toEqual([]);
  });
});

describe('deploy/video-producer.service', () => {
  const unit = readUnit(read('video-producer.service'));
  const service = unit.get('Service') ?? new Map<string, string[]>();
  const one = (key: string): string | undefined => service.get(key)?.at(-1);
  const env = new Map((service.get('Environment') ?? []).map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]));

  it('runs the bundle with node', () => {
    expect(one('ExecStart')).toMatch(/^\/usr\/bin\/node( --[a-z-]+)* \/opt\/video-producer\/main\.js$/);
    expect(one('WorkingDirectory')).toBe('/opt/video-producer');
  });

  it('sets only settings the app knows', () => {
    expect([...env.keys()].filter((n) => !isKnownVariable(n))).toEqual([]);
    expect(env.get('VIDEO_CONFIG')).toBeDefined();
  });

  it('runs as its own unprivileged user, with video-device access and nothing more', () => {
    expect(one('DynamicUser') === 'yes' || (one('User') ?? 'root') !== 'root').toBe(true);
    expect(one('SupplementaryGroups') ?? one('Group')).toBe('video');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('MemoryDenyWriteExecute')).toBeUndefined(); // would break V8's JIT
  });

  it('keeps the spool in its state folder', () => {
    const state = one('StateDirectory');
    expect(state).toBe('video-producer');
    expect(env.get('VIDEO_SPOOL_DIR')).toMatch(new RegExp(`^(/var/lib|%S)/${state}/`));
  });

  it('restarts forever and gives the drain more time than the app takes', () => {
    expect(one('Restart')).toBe('always');
    expect(unit.get('Unit')?.get('StartLimitIntervalSec')?.at(-1)).toBe('0');
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(one('KillMode')).toBe('mixed'); // node stops its ffmpeg children itself
    const drainSeconds = Number(DEFAULTS.shutdownTimeoutMs) / 1000 + 5; // + ffmpeg's SIGINT grace
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThan(drainSeconds);
  });

  it('caps CPU and memory', () => {
    expect(one('CPUQuota')).toMatch(/^\d+%$/);
    expect(one('MemoryMax')).toMatch(/^\d+[KMG]$/);
    expect(one('MemoryHigh')).toMatch(/^\d+[KMG]$/);
  });
});
