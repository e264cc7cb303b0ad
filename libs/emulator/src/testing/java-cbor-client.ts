/**
 * A Kinesis client that speaks CBOR the way the Java SDKs do (application/x-amz-cbor-1.1), for tests: bodies
 * encoded and answers read by java-cbor-encoding.ts, requests SigV4-signed (@smithy/signature-v4) and sent over
 * HTTP/1.1 or cleartext HTTP/2 with `rawRequest`.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { rawRequest, TEST_CREDENTIALS, TEST_REGION, type RawResponse, type WireProtocol } from './kds-test-clients';
import { CBOR_CONTENT_TYPE, javaCborDecode, javaCborEncode, type JavaValue } from './java-cbor-encoding';

export { CBOR_CONTENT_TYPE, JavaTimestamp, javaCborDecode, javaCborEncode, type JavaValue } from './java-cbor-encoding';

class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    const secret = typeof this.secret === 'string' ? Buffer.from(this.secret) : (this.secret as Uint8Array | undefined);
    return secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
}

const signer = new SignatureV4({ credentials: TEST_CREDENTIALS, region: TEST_REGION, service: 'kinesis', sha256: NodeSha256 });

/** The headers the Java SDK sends for `operation` with `body`, signed. */
export async function javaCborHeaders(url: string, operation: string, body: Buffer): Promise<Record<string, string>> {
  const { hostname, port } = new URL(url);
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname,
    port: Number(port),
    path: '/',
    query: {},
    headers: {
      host: `${hostname}:${port}`,
      'content-type': CBOR_CONTENT_TYPE,
      'x-amz-target': `Kinesis_20131202.${operation}`,
    },
    body,
  });
  const { host: _host, ...headers } = signed.headers;
  return headers;
}

export interface JavaCborAnswer extends RawResponse {
  /** The body as the Java unmarshaller reads it (undefined for an empty body). */
  value: unknown;
}

/** One Kinesis call with a Java-style CBOR body over `protocol`. */
export async function javaCborCall(url: string, protocol: WireProtocol, operation: string, input: JavaValue): Promise<JavaCborAnswer> {
  const body = javaCborEncode(input);
  const res = await rawRequest(url, protocol, { headers: await javaCborHeaders(url, operation, body), body });
  return { ...res, value: javaCborDecode(res.body) };
}
