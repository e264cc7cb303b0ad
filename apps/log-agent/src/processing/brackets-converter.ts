/**
 * ADDBRACKETS (awslabs/amazon-kinesis-agent processing/processors/BracketsDataConverter.java, the agent's example
 * converter): `{` + the record + `}`, the record's own `\n` included, so `a\n` becomes `{a\n}`.
 */
import type { TextConverter } from './text-converter';

export const bracketsConverter: TextConverter = (text) => '{' + text + '}';
