/**
 * processing/: from a file's bytes to the records to send. Pure (no I/O, no clock), the agent's behaviour
 * (awslabs/amazon-kinesis-agent: tailing/AbstractParser, splitters, AbstractRecord.truncate, processing/*).
 *
 * How the app uses it (engineer C), per flow and per tracked file:
 *
 *   const flowProcessing = new FlowProcessing(flowConfig);        // once per flow at start; throws ProcessingError
 *                                                                  //   on a pattern that cannot run (config/ has
 *                                                                  //   already built it once to validate)
 *   const counters = newProcessingCounters();                      // per flow, for /metrics
 *   const proc = flowProcessing.forFile({ startOffset }, counters); // per file, from its checkpoint (or 0 / end)
 *   for (const r of proc.push(chunk, chunkStartOffset)) …          // chunks in file order, contiguous offsets
 *   proc.flush()                                                   // file quiet / rotated away / shutdown:
 *                                                                  //   ends a waiting multi-line record
 *
 * Multi-line flows: the last record of a file waits for the next start line or flush(). The Java agent ends it
 * when a read reaches the end of the file (RegexSplitter on a buffer that was not filled), so call flush() when a
 * read caught up with the file and nothing came for a while (e.g. maxBufferAgeMillis); otherwise a lone last
 * exception waits for the next log line or for rotation. Single-line flows have nothing to flush.
 *
 * Each ProcessedRecord is `{ data: Buffer | null, lines, startOffset, endOffset, truncated }`:
 * - `data` null: dropped by the options (LOGTOJSON could not parse it); send nothing, but count its offsets as
 *   done, so the checkpoint can move past it.
 * - `endOffset`: the checkpoint may move there once this record and all earlier ones are acknowledged (or dropped).
 * - Records are in file order; a partial last line (no `\n`) is never returned: it waits in `pendingBytes`.
 * - `data` may be a view of the pushed chunk (no options, record within one chunk): do not reuse chunk buffers.
 * - `maxDataBytes` (default 1 MiB − 256): pass 1 MiB minus the flow's partition key length if you know it.
 *
 * Counters (ProcessingCounters): linesRead, recordsFramed, recordsDropped, parseFailures, conversionErrors,
 * recordsTruncated, headerLinesSkipped, bytesDiscarded.
 */
export {
  FlowProcessing,
  RecordProcessor,
  newProcessingCounters,
  type FlowProcessingOptions,
  type PackedRecords,
  type ProcessedRecord,
  type ProcessingCounters,
  type RecordProcessorOptions,
} from './record-processor';
export { RecordFramer, AGENT_PARSER_BUFFER_BYTES, type FramedRecord, type RecordFramerOptions } from './record-framer';
export { buildPipeline, type Pipeline, type PipelineResult, type PipelineOutcome } from './converter-chain';
export { truncateRecord, KINESIS_MAX_RECORD_BYTES, MAX_PARTITION_KEY_BYTES } from './record-truncation';
export { compileJavaRegex, groupCount } from './java-regex';
export { ProcessingError, type ProcessingErrorCode } from './processing-error';
export {
  LOG_FORMATS,
  JSON_FORMATS,
  type LogFormat,
  type JsonFormat,
  type ProcessingOption,
  type ProcessingOptionName,
} from './processing-options';
