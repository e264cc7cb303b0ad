/**
 * Every operation of today's Kinesis API (the commands of the installed @aws-sdk/client-kinesis) is either served
 * or answered as unsupported with what to use instead: an operation AWS adds shows up here by name when the SDK is
 * upgraded, rather than as a bare UnknownOperationException for its first user.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KDS_OPERATIONS } from './kds-service';
import { isUnsupportedKdsOperation, KDS_UNSUPPORTED_OPERATIONS, unsupportedKdsOperation } from './unsupported-operations';

/** The operation names of an SDK v3 client: its `commands/<Name>Command.d.ts` files. */
function sdkOperations(client: string): string[] {
  const dir = path.join(path.dirname(require.resolve(`@aws-sdk/${client}/package.json`)), 'dist-types', 'commands');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('Command.d.ts'))
    .map((f) => f.slice(0, -'Command.d.ts'.length));
}

describe('KDS operations the emulator does not serve', () => {
  const model = sdkOperations('client-kinesis');

  it('covers every operation of the SDK model: served or listed as unsupported', () => {
    expect(model.length).toBeGreaterThanOrEqual(40);
    expect(model.filter((op) => !KDS_OPERATIONS.includes(op) && !isUnsupportedKdsOperation(op))).toEqual([]);
  });

  it('lists only operations of the model, and none that is served', () => {
    const listed = Object.keys(KDS_UNSUPPORTED_OPERATIONS);
    expect(listed.filter((op) => !model.includes(op))).toEqual([]);
    expect(listed.filter((op) => KDS_OPERATIONS.includes(op))).toEqual([]);
  });

  it('answers 400 UnknownOperationException with the reason and what to use instead', () => {
    const err = unsupportedKdsOperation('PutResourcePolicy');
    expect(err).toMatchObject({ code: 'UnknownOperationException', status: 400, retriable: false });
    expect(err.message).toBe(
      'Operation PutResourcePolicy is not supported by the emulator: resource policies are not emulated (the emulator checks no IAM or resource policy: any caller may call any operation); use a real AWS account to test access control.',
    );
  });

  it('is not fooled by names of Object.prototype', () => {
    for (const name of ['__proto__', 'constructor', 'toString']) expect(isUnsupportedKdsOperation(name)).toBe(false);
  });
});
