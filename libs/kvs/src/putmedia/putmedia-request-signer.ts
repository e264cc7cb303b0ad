/**
 * The PutMedia request head: the KVS headers (kvs-reference.md §3.1) and SigV4 for a streaming body (§3.3).
 *
 *   POST /putMedia HTTP/1.1
 *   host: s-xxxxxxxx.kinesisvideo.<region>.amazonaws.com
 *   x-amzn-stream-name: <name>            (or x-amzn-stream-arn, never both)
 *   x-amzn-fragment-timecode-type: ABSOLUTE | RELATIVE
 *   x-amzn-producer-start-timestamp: 1700000000.123      (seconds, 3 decimals, as the C and Java producers)
 *   x-amzn-fragment-acknowledgment-required: 1           (C producer; undocumented)
 *   x-amz-content-sha256: UNSIGNED-PAYLOAD               (Java producer; the body is never hashed)
 *   x-amz-date, authorization, x-amz-security-token?
 *   transfer-encoding: chunked                           (added by the transport, unsigned)
 *
 * Signing: service `kinesisvideo`, canonical URI `/putMedia`, empty query, payload hash the literal
 * `UNSIGNED-PAYLOAD` (smithy's getPayloadHash returns an `x-amz-content-sha256` header verbatim). The C producer
 * instead hashes the empty string and sends no such header; both are accepted by the real service (§3.3), and
 * `payloadHash: 'EMPTY'` selects that form. @smithy/signature-v4 leaves `transfer-encoding`, `connection`,
 * `user-agent` and `expect` unsigned, which §3.3 also reports as accepted.
 *
 * Pure apart from the credential provider call: with static credentials and a fixed date the result is
 * deterministic (tested).
 */
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { KVS_SIGNING_SERVICE } from '../defaults';
import { NodeSha256 } from './node-sha256';

export type FragmentTimecodeType = 'ABSOLUTE' | 'RELATIVE';

/** How the (unhashed) streaming body is declared in the signature: Java producer style or C producer style. */
export type PayloadHashMode = 'UNSIGNED-PAYLOAD' | 'EMPTY';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface PutMediaRequestHead {
  /** The data endpoint from GetDataEndpoint(PUT_MEDIA), e.g. `https://s-1234abcd.kinesisvideo.eu-west-1.amazonaws.com`. */
  endpoint: URL;
  /** One of the two. */
  streamName?: string;
  streamArn?: string;
  timecodeType: FragmentTimecodeType;
  /** `x-amzn-producer-start-timestamp`, ms since the epoch (sent as seconds with 3 decimals). */
  producerStartTimestampMs: number;
  /** Sends `x-amzn-fragment-acknowledgment-required: 1` (default true; whether "0" disables acks is unconfirmed). */
  acknowledgmentRequired?: boolean;
  /** Extra headers (signed unless @smithy/signature-v4 never signs them, e.g. user-agent). */
  extraHeaders?: Record<string, string>;
}

export interface SigningParameters {
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  region: string;
  signingDate: Date;
  /** Default 'UNSIGNED-PAYLOAD'. */
  payloadHash?: PayloadHashMode;
  /** Default `kinesisvideo`. */
  signingService?: string;
}

export interface SignedPutMediaRequest {
  /** `/putMedia` appended to the endpoint's own path (normally empty). */
  path: string;
  /** Lower-case header names, ready for node:http (transfer-encoding not included). */
  headers: Record<string, string>;
}

/** Seconds since the epoch with exactly three decimals (`%.3f` of the Java producer). */
export function formatProducerTimestamp(ms: number): string {
  return (Math.round(ms) / 1000).toFixed(3);
}

export function putMediaPath(endpoint: URL): string {
  return `${endpoint.pathname.replace(/\/+$/, '')}/putMedia`;
}

/** The `host` header as SigV4 and HTTP/1.1 want it: the port only when it is not the scheme's default. */
export function hostHeader(endpoint: URL): string {
  return endpoint.host; // URL.host already omits default ports
}

export function buildPutMediaHeaders(head: PutMediaRequestHead, payloadHash: PayloadHashMode = 'UNSIGNED-PAYLOAD'): Record<string, string> {
  if ((head.streamName === undefined) === (head.streamArn === undefined)) {
    throw new TypeError('PutMedia needs exactly one of streamName and streamArn.');
  }
  const headers: Record<string, string> = {
    host: hostHeader(head.endpoint),
    ...(head.streamName !== undefined ? { 'x-amzn-stream-name': head.streamName } : {}),
    ...(head.streamArn !== undefined ? { 'x-amzn-stream-arn': head.streamArn } : {}),
    'x-amzn-fragment-timecode-type': head.timecodeType,
    'x-amzn-producer-start-timestamp': formatProducerTimestamp(head.producerStartTimestampMs),
  };
  if (head.acknowledgmentRequired !== false) headers['x-amzn-fragment-acknowledgment-required'] = '1';
  if (payloadHash === 'UNSIGNED-PAYLOAD') headers['x-amz-content-sha256'] = UNSIGNED_PAYLOAD;
  for (const [name, value] of Object.entries(head.extraHeaders ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

export async function signPutMediaRequest(head: PutMediaRequestHead, signing: SigningParameters): Promise<SignedPutMediaRequest> {
  const payloadHash = signing.payloadHash ?? 'UNSIGNED-PAYLOAD';
  const path = putMediaPath(head.endpoint);
  const headers = buildPutMediaHeaders(head, payloadHash);
  const signer = new SignatureV4({
    service: signing.signingService ?? KVS_SIGNING_SERVICE,
    region: signing.region,
    credentials: signing.credentials,
    sha256: NodeSha256,
    // With 'EMPTY' the hash of the empty body goes into the signature but no x-amz-content-sha256 header is added.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: head.endpoint.protocol,
      hostname: head.endpoint.hostname,
      ...(head.endpoint.port ? { port: Number(head.endpoint.port) } : {}),
      path,
      query: {},
      headers,
      // No body: the MKV stream is never hashed (§3.3).
    },
    { signingDate: signing.signingDate },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) out[name.toLowerCase()] = String(value);
  return { path, headers: out };
}
