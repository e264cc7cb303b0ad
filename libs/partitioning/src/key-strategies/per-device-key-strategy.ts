/**
 * The default strategy: the partition key is the device id, so all records of a device land on one shard and a
 * KCL-style consumer sees them in order (architecture.md, "Telemetry" flow).
 */
import { assertValidPartitionKey } from '../hash-keys/hash-key';
import type { KeyStrategy } from './key-strategy';

export class PerDeviceKeyStrategy implements KeyStrategy {
  readonly name = 'per-device' as const;
  readonly preservesOrder = true;

  partitionKeyFor(deviceId: string): string {
    assertValidPartitionKey(deviceId);
    return deviceId;
  }
}
