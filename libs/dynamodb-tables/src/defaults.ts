/** The defaults of @tributary/dynamodb-tables, in one place (conventions.md §14). */
export const DYNAMODB_TABLE_DEFAULTS = {
  /** How long a CREATING table may take to become usable. */
  activeTimeoutMs: 60_000,
  /** The first wait between DescribeTable polls; each wait doubles up to `maxPollIntervalMs`. */
  pollIntervalMs: 50,
  maxPollIntervalMs: 1_000,
} as const;
