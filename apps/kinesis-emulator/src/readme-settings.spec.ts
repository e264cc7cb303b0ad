/**
 * The README's settings table against the config module: every flag and variable `--help` names is documented,
 * and the table lists nothing else. A setting added without docs fails here by name.
 */
import { compareSettingNames, readmeSettingNames } from '@tributary/schemas/testing';
import { HELP } from './emulator-config';

describe('README settings', () => {
  const { documented, actual } = readmeSettingNames(__dirname, HELP);

  it('documents every flag and variable of the config, and no other', () => {
    // The sets are not empty by accident (a parser that found nothing on either side would agree).
    expect(actual.flags.length).toBeGreaterThanOrEqual(8);
    expect(documented.variables.length).toBeGreaterThanOrEqual(8);
    expect(compareSettingNames(documented, actual)).toEqual({ undocumented: [], unknown: [] });
  });
});
