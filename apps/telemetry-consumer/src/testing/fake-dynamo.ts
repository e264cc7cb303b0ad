/**
 * Just enough of DynamoDB for the sinks' unit specs: PutItem calls counted in flight (each answered a tick later),
 * failed on demand by `failPut`, and otherwise handed to the subclass, which evaluates its sink's condition on
 * stored items; every other command goes to the subclass too. The real condition expressions run against the
 * emulator's DynamoDB in the sinks' int specs.
 */
import { PutItemCommand, type DynamoDBClient, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';

/** An error as the SDK surfaces a service's: `name` is the AWS error code; `extra` adds `$fault` or `$metadata`. */
export const awsError = (name: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(name), { name, ...extra });

export abstract class FakeDynamoBase {
  calls: string[] = [];
  failPut: ((input: PutItemCommandInput) => Error | undefined) | undefined;
  inFlight = 0;
  maxInFlight = 0;

  async send(command: unknown): Promise<unknown> {
    if (!(command instanceof PutItemCommand)) return this.other(command);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setImmediate(r));
    this.inFlight--;
    const input = command.input;
    const failure = this.failPut?.(input);
    if (failure) throw failure;
    return this.put(input);
  }

  /** A PutItem that was not failed: store the item, or throw ConditionalCheckFailedException. */
  protected abstract put(input: PutItemCommandInput): unknown;

  /** Any other command (DescribeTable, CreateTable, …). */
  protected abstract other(command: unknown): unknown;

  asClient(): DynamoDBClient {
    return this as unknown as DynamoDBClient;
  }
}
