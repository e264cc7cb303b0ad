/**
 * zod schemas of the `agent.json` values this agent honours, with the Kinesis Agent's defaults and bounds:
 *
 * - top level (config/AgentConfiguration.java): checkpointFile default /var/run/aws-kinesis-agent/checkpoints,
 *   checkpointTimeToLiveDays 7, shutdownTimeoutMillis 10000, cloudwatch.emitMetrics true;
 * - per flow (tailing/FileFlow.java, KinesisFileFlow.java, KinesisConstants.java, Constants.java):
 *   initialPosition END_OF_FILE, partitionKeyOption RANDOM, skipHeaderLines 0, truncatedRecordTerminator "\n"
 *   (its UTF-8 bytes under 1 MiB), maxBufferAgeMillis 60000 in [1000, 900000], maxBufferSizeRecords 500 in [1, 500],
 *   maxBufferSizeBytes 5 MiB in [1, 5 MiB], minTimeBetweenFilePollsMillis 100, maxTimeBetweenFileTrackerRefreshMillis
 *   10000;
 * - per data processing option (processing/utils/ProcessingUtilsFactory.java and the converters): CSVTOJSON needs
 *   customFieldNames, delimiter "," ; LOGTOJSON needs logFormat; jsonFormat COMPACT.
 *
 * Numbers and booleans are taken as JSON numbers/booleans or as strings holding them, as the agent's Configuration
 * converters (config/Configuration.java with StringConverterWrapper, BooleanConverter) take both.
 */
import { z } from 'zod';
import { JSON_FORMATS, LOG_FORMATS } from '../processing';

export const AGENT_DEFAULTS = {
  checkpointFile: '/var/run/aws-kinesis-agent/checkpoints',
  checkpointTimeToLiveDays: 7,
  shutdownTimeoutMillis: 10_000,
  cloudwatchEmitMetrics: true,
} as const;

export const FLOW_DEFAULTS = {
  initialPosition: 'END_OF_FILE',
  partitionKeyOption: 'RANDOM',
  skipHeaderLines: 0,
  truncatedRecordTerminator: '\n',
  maxBufferAgeMillis: 60_000,
  maxBufferSizeRecords: 500,
  maxBufferSizeBytes: 5 * 1024 * 1024,
  minTimeBetweenFilePollsMillis: 100,
  maxTimeBetweenFileTrackerRefreshMillis: 10_000,
} as const;

/** KinesisConstants.MAX_RECORD_SIZE_BYTES: the terminator must be shorter (FileFlow's check). */
const MAX_RECORD_SIZE_BYTES = 1024 * 1024;

const integer = (min: number, max: number) =>
  z
    .union([z.number(), z.string().trim().regex(/^[+-]?\d+$/, { error: 'expected a whole number' }).transform(Number)])
    .pipe(
      z
        .number()
        .int({ error: 'expected a whole number' })
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    );

const boolean = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false'], { error: 'expected true or false' }))
    .transform((s) => s === 'true'),
]);

const text = z.string({ error: 'expected a string' });
const nonEmpty = text.trim().min(1, { error: 'must not be empty' });
/**
 * The release sample ships `"kinesis.endpoint": ""`: empty means unset. A bare host (`kinesis.us-west-2.amazonaws.com`)
 * is what the AWS SDK for Java's setEndpoint takes too, with HTTPS: it gets `https://`.
 */
const optionalUrl = text
  .trim()
  .transform((s) => (s === '' ? undefined : s.includes('://') ? s : `https://${s}`))
  .pipe(z.url({ error: 'expected a URL' }).optional())
  .optional();
const optionalText = text
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();
const fieldNames = z.array(text, { error: 'expected a list of field names' });
const jsonFormat = z.enum(JSON_FORMATS, { error: 'expected COMPACT or PRETTYPRINT' }).default('COMPACT');

export const agentTopLevelSchema = z.object({
  checkpointFile: nonEmpty.default(AGENT_DEFAULTS.checkpointFile),
  checkpointTimeToLiveDays: integer(1, 36_500).default(AGENT_DEFAULTS.checkpointTimeToLiveDays),
  shutdownTimeoutMillis: integer(0, 3_600_000).default(AGENT_DEFAULTS.shutdownTimeoutMillis),
  'kinesis.endpoint': optionalUrl,
  'kinesis.region': optionalText,
  awsAccessKeyId: optionalText,
  awsSecretAccessKey: optionalText,
  'cloudwatch.emitMetrics': boolean.default(AGENT_DEFAULTS.cloudwatchEmitMetrics),
  flows: z.array(z.unknown(), { error: 'expected a list of flows' }).min(1, { error: 'must hold at least one flow' }),
});

export const flowSchema = z.object({
  filePattern: nonEmpty,
  kinesisStream: text.regex(/^[a-zA-Z0-9_.-]{1,128}$/, {
    error: 'expected 1–128 characters of a-z A-Z 0-9 _ . - (a Kinesis stream name)',
  }),
  partitionKeyOption: z
    .enum(['RANDOM', 'DETERMINISTIC'], { error: 'expected RANDOM or DETERMINISTIC' })
    .default(FLOW_DEFAULTS.partitionKeyOption),
  initialPosition: z
    .enum(['START_OF_FILE', 'END_OF_FILE'], { error: 'expected START_OF_FILE or END_OF_FILE' })
    .default(FLOW_DEFAULTS.initialPosition),
  // FileFlow: null or empty means one record per line.
  multiLineStartPattern: text.transform((s) => (s === '' ? undefined : s)).optional(),
  skipHeaderLines: integer(0, 2 ** 31 - 1).default(FLOW_DEFAULTS.skipHeaderLines),
  truncatedRecordTerminator: text
    .refine((s) => Buffer.byteLength(s, 'utf8') < MAX_RECORD_SIZE_BYTES, {
      error: 'Record terminator not specified or exceeds the maximum record size',
    })
    .default(FLOW_DEFAULTS.truncatedRecordTerminator),
  maxBufferAgeMillis: integer(1_000, 900_000).default(FLOW_DEFAULTS.maxBufferAgeMillis),
  maxBufferSizeRecords: integer(1, 500).default(FLOW_DEFAULTS.maxBufferSizeRecords),
  maxBufferSizeBytes: integer(1, 5 * 1024 * 1024).default(FLOW_DEFAULTS.maxBufferSizeBytes),
  minTimeBetweenFilePollsMillis: integer(1, 2 ** 31 - 1).default(FLOW_DEFAULTS.minTimeBetweenFilePollsMillis),
  maxTimeBetweenFileTrackerRefreshMillis: integer(1, 2 ** 31 - 1).default(FLOW_DEFAULTS.maxTimeBetweenFileTrackerRefreshMillis),
  dataProcessingOptions: z.array(z.unknown(), { error: 'expected a list of options' }).default([]),
});

/** One schema per option name; the option object's other keys are reported as unknown, not refused. */
export const optionSchemas = {
  SINGLELINE: z.object({ optionName: z.literal('SINGLELINE') }),
  CSVTOJSON: z.object({
    optionName: z.literal('CSVTOJSON'),
    customFieldNames: fieldNames,
    delimiter: text.min(1, { error: 'must not be empty' }).default(','),
    jsonFormat,
  }),
  LOGTOJSON: z.object({
    optionName: z.literal('LOGTOJSON'),
    logFormat: z.enum(LOG_FORMATS, { error: `expected one of ${LOG_FORMATS.join(', ')}` }),
    matchPattern: text.optional(),
    customFieldNames: fieldNames.optional(),
    jsonFormat,
  }),
  // AddMetadataConverter reads `metadata` in some versions of the agent and `metadataFields` in others: both work.
  ADDMETADATA: z
    .object({ optionName: z.literal('ADDMETADATA'), metadataFields: z.unknown().optional(), metadata: z.unknown().optional(), jsonFormat })
    .transform(({ metadata, metadataFields, ...rest }) => ({ ...rest, metadataFields: metadataFields ?? metadata })),
  ADDBRACKETS: z.object({ optionName: z.literal('ADDBRACKETS') }),
} as const;

export type AgentTopLevel = z.output<typeof agentTopLevelSchema>;
export type FlowSettings = z.output<typeof flowSchema>;
