// Second entry point of @tributary/schemas (conventions.md §3): helpers for other projects' specs.
export { markdownSection, readMarkdownTables, splitTableRow, type MarkdownTable } from './testing/markdown-table';
export {
  compareSettingNames,
  documentedSettingNames,
  mergeSettingNames,
  settingNamesFromHelp,
  settingNamesFromMap,
  type SettingDocsDifference,
  type SettingNameSet,
} from './testing/settings-docs';
export { configErrorOf, readmeSettingNames } from './testing/config-testing';
export { describeReadmeSettings } from './testing/readme-settings-spec';
// Fuzz targets of the telemetry envelope (issue 12), for tools/bench's fuzz soak.
export { telemetryCodecFuzzTarget, telemetryEnvelopeArbitrary, telemetryRoundTripFuzzTarget, TelemetryRefusal } from './telemetry/telemetry-codec.arbitraries';
