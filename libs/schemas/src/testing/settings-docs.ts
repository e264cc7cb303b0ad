/**
 * Holds an app's README settings table to its config module: the flags and variables the `--help` text and the
 * setting-name map (`SETTING_NAMES`, the names `parseConfig` errors use) know, against those the README's
 * "Settings" tables list. A setting added without docs, or docs left behind by a removed one, shows up by name.
 */
import { markdownSection, readMarkdownTables } from './markdown-table';

export interface SettingNameSet {
  /** `--flag` names, sorted. */
  flags: string[];
  /** Environment variable names, sorted. */
  variables: string[];
}

const FLAG = /--[a-z][a-z0-9-]*/g;
const VARIABLE = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;
/** An option line of a --help text: `  --flag <value>`, `  -h, --help`, `  --width <px> --height <px>`. */
const OPTION_LINE = /^ {1,4}(?:-[a-zA-Z], )?(--[a-z][a-z0-9-]*)(?:[ =]<[^>]*>)?(?: (--[a-z][a-z0-9-]*)(?: <[^>]*>)?)?/;
/** Not settings: every app has them, and the README says `--help` prints the list. */
const NOT_SETTINGS = new Set(['--help']);

function nameSet(flags: Iterable<string>, variables: Iterable<string>): SettingNameSet {
  return {
    flags: [...new Set(flags)].filter((f) => !NOT_SETTINGS.has(f)).sort(),
    variables: [...new Set(variables)].sort(),
  };
}

/** The flags of a `--help` text's option lines and the variables in its `[BRACKETS]` (`[A]`, `[A, B]`, `[A or B]`). */
export function settingNamesFromHelp(help: string): SettingNameSet {
  const flags: string[] = [];
  const variables: string[] = [];
  for (const line of help.split(/\r?\n/)) {
    const option = OPTION_LINE.exec(line);
    if (option) flags.push(...option.slice(1).filter((f): f is string => f !== undefined));
    for (const bracket of line.matchAll(/\[([^\]]*)\]/g)) variables.push(...(bracket[1].match(VARIABLE) ?? []));
  }
  return nameSet(flags, variables);
}

/** The names in a setting-name map: values such as `--port / GATEWAY_PORT` or `GATEWAY_API_KEYS`. */
export function settingNamesFromMap(names: object): SettingNameSet {
  // `object`: the apps' maps are typed by their schema's keys (some as interfaces, which have no index signature).
  const values = Object.values(names).filter((v): v is string => typeof v === 'string');
  return nameSet(
    values.flatMap((v) => v.match(FLAG) ?? []),
    values.flatMap((v) => v.match(VARIABLE) ?? []),
  );
}

/** Both sets together (a --help text and a setting-name map describe the same settings from two sides). */
export function mergeSettingNames(...sets: SettingNameSet[]): SettingNameSet {
  return nameSet(
    sets.flatMap((s) => s.flags),
    sets.flatMap((s) => s.variables),
  );
}

/**
 * The names a README documents: in the tables under its `section` heading (default "Settings"), the cells of the
 * columns whose header says flag, variable or environment. Other columns (meaning, default) may mention AWS's
 * own variables or other flags without counting.
 */
export function documentedSettingNames(readme: string, section = 'Settings'): SettingNameSet {
  const text = markdownSection(readme, section);
  if (text === undefined) throw new Error(`the README has no "${section}" heading`);
  const flags: string[] = [];
  const variables: string[] = [];
  for (const table of readMarkdownTables(text)) {
    table.headers.forEach((header, column) => {
      const h = header.toLowerCase();
      const isFlag = /\bflags?\b/.test(h);
      const isVariable = /\b(variables?|environment|env)\b/.test(h);
      if (!isFlag && !isVariable) return;
      for (const row of table.rows) {
        if (isFlag) flags.push(...(row[column].match(FLAG) ?? []));
        if (isVariable) variables.push(...(row[column].match(VARIABLE) ?? []));
      }
    });
  }
  return nameSet(flags, variables);
}

export interface SettingDocsDifference {
  /** Known to the config, missing from the README. */
  undocumented: string[];
  /** In the README, unknown to the config (a removed or misspelt setting). */
  unknown: string[];
}

export function compareSettingNames(documented: SettingNameSet, actual: SettingNameSet): SettingDocsDifference {
  const docs = new Set([...documented.flags, ...documented.variables]);
  const code = new Set([...actual.flags, ...actual.variables]);
  return {
    undocumented: [...code].filter((n) => !docs.has(n)).sort(),
    unknown: [...docs].filter((n) => !code.has(n)).sort(),
  };
}
