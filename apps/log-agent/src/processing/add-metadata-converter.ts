/**
 * ADDMETADATA (awslabs/amazon-kinesis-agent processing/processors/AddMetadataConverter.java): the record becomes
 * `{"metadata": <the option's metadataFields>, "data": "<the record without its trailing \n>"}` and `\n`.
 * The agent's versions differ on the option's key: one reads `metadata`, another `metadataFields` (both
 * AddMetadataConverter.java); config/ takes either into `metadataFields`. Absent, it is null, as the agent's map
 * lookup gives.
 */
import { compactJson, jsonString, prettyJson } from './json-printer';
import { stripNewline } from './log-to-json-converter';
import type { JsonFormat } from './processing-options';
import type { TextConverter } from './text-converter';

export function createAddMetadataConverter(options: { metadataFields: unknown; jsonFormat?: JsonFormat }): TextConverter {
  const metadata = options.metadataFields ?? null;
  if (options.jsonFormat === 'PRETTYPRINT') {
    return (text) => prettyJson({ metadata, data: stripNewline(text) }) + '\n';
  }
  const head = '{"metadata":' + compactJson(metadata) + ',"data":';
  return (text) => head + jsonString(stripNewline(text)) + '}\n';
}
