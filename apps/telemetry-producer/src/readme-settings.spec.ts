/**
 * The README's settings table against the config module: every flag and variable `--help` and the setting-name
 * map know is documented, and the table lists nothing else. A setting added without docs fails here by name.
 */
import { compareSettingNames, readmeSettingNames } from '@tributary/schemas/testing';
import { HELP, SETTING_NAMES } from './telemetry-producer-config';

describe('README settings', () => {
  const { documented, actual } = readmeSettingNames(__dirname, HELP, SETTING_NAMES);

  it('documents every flag and variable of the config, and no other', () => {
    // The sets are not empty by accident (a parser that found nothing on either side would agree).
    expect(actual.flags.length).toBeGreaterThanOrEqual(15);
    expect(documented.variables.length).toBeGreaterThanOrEqual(15);
    expect(compareSettingNames(documented, actual)).toEqual({ undocumented: [], unknown: [] });
  });
});
