/**
 * The one spec of an app's README settings table against its config module: every flag and variable `--help` and
 * the setting-name map know is documented, and the table lists nothing else. A setting added without docs fails
 * here by name. Each app's readme-settings.spec.ts calls it with its own HELP and SETTING_NAMES.
 */
import { compareSettingNames } from './settings-docs';
import { readmeSettingNames } from './config-testing';

export function describeReadmeSettings(specDir: string, help: string, settingNames: object): void {
  describe('README settings', () => {
    const { documented, actual } = readmeSettingNames(specDir, help, settingNames);

    it('documents every flag and variable of the config, and no other', () => {
      // The sets are not empty by accident (a parser that found nothing on either side would agree).
      expect(actual.flags.length).toBeGreaterThanOrEqual(15);
      expect(documented.variables.length).toBeGreaterThanOrEqual(15);
      expect(compareSettingNames(documented, actual)).toEqual({ undocumented: [], unknown: [] });
    });
  });
}
