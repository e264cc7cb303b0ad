/**
 * One data processing option, applied to a record's text (the agent's IDataConverter, processing/interfaces/
 * IDataConverter.java, which takes and returns a ByteBuffer; here the chain decodes once and encodes once, see
 * converter-chain.ts). Returns the converted text, or null to drop the record (LOGTOJSON on a line that does not
 * parse). Throws a ProcessingError('DATA_CONVERSION_FAILED') when it cannot convert: the chain then sends the record
 * unconverted, as AbstractParser.buildRecord does on a DataConversionException.
 */
export type TextConverter = (text: string) => string | null;
