/**
 * The flow's `dataProcessingOptions`, as the Kinesis Agent defines them (awslabs/amazon-kinesis-agent
 * processing/utils/ProcessingUtilsFactory.java: DataConversionOption, LogFormat, JSONFormat), already validated by
 * config/ (agent-config-schema.ts). Types only.
 */

/** ProcessingUtilsFactory.LogFormat; RFC3339SYSLOG is the agent's variant with an RFC 3339 timestamp. */
export const LOG_FORMATS = ['COMMONAPACHELOG', 'COMBINEDAPACHELOG', 'APACHEERRORLOG', 'SYSLOG', 'RFC3339SYSLOG'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** ProcessingUtilsFactory.JSONFormat: COMPACT (Jackson's default) or PRETTYPRINT (its default pretty printer). */
export const JSON_FORMATS = ['COMPACT', 'PRETTYPRINT'] as const;
export type JsonFormat = (typeof JSON_FORMATS)[number];

export type ProcessingOption =
  | { optionName: 'SINGLELINE' }
  | { optionName: 'CSVTOJSON'; customFieldNames: string[]; delimiter: string; jsonFormat: JsonFormat }
  | {
      optionName: 'LOGTOJSON';
      logFormat: LogFormat;
      /** A Java regular expression; the record must match it whole (Matcher.matches). */
      matchPattern?: string;
      customFieldNames?: string[];
      jsonFormat: JsonFormat;
    }
  | { optionName: 'ADDMETADATA'; metadataFields: unknown; jsonFormat: JsonFormat }
  | { optionName: 'ADDBRACKETS' };

export type ProcessingOptionName = ProcessingOption['optionName'];
