import { parseFilePattern } from './file-pattern';
import { TailingError } from './tailing-error';

describe('parseFilePattern', () => {
  it.each([
    ['/var/log/httpd/access_log*', '/var/log/httpd', ['access_log', 'access_log.1', 'access_log-20261207'], ['error_log', 'access_log.1.gz']],
    ['/tmp/app.log*', '/tmp', ['app.log', 'app.log.2', 'app.log.swp'], ['app.lo', 'app.log.bz2', 'APP.log']],
    ['/var/log/*.{log,txt}', '/var/log', ['a.log', 'b.txt', '.hidden.log'], ['a.json', 'a.log.zip']],
    ['/data/app-[0-9].log', '/data', ['app-1.log'], ['app-a.log', 'app-10.log']],
    ['/var/log/cloud?.log', '/var/log', ['cloud1.log'], ['cloud12.log']],
    ['/app.log', '/', ['app.log'], ['app.log.1']],
  ])('%s: directory %s', (pattern, directory, yes, no) => {
    const p = parseFilePattern(pattern);
    expect(p.directory).toBe(directory);
    for (const name of yes) expect([name, p.matches(name)]).toEqual([name, true]);
    for (const name of no) expect([name, p.matches(name)]).toEqual([name, false]);
  });

  it('resolves a relative pattern against the working directory, as a Java Path would', () => {
    expect(parseFilePattern('logs/app.log', '/srv/agent').directory).toBe('/srv/agent/logs');
    expect(parseFilePattern('/var/log/../log/./a.log').directory).toBe('/var/log');
  });

  it.each([
    ['', /is empty/],
    ['/var/log/', /file name component is empty/],
    ['app.log', /no directory component/],
    ['/var/*/app.log', /not in the directory "\/var\/\*"/],
    ['/opt/**/app.log*', /not in the directory/],
  ])('refuses %j by name', (pattern, message) => {
    const error = (() => {
      try {
        return parseFilePattern(pattern);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TailingError);
    expect(error).toMatchObject({ code: 'INVALID_FILE_PATTERN', retriable: false });
    expect((error as Error).message).toMatch(message);
  });
});
