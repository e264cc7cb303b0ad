import { markdownSection, readMarkdownTables, splitTableRow } from './markdown-table';
import { compareSettingNames, documentedSettingNames, mergeSettingNames, settingNamesFromHelp, settingNamesFromMap } from './settings-docs';

const README = `# app

## Run

\`\`\`sh
# Settings (a shell comment, not a heading)
app --port 1
\`\`\`

## Settings

Flags win.

| Flag | Variable | Default | Meaning |
|---|:--|---|---|
| \`--host\`, \`--port\` | \`APP_HOST\`, \`APP_PORT\` | \`0.0.0.0\` | listen; see \`--other\` and \`AWS_REGION\` |
| – | \`APP_SECRET\` | – | a \\| pipe |
| \`--log-level\` | \`APP_LOG_LEVEL\` (or \`LOG_LEVEL\`) | \`info\` |

### Notes

| setting | flag | environment |
| --- | --- | --- |
| mode | \`--mode\` | \`APP_MODE\` |

## Endpoints

| path | \`--not-a-setting\` flag |
|---|---|
| /x | \`--nope\` |
`;

const HELP = `app — does things

Options (environment variable in brackets):
  --host <addr>               address                  [APP_HOST]       default 0.0.0.0
  --port <n>                  port                     [APP_PORT]       default 8080
                              the secret (env only)    [APP_SECRET]
  --width <px> --height <px>  size                     [APP_WIDTH, APP_HEIGHT]
  --log-level <level>         level                    [APP_LOG_LEVEL or LOG_LEVEL]
  --in-memory                 keep nothing             [APP_IN_MEMORY=true]
  -h, --help                  this text

AWS: (AWS_REGION, AWS_ENDPOINT_URL). A negative number needs --max=-1.
`;

describe('markdown tables', () => {
  it('splits rows on unescaped pipes, with or without outer pipes', () => {
    expect(splitTableRow('| a | b \\| c |')).toEqual(['a', 'b | c']);
    expect(splitTableRow('a | b')).toEqual(['a', 'b']);
  });

  it('finds a section up to the next heading of its level, ignoring # lines in code fences', () => {
    const section = markdownSection(README, 'settings') ?? '';
    expect(section).toContain('Flags win.');
    expect(section).toContain('### Notes');
    expect(section).not.toContain('## Endpoints');
    expect(markdownSection(README, 'Missing')).toBeUndefined();
  });

  it('reads headers and rows, padding short rows', () => {
    const tables = readMarkdownTables(markdownSection(README, 'Settings') ?? '');
    expect(tables).toHaveLength(2);
    expect(tables[0].headers).toEqual(['Flag', 'Variable', 'Default', 'Meaning']);
    expect(tables[0].rows[1]).toEqual(['–', '`APP_SECRET`', '–', 'a | pipe']);
    expect(tables[0].rows[2]).toEqual(['`--log-level`', '`APP_LOG_LEVEL` (or `LOG_LEVEL`)', '`info`', '']);
    expect(tables[1].rows).toEqual([['mode', '`--mode`', '`APP_MODE`']]);
  });
});

describe('settings docs', () => {
  it('reads the flag and variable columns of the Settings tables only', () => {
    expect(documentedSettingNames(README)).toEqual({
      flags: ['--host', '--log-level', '--mode', '--port'],
      variables: ['APP_HOST', 'APP_LOG_LEVEL', 'APP_MODE', 'APP_PORT', 'APP_SECRET', 'LOG_LEVEL'],
    });
    expect(() => documentedSettingNames('# no settings here')).toThrow(/no "Settings" heading/);
  });

  it('reads option lines and bracketed variables of a --help text, not --help nor the AWS footer', () => {
    expect(settingNamesFromHelp(HELP)).toEqual({
      flags: ['--height', '--host', '--in-memory', '--log-level', '--port', '--width'],
      variables: ['APP_HEIGHT', 'APP_HOST', 'APP_IN_MEMORY', 'APP_LOG_LEVEL', 'APP_PORT', 'APP_SECRET', 'APP_WIDTH', 'LOG_LEVEL'],
    });
  });

  it('reads a setting-name map', () => {
    expect(settingNamesFromMap({ host: '--host / APP_HOST', secret: 'APP_SECRET', size: '--width / APP_WIDTH, --height / APP_HEIGHT' })).toEqual({
      flags: ['--height', '--host', '--width'],
      variables: ['APP_HEIGHT', 'APP_HOST', 'APP_SECRET', 'APP_WIDTH'],
    });
  });

  it('names what is missing on either side', () => {
    const actual = mergeSettingNames(settingNamesFromHelp(HELP), settingNamesFromMap({ mode: '--mode / APP_MODE' }));
    expect(compareSettingNames(documentedSettingNames(README), actual)).toEqual({
      undocumented: ['--height', '--in-memory', '--width', 'APP_HEIGHT', 'APP_IN_MEMORY', 'APP_WIDTH'],
      unknown: [],
    });
    expect(compareSettingNames(actual, documentedSettingNames(README))).toEqual({
      undocumented: [],
      unknown: ['--height', '--in-memory', '--width', 'APP_HEIGHT', 'APP_IN_MEMORY', 'APP_WIDTH'],
    });
  });
});
