/**
 * Bounds of the telemetry envelope, in one place so that producers, the ingest API and consumers quote the same
 * figures. They keep one record far below Kinesis' 1 MiB record limit (kds-reference.md §1) and keep the cost of
 * validating one record bounded.
 */
export const TELEMETRY_LIMITS = {
  deviceIdMaxLength: 128,
  metricsMinEntries: 1,
  metricsMaxEntries: 100,
  metricNameMaxLength: 64,
  tagsMaxEntries: 20,
  tagKeyMaxLength: 64,
  tagValueMaxLength: 256,
  /**
   * Epoch-millisecond timestamps below this (1973-03-03T09:46:40Z) are refused: such a value is almost always
   * epoch *seconds* sent by mistake, which would otherwise be stored silently as a date in January 1970.
   */
  minTimestampMs: 100_000_000_000,
  /** The largest instant a JavaScript Date can hold (ECMA-262 §21.4.1.1), so `new Date(ts)` is always valid. */
  maxTimestampMs: 8_640_000_000_000_000,
} as const;

/**
 * Device ids become Kinesis partition keys, log fields and file names in sinks: letters, digits and `_ . : -`
 * only, so none of those needs escaping. (`*`, not `+`: emptiness is the length rule's to report.)
 */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_.:-]*$/;

/** Metric names and tag keys: the characters every metrics backend we sink to (Prometheus after mapping, CloudWatch, StatsD) accepts. */
export const METRIC_NAME_PATTERN = /^[A-Za-z0-9_.:/-]*$/;
