import { DevStackError } from './dev-stack-error';
import { PORT_SETTINGS } from './stack-plan';
import { parseStackArguments, stackUsage } from './stack-usage';

describe('npm start arguments', () => {
  it('starts with none', () => {
    expect(parseStackArguments([])).toEqual({ kind: 'start' });
  });

  it('prints every setting for --help and -h', () => {
    for (const flag of ['--help', '-h']) {
      const command = parseStackArguments([flag]);
      expect(command.kind).toBe('help');
    }
    const text = stackUsage();
    for (const name of ['TRIBUTARY_DATA_DIR', 'LOG_LEVEL', 'DEV_STACK_DEVICES', 'DEV_STACK_RATE', ...Object.values(PORT_SETTINGS).map((p) => p.env)]) {
      expect(text).toContain(name);
    }
  });

  it('refuses anything else as a config error (exit 2), naming what it got', () => {
    const attempt = (): unknown => parseStackArguments(['--port', '9000']);
    expect(attempt).toThrow(DevStackError);
    expect(attempt).toThrow('npm start takes no arguments (got "--port" "9000")');
    expect(() => parseStackArguments(['--help', 'x'])).toThrow(/no arguments/);
  });
});
