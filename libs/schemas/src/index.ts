export {
  telemetryEnvelopeSchema,
  telemetryEnvelopeV1Schema,
  parseTelemetry,
  TELEMETRY_SCHEMA_VERSIONS,
  type TelemetryEnvelope,
  type TelemetryEnvelopeInput,
  type TelemetryEnvelopeV1,
  type TelemetryEnvelopeV1Input,
  type TelemetryLocation,
} from './telemetry-envelope';
export { encodeTelemetry, decodeTelemetry } from './telemetry-codec';
export {
  parseConfig,
  booleanSetting,
  readSettings,
  type ParseConfigOptions,
  type Settings,
  type SettingFlagNames,
  type SettingFlagValues,
} from './config-parser';
export { formatIssuePath, type ValidationIssue, type ParseResult } from './validation-issues';
export { SchemaError, ConfigError, type SchemaErrorCode, type ConfigIssue } from './errors';
export { TELEMETRY_LIMITS, DEVICE_ID_PATTERN, METRIC_NAME_PATTERN } from './defaults';
export {
  DASHBOARD_TABLE_DEFAULTS,
  DASHBOARD_ITEM_DEFAULTS,
  ROLLUP_TABLE_KEYS,
  CAMERA_HEALTH_TABLE_KEYS,
  ROLLUP_CLOSE_REASONS,
  LEASE_PROGRESS_ATTRIBUTES,
  CAMERA_STATES,
  rollupWindowKey,
  parseRollupWindowKey,
  rollupWindowRange,
  toRollupItem,
  rollupItemSchema,
  leaseProgressSchema,
  leaseItemSchema,
  cameraHealthItemSchema,
  parseRollupItem,
  parseLeaseItem,
  parseCameraHealthItem,
  type RollupItem,
  type RollupItemSource,
  type LeaseProgress,
  type LeaseItem,
  type CameraState,
  type CameraHealthItem,
} from './dashboard-items';
