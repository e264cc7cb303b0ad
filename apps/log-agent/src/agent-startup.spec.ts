import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appConfigOf, loadStartup } from './agent-startup';

describe('loadStartup', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'log-agent-startup-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads an agent.json with // and /* */ comments, as the running app does', () => {
    const file = join(dir, 'agent.json');
    writeFileSync(
      file,
      `{
  // where the checkpoints go
  "checkpointFile": "/var/tmp//cp",
  /* one flow; "//" inside a string (checkpointFile) is no comment */
  "flows": [{ "filePattern": "/var/log/app/*.log", "kinesisStream": "st" }]
}`,
    );
    const loaded = loadStartup(['--config', file], {});
    if (loaded.help) throw new Error('help');
    const app = appConfigOf(loaded.config);
    expect(app.checkpointFile).toBe('/var/tmp//cp');
    expect(app.flows.map((f) => [f.filePattern, f.kinesisStream])).toEqual([['/var/log/app/*.log', 'st']]);
  });

  it('names the file when agent.json is not JSON', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ /* unclosed ');
    expect(() => loadStartup(['--config', file], {})).toThrow(file);
  });
});
