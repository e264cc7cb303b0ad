/**
 * What the apps' config and README specs share: the ConfigError a bad setting throws, and the README's settings
 * table read beside the config module's `--help` and setting-name map (each spec keeps its own assertions).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors';
import { documentedSettingNames, mergeSettingNames, settingNamesFromHelp, settingNamesFromMap, type SettingNameSet } from './settings-docs';

/** The ConfigError `load` throws; fails the test when it throws something else or nothing. */
export function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/**
 * The setting names `<specDir>/../README.md` documents, and those the config module knows: from `help` and, when
 * given, the setting-name map. Compare them with `compareSettingNames(documented, actual)`.
 */
export function readmeSettingNames(specDir: string, help: string, settingNames?: object): { documented: SettingNameSet; actual: SettingNameSet } {
  const documented = documentedSettingNames(readFileSync(join(specDir, '..', 'README.md'), 'utf8'));
  const actual = settingNames !== undefined ? mergeSettingNames(settingNamesFromHelp(help), settingNamesFromMap(settingNames)) : mergeSettingNames(settingNamesFromHelp(help));
  return { documented, actual };
}
