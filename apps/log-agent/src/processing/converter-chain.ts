/**
 * The flow's dataProcessingOptions, applied in the order given (awslabs/amazon-kinesis-agent
 * processing/processors/AgentDataConverterChain.java, built by FileFlow.buildConverterChain through
 * ProcessingUtilsFactory.getDataConverter), and what happens to a record on each outcome
 * (tailing/AbstractParser.buildRecord, convertData; tailing/AbstractRecord: a record with null data is skipped):
 *
 * - every option converts: the result is sent;
 * - an option returns null (LOGTOJSON on a line it cannot parse): the chain stops and the record is dropped;
 * - an option throws: the whole record is sent as it was read, unconverted (DataConversionException).
 *
 * Decoding: the agent decodes each record with `new String(bytes, UTF_8)` in each converter, which replaces every
 * malformed sequence with U+FFFD; Node's `toString('utf8')` does the same (WHATWG decoding), once for the chain.
 * Checked against OpenJDK 17 on twelve malformed sequences: the same U+FFFDs for all but an encoded surrogate
 * (ED A0 80), which Java turns into one U+FFFD and Node into three.
 * So invalid UTF-8 and garbage bytes never throw: without options they are sent byte for byte; through a converter
 * they come out as U+FFFD in valid UTF-8 (JSON included). NUL and other control bytes are escaped in JSON (\u0000).
 */
import { bracketsConverter } from './brackets-converter';
import { createAddMetadataConverter } from './add-metadata-converter';
import { createCsvToJsonConverter } from './csv-to-json-converter';
import { createLogToJsonConverter } from './log-to-json-converter';
import type { ProcessingOption } from './processing-options';
import { singleLineConverter } from './single-line-converter';
import type { TextConverter } from './text-converter';

export type PipelineOutcome = 'converted' | 'dropped' | 'unconverted';

export interface PipelineResult {
  /** What to send; null when the record is dropped. */
  data: Buffer | null;
  outcome: PipelineOutcome;
  /** The error that made the record go unconverted. */
  error?: unknown;
}

/** One flow's options as a function of a record's bytes. No options: the bytes themselves, untouched. */
export type Pipeline = (record: Buffer) => PipelineResult;

/** Builds the pipeline; throws a ProcessingError for an option that cannot be built (bad pattern, field counts). */
export function buildPipeline(options: readonly ProcessingOption[]): Pipeline {
  const chain = buildTextChain(options);
  if (chain === undefined) return (record) => ({ data: record, outcome: 'converted' });
  return (record) => {
    let text: string | null;
    try {
      text = chain(record.toString('utf8'));
    } catch (error) {
      return { data: record, outcome: 'unconverted', error };
    }
    return text === null ? { data: null, outcome: 'dropped' } : { data: Buffer.from(text, 'utf8'), outcome: 'converted' };
  };
}

/**
 * The options as one text converter (null: dropped; throws: send unconverted), for callers that decode and encode
 * many records at once (RecordProcessor's fast path); undefined when there are no options.
 */
export function buildTextChain(options: readonly ProcessingOption[]): TextConverter | undefined {
  if (options.length === 0) return undefined;
  const converters = options.map(createConverter);
  if (converters.length === 1) return converters[0];
  return (input) => {
    let text: string | null = input;
    for (let i = 0; i < converters.length && text !== null; i++) text = converters[i](text);
    return text;
  };
}

function createConverter(option: ProcessingOption): TextConverter {
  switch (option.optionName) {
    case 'SINGLELINE':
      return singleLineConverter;
    case 'CSVTOJSON':
      return createCsvToJsonConverter(option);
    case 'LOGTOJSON':
      return createLogToJsonConverter(option);
    case 'ADDMETADATA':
      return createAddMetadataConverter(option);
    case 'ADDBRACKETS':
      return bracketsConverter;
  }
}
