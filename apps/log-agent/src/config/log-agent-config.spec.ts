import { ConfigError } from '@tributary/schemas';
import { AGENT_SETTINGS, FLOW_SETTINGS } from './agent-settings';
import { DEFAULTS, HELP, loadConfig, SETTING_NAMES } from './log-agent-config';

const load = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const loaded = loadConfig(argv, env);
  if (loaded.help) throw new Error('expected settings, got --help');
  return loaded.config;
};

describe('loadConfig (the app\'s flags and variables)', () => {
  it('defaults to the Kinesis Agent\'s /etc/aws-kinesis/agent.json and aggregation on', () => {
    expect(load([])).toEqual({
      configPath: '/etc/aws-kinesis/agent.json',
      host: '0.0.0.0',
      port: 8092,
      checkpointFile: undefined,
      aggregation: true,
      logLevel: 'info',
    });
  });

  it('takes variables, and flags over variables', () => {
    const env = { LOG_AGENT_CONFIG: '/srv/agent.json', LOG_AGENT_PORT: '9000', LOG_AGENT_AGGREGATION: 'off', LOG_AGENT_CHECKPOINT_FILE: '/var/lib/a/cp' };
    expect(load([], env)).toMatchObject({ configPath: '/srv/agent.json', port: 9000, aggregation: false, checkpointFile: '/var/lib/a/cp' });
    expect(load(['--config', 'x.json', '--port=0', '--aggregation', 'on', '--log-level', 'debug'], env)).toMatchObject({
      configPath: 'x.json',
      port: 0,
      aggregation: true,
      logLevel: 'debug',
    });
  });

  it('names each bad setting by its flag and variable', () => {
    expect(() => load(['--port', '70000', '--aggregation', 'maybe'])).toThrow(ConfigError);
    expect(() => load(['--port', '70000', '--aggregation', 'maybe'])).toThrow(/--port \/ LOG_AGENT_PORT[\s\S]*--aggregation \/ LOG_AGENT_AGGREGATION/);
    expect(() => load(['--unknown'])).toThrow(/--help/);
  });

  it('answers --help even when the environment holds a bad setting', () => {
    expect(loadConfig(['--help'], { LOG_AGENT_PORT: 'nope' })).toEqual({ help: true });
  });
});

describe('HELP', () => {
  it('lists every flag with its variable and default', () => {
    for (const name of Object.values(SETTING_NAMES)) {
      const [flag, variable] = name.split(' / ');
      expect(HELP).toContain(flag);
      expect(HELP).toContain(`[${variable}]`);
    }
    for (const value of Object.values(DEFAULTS)) expect(HELP).toContain(`default ${value}`);
  });

  it('lists the agent.json settings it honours, and none it does not', () => {
    for (const s of [...AGENT_SETTINGS, ...FLOW_SETTINGS]) {
      if (s.unsupported === undefined) expect(HELP).toContain(`  ${s.key} `);
      else expect(HELP).not.toContain(`  ${s.key} `);
    }
    expect(HELP).toMatch(/logFormat: COMMONAPACHELOG, COMBINEDAPACHELOG, APACHEERRORLOG, SYSLOG, RFC3339SYSLOG/);
    expect(HELP).toContain('refused: ADDEC2METADATA');
  });
});
