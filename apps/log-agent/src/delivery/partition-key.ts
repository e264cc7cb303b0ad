/**
 * Partition keys as the Kinesis Agent makes them (tailing/KinesisRecord.java, generatePartitionKey):
 * - RANDOM: `"" + ThreadLocalRandom.current().nextDouble(1000000)`, a decimal in [0, 1e6) as Java prints a double;
 * - DETERMINISTIC: the MD5 of the record's data, as Guava's HashCode.toString() prints it (32 lowercase hex digits),
 *   so equal lines land on the same shard.
 * The agent takes the key from the record's data after processing (the converted bytes); so does this.
 */
import { createHash } from 'node:crypto';

export type PartitionKeyOption = 'RANDOM' | 'DETERMINISTIC';

/** Makes one record's partition key from its data. */
export type PartitionKeyFn = (data: Uint8Array) => string;

/**
 * Java's Double.toString for a value in [1e-3, 1e7): the shortest decimal that reads back as the same double, with
 * at least one digit after the point. JavaScript's String(number) gives the same digits in that range (both are
 * the shortest round-trip form since JDK 19; older JDKs may print one more digit, which changes nothing here: the
 * key is only hashed).
 */
function javaDoubleString(value: number): string {
  const s = String(value);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

export function partitionKeyFunction(option: PartitionKeyOption, random: () => number = Math.random): PartitionKeyFn {
  if (option === 'DETERMINISTIC') {
    return (data) => createHash('md5').update(data).digest('hex');
  }
  return () => javaDoubleString(random() * 1_000_000);
}
