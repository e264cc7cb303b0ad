/**
 * Every setting the Kinesis Agent reads from `agent.json`, as data: where it is read, its default and bounds, and
 * whether this agent honours it or, if not, why not. The parser (agent-config-parser.ts) reports each unsupported
 * one it meets and `--help` prints the supported ones from the same table, so the two cannot drift apart.
 *
 * Sources (awslabs/amazon-kinesis-agent): config/AgentConfiguration.java (top level), tailing/FileFlow.java,
 * tailing/KinesisFileFlow.java, tailing/KinesisConstants.java and Constants.java (per flow),
 * processing/utils/ProcessingUtilsFactory.java and the processors (per data processing option).
 */

export interface AgentSetting {
  key: string;
  /** For the supported ones: what it does here and its default (the agent's). */
  help?: string;
  /** For the unsupported ones: why it is not honoured (it is read, reported at start, and ignored). */
  unsupported?: string;
}

const CLOUDWATCH = 'metrics are served on /metrics (Prometheus), not sent to CloudWatch';
const THREADS = 'Node sends from one event loop; libs/kinesis-producer bounds the calls in flight instead of threads';
const HTTP = 'the AWS SDK v3 client uses its own HTTP settings';
const CREDENTIALS = 'credentials come from the AWS SDK default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID…, instance role)';

/** Top-level keys (AgentConfiguration.java). */
export const AGENT_SETTINGS: readonly AgentSetting[] = [
  { key: 'flows', help: 'the flows (at least one)' },
  { key: 'checkpointFile', help: 'where checkpoints are kept (default /var/run/aws-kinesis-agent/checkpoints; --checkpoint-file wins)' },
  { key: 'checkpointTimeToLiveDays', help: 'checkpoints of files not seen for this many days are forgotten (default 7)' },
  { key: 'shutdownTimeoutMillis', help: 'longest flush on SIGTERM (default 10000)' },
  { key: 'kinesis.endpoint', help: 'Kinesis endpoint URL (default: the SDK\'s, from AWS_ENDPOINT_URL or the region)' },
  { key: 'kinesis.region', help: 'Kinesis region (default: the SDK\'s, from AWS_REGION)' },
  { key: 'awsAccessKeyId', help: 'static credentials, with awsSecretAccessKey (default: the SDK default chain)' },
  { key: 'awsSecretAccessKey', help: 'see awsAccessKeyId' },
  { key: 'cloudwatch.emitMetrics', help: `accepted; false is what happens here (${CLOUDWATCH})` },
  { key: 'assumeRoleARN', unsupported: CREDENTIALS },
  { key: 'assumeRoleExternalId', unsupported: CREDENTIALS },
  { key: 'assumeRoleDurationSeconds', unsupported: CREDENTIALS },
  { key: 'userDefinedCredentialsProvider.classname', unsupported: `a Java class cannot be loaded; ${CREDENTIALS}` },
  { key: 'userDefinedCredentialsProvider.location', unsupported: `a Java class cannot be loaded; ${CREDENTIALS}` },
  { key: 'sts.endpoint', unsupported: CREDENTIALS },
  { key: 'firehose.endpoint', unsupported: 'Firehose flows (deliveryStream) are refused; only Kinesis Data Streams flows run' },
  { key: 'cloudwatch.endpoint', unsupported: CLOUDWATCH },
  { key: 'cloudwatch.tagInstance', unsupported: CLOUDWATCH },
  { key: 'cloudwatch.metricsBufferTimeMillis', unsupported: CLOUDWATCH },
  { key: 'cloudwatch.namespace', unsupported: CLOUDWATCH },
  { key: 'cloudwatch.metricsQueueSize', unsupported: CLOUDWATCH },
  { key: 'log.emitMetrics', unsupported: 'metrics are served on /metrics; the log carries events, not periodic metric dumps' },
  { key: 'log.emitInternalMetrics', unsupported: 'metrics are served on /metrics; the log carries events, not periodic metric dumps' },
  { key: 'log.statusReportingPeriodSeconds', unsupported: 'progress is on /metrics and /healthz instead of a periodic status line' },
  { key: 'maxSendingThreads', unsupported: THREADS },
  { key: 'maxSendingThreadsPerCore', unsupported: THREADS },
  { key: 'sendingThreadsKeepAliveMillis', unsupported: THREADS },
  { key: 'sendingThreadsMaxQueueSize', unsupported: THREADS },
  { key: 'maxConnections', unsupported: HTTP },
  { key: 'connectionTimeoutMillis', unsupported: HTTP },
  { key: 'connectionTTLMillis', unsupported: HTTP },
  { key: 'socketTimeoutMillis', unsupported: HTTP },
  { key: 'useTcpKeepAlive', unsupported: HTTP },
  { key: 'useHttpGzip', unsupported: HTTP },
];

const QUEUES = 'records wait in libs/kinesis-producer, bounded by the records and bytes in flight, not in publish queues';

/** Per-flow keys (FileFlow.java, KinesisFileFlow.java). */
export const FLOW_SETTINGS: readonly AgentSetting[] = [
  { key: 'filePattern', help: 'files to tail: a directory and a file-name glob (required)' },
  { key: 'kinesisStream', help: 'the Kinesis data stream (required)' },
  { key: 'partitionKeyOption', help: 'RANDOM (default) or DETERMINISTIC (MD5 of the record)' },
  { key: 'initialPosition', help: 'END_OF_FILE (default) or START_OF_FILE, for files without a checkpoint' },
  { key: 'multiLineStartPattern', help: 'a record starts at a line matching this Java regex (default: each line)' },
  { key: 'skipHeaderLines', help: 'lines skipped at the start of each file (default 0)' },
  { key: 'truncatedRecordTerminator', help: 'ends a record cut at the 1 MiB Kinesis limit (default "\\n")' },
  { key: 'maxBufferAgeMillis', help: 'longest a record waits to be sent, 1000–900000 (default 60000)' },
  { key: 'maxBufferSizeRecords', help: 'records per PutRecords, 1–500 (default 500)' },
  { key: 'maxBufferSizeBytes', help: 'bytes per PutRecords, 1–5242880 (default 5242880)' },
  { key: 'dataProcessingOptions', help: 'SINGLELINE, CSVTOJSON, LOGTOJSON, ADDMETADATA, ADDBRACKETS, in order' },
  { key: 'fileFooterPattern', unsupported: 'a file is tailed until it is rotated away, not until a footer line' },
  {
    key: 'minTimeBetweenFilePollsMillis',
    help: 'scan and read interval where inotify does not work (default 100; inotify sends lines at once elsewhere)',
  },
  {
    key: 'maxTimeBetweenFileTrackerRefreshMillis',
    help: 'full rescan of the files while inotify watches, in case it missed an event (default 10000)',
  },
  { key: 'retryInitialBackoffMillis', unsupported: 'libs/kinesis-producer retries with its own backoff policy' },
  { key: 'retryMaxBackoffMillis', unsupported: 'libs/kinesis-producer retries with its own backoff policy' },
  { key: 'publishQueueCapacity', unsupported: QUEUES },
  { key: 'waitOnFullPublishQueueMillis', unsupported: QUEUES },
  { key: 'waitOnEmptyPublishQueueMillis', unsupported: QUEUES },
  { key: 'waitOnFullRetryQueueMillis', unsupported: QUEUES },
  { key: 'log.emitInternalMetrics', unsupported: 'metrics are served on /metrics' },
  {
    key: 'aggregatedRecordSizeBytes',
    unsupported: 'a Firehose flow setting; Kinesis flows aggregate lines with KPL aggregation (--aggregation) instead',
  },
];

/** Keys of each data processing option (ProcessingUtilsFactory.java and the converters). */
export const OPTION_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  SINGLELINE: ['optionName'],
  CSVTOJSON: ['optionName', 'customFieldNames', 'delimiter', 'jsonFormat'],
  LOGTOJSON: ['optionName', 'logFormat', 'matchPattern', 'customFieldNames', 'jsonFormat'],
  ADDMETADATA: ['optionName', 'metadataFields', 'metadata', 'jsonFormat'],
  ADDBRACKETS: ['optionName'],
};

/** Options found in the agent's sources that are refused by name, and why. */
export const REFUSED_OPTIONS: Readonly<Record<string, string>> = {
  ADDEC2METADATA:
    'it reads the EC2 instance metadata service and calls EC2 DescribeTags (AddEC2MetadataConverter.java); ' +
    'use ADDMETADATA with metadataFields to add fixed fields',
  GZIPCOMPRESSION:
    'the agent\'s GzipDataConverter compresses the record\'s whole backing buffer (data.array()), not the record, ' +
    'so there is no defined output to reproduce; Kinesis consumers get records uncompressed (KPL aggregation packs them)',
  USINGPLUGGIN: 'it loads a Java class (PluggableDataConverter.java, className), which cannot run here',
};
