/**
 * Every operation of the three KVS SDK v3 clients (control plane, media, archived media) is routed by the
 * emulator: served, or answered as unsupported; and every unsupported one of the control plane says what to use
 * instead. REST paths are the operation name with a lower-case first letter, but for the three resource-tagging
 * operations, which keep it upper-case (the clients' serializers).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KvsService, KVS_OPERATIONS } from './kvs-service';
import { KVS_UNSUPPORTED_OPERATIONS, unsupportedKvsOperation } from './unsupported-operations';

function sdkOperations(client: string): string[] {
  const dir = path.join(path.dirname(require.resolve(`@aws-sdk/${client}/package.json`)), 'dist-types', 'commands');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('Command.d.ts'))
    .map((f) => f.slice(0, -'Command.d.ts'.length));
}

const UPPER_CASE_PATHS = new Set(['TagResource', 'UntagResource', 'ListTagsForResource']);
const pathOf = (op: string): string => `/${UPPER_CASE_PATHS.has(op) ? op : op.charAt(0).toLowerCase() + op.slice(1)}`;

describe('KVS operations the emulator does not serve', () => {
  // serves/operationOf/call's routing read only the tables, never the environment.
  const kvs = new KvsService(undefined as never);
  const control = sdkOperations('client-kinesis-video');
  const all = [...control, ...sdkOperations('client-kinesis-video-media'), ...sdkOperations('client-kinesis-video-archived-media')];

  it('routes every operation of the three SDK clients', () => {
    expect(all.length).toBeGreaterThanOrEqual(35);
    expect(all.filter((op) => !kvs.serves(pathOf(op)) || kvs.operationOf(pathOf(op)) !== op)).toEqual([]);
  });

  it('says what to use instead for every control-plane operation it does not serve', () => {
    expect(control.filter((op) => !KVS_OPERATIONS.includes(op) && !Object.hasOwn(KVS_UNSUPPORTED_OPERATIONS, op))).toEqual([]);
    expect(Object.keys(KVS_UNSUPPORTED_OPERATIONS).filter((op) => KVS_OPERATIONS.includes(op))).toEqual([]);
  });

  it('routes the signaling data plane and WebRTC storage paths (clients not installed here) to the same answer', () => {
    for (const [p, op] of [
      ['/v1/get-ice-server-config', 'GetIceServerConfig'],
      ['/v1/send-alexa-offer-to-master', 'SendAlexaOfferToMaster'],
      ['/joinStorageSession', 'JoinStorageSession'],
      ['/joinStorageSessionAsViewer', 'JoinStorageSessionAsViewer'],
    ]) {
      expect(kvs.serves(p)).toBe(true);
      expect(kvs.operationOf(p)).toBe(op);
      expect(() => kvs.call(p, {}, undefined as never)).toThrow(unsupportedKvsOperation(op).message);
    }
  });

  it('answers 404 UnknownOperationException with the reason and what to use instead', () => {
    let thrown: unknown;
    try {
      kvs.call('/describeImageGenerationConfiguration', {}, undefined as never);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({
      code: 'UnknownOperationException',
      status: 404,
      message:
        'DescribeImageGenerationConfiguration is not supported by the emulator: image generation configuration (images delivered to S3) is not emulated; call GetImages on the stream (served) instead.',
    });
  });
});
