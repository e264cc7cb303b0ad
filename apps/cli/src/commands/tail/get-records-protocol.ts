/**
 * The SDK's own AWS JSON 1.1 protocol (what KinesisClient uses by default), with one change: a successful
 * GetRecords answer is read by get-records-decoder.ts instead of the SDK's generic schema deserializer, which
 * was about half of `tail`'s CPU per record (npm run bench:cli; the decoder's header says why). Everything else —
 * request serialisation, SigV4, credentials, endpoints, retries, errors, every other operation — is the SDK's,
 * untouched: the class is passed as the client's `protocol` and the client builds it with its own settings.
 * An answer the decoder does not read (ChildShards at a shard's end, anything unusual) goes to the SDK's
 * deserializer, so the output is the SDK's in every case (get-records-protocol.int.spec.ts compares the two).
 */
import { AwsJson1_1Protocol } from '@aws-sdk/core/protocols';
import { decodeGetRecordsBody } from './get-records-decoder';

type Deserialize = AwsJson1_1Protocol['deserializeResponse'];

export class GetRecordsFastProtocol extends AwsJson1_1Protocol {
  /** GetRecords answers read by the decoder, and those handed to the SDK's deserializer. */
  readonly stats = { decoded: 0, leftToSdk: 0 };

  override async deserializeResponse<Output extends { $metadata: object }>(
    operationSchema: Parameters<Deserialize>[0],
    context: Parameters<Deserialize>[1],
    response: Parameters<Deserialize>[2],
  ): Promise<Output> {
    if (operationSchema.name !== 'GetRecords' || response.statusCode >= 300) return super.deserializeResponse(operationSchema, context, response);
    const body: unknown = response.body;
    const bytes = body instanceof Uint8Array ? body : await context.streamCollector(body);
    const decoded = decodeGetRecordsBody(bytes);
    if (!decoded) {
      this.stats.leftToSdk++;
      // The SDK reads the body (a Uint8Array is taken as it is) and gives its own result or error.
      response.body = bytes;
      return super.deserializeResponse(operationSchema, context, response);
    }
    this.stats.decoded++;
    // As the SDK's RPC protocol does before reading metadata: header names lower-cased.
    const headers = response.headers;
    for (const name of Object.keys(headers)) {
      const lower = name.toLowerCase();
      if (lower === name) continue;
      headers[lower] = headers[name];
      delete headers[name];
    }
    return { ...decoded, $metadata: this.deserializeMetadata(response) } as unknown as Output;
  }
}
