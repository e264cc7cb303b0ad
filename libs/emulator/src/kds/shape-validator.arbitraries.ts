/**
 * Fuzz inputs for the emulator's request validation as data (issue 12): JSON bodies generated from the
 * operations' own input shapes (KDS_SHAPES, KVS_SHAPES), mostly valid, with members of the wrong type, out of
 * range, null, or unknown, and arbitrary JSON objects. Shared by the property specs and the soak bench (through
 * @tributary/emulator/testing).
 *
 * The properties: a body is accepted or refused with an AwsServiceError whose name is AWS's (SerializationException,
 * ValidationException; InvalidArgumentException for KVS) and whose status is 400, never anything else; and the
 * one-pass verdict `conforms` agrees with the worded passes of `findViolation` (which may first rewrite a value the
 * service reads differently, e.g. truncate an Integer sent as 2.5).
 */
import fc from 'fast-check';
import type { FuzzTarget } from '@tributary/runtime/testing';
import { AwsServiceError } from '../errors';
import { KVS_SHAPES, validateKvsInput } from '../kvs/kvs-shapes';
import { KDS_SHAPES } from './kds-shapes';
import { conforms, findViolation, validateInput, type Shape } from './shape-validator';

const patternArbitraries = new Map<string, fc.Arbitrary<string>>();

function stringFor(shape: Shape & { type: 'string' }): fc.Arbitrary<string> {
  if (shape.enum) return fc.constantFrom(...shape.enum);
  if (shape.pattern) {
    let arb = patternArbitraries.get(shape.pattern);
    if (!arb) {
      try {
        arb = fc.stringMatching(new RegExp(`^(?:${shape.pattern})$`, 'u'), { size: 'xsmall' });
      } catch {
        arb = fc.string({ maxLength: 16 });
      }
      patternArbitraries.set(shape.pattern, arb);
    }
    return arb;
  }
  return fc.string({ minLength: shape.min ?? 0, maxLength: Math.min(shape.max ?? 16, 16) });
}

/** Any JSON value of the wrong kind, or an edge of the right kind. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1.5, 2 ** 53, -(2 ** 63), '', ' ', '0', '=', 'not-base64!', '2024-01-01T00:00:00Z', '__proto__', [], {}, [null], { __proto__: null }),
  fc.string({ maxLength: 8 }),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

export function shapeValueArbitrary(shape: Shape, depth = 0): fc.Arbitrary<unknown> {
  const valid = ((): fc.Arbitrary<unknown> => {
    switch (shape.type) {
      case 'string':
        return stringFor(shape);
      case 'integer':
        return fc.oneof(fc.integer({ min: shape.min ?? -1000, max: Math.min(shape.max ?? 100_000, 2 ** 31) }), fc.integer());
      case 'boolean':
        return fc.boolean();
      case 'timestamp':
        // Epoch seconds as JSON sends them, or a Date as CBOR decodes one; an ISO string is refused (wrongValue).
        return fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }), fc.double({ noNaN: true }), fc.date({ noInvalidDate: true }));
      case 'blob':
        // Base64 as JSON sends it, or the bytes a CBOR byte string decodes to.
        return fc.oneof(
          fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('base64')),
          fc.uint8Array({ maxLength: 24 }),
        );
      case 'list':
        return depth > 3 ? fc.constant([]) : fc.array(shapeValueArbitrary(shape.member, depth + 1), { maxLength: 4 });
      case 'map':
        return depth > 3
          ? fc.constant({})
          : fc.dictionary(
              stringFor(shape.key.type === 'string' ? shape.key : { type: 'string' }),
              shapeValueArbitrary(shape.value, depth + 1),
              { maxKeys: 4 },
            );
      case 'structure': {
        if (depth > 3) return fc.constant({});
        const members: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [name, member] of Object.entries(shape.members)) members[name] = shapeValueArbitrary(member, depth + 1);
        return fc.record(members, { requiredKeys: [] });
      }
    }
  })();
  return fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: wrongValue });
}

export interface ShapedRequest {
  operation: string;
  body: unknown;
}

function requestsFor(shapes: Record<string, Shape & { type: 'structure' }>): fc.Arbitrary<ShapedRequest> {
  const ops = Object.keys(shapes);
  return fc.constantFrom(...ops).chain((operation) =>
    fc
      .tuple(
        fc.oneof(
          { weight: 6, arbitrary: shapeValueArbitrary(shapes[operation]) },
          { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
        ),
        // Unknown members are ignored by the service; `__proto__` as an own key is what JSON.parse makes of it.
        fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'Unknown', 'streamName'), fc.jsonValue({ maxDepth: 1 })), { nil: undefined }),
      )
      .map(([body, extra]) => {
        if (extra === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return { operation, body };
        const withExtra: Record<string, unknown> = JSON.parse(JSON.stringify(body) ?? '{}');
        Object.defineProperty(withExtra, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
        return { operation, body: withExtra };
      }),
  );
}

export const kdsRequestArbitrary = requestsFor(KDS_SHAPES);
export const kvsRequestArbitrary = requestsFor(KVS_SHAPES);

const KDS_REJECTIONS = new Set(['SerializationException', 'ValidationException']);
const KVS_REJECTIONS = new Set(['SerializationException', 'InvalidArgumentException']);

const awsRejection = (names: ReadonlySet<string>) => (err: unknown) => err instanceof AwsServiceError && err.status === 400 && names.has(err.code);

/** validateInput accepts or throws SerializationException / ValidationException (400); the two passes agree. */
export const kdsRequestValidationFuzzTarget: FuzzTarget<ShapedRequest> = {
  name: 'kds-request-validation',
  arbitrary: kdsRequestArbitrary,
  run({ operation, body }) {
    const shape = KDS_SHAPES[operation];
    const fast = conforms(shape, body);
    const found = findViolation(shape, body);
    if (fast && found) throw new Error(`${operation}: conforms() accepts what findViolation() refuses: ${found.code}: ${found.message}`);
    // conforms() leaves values the service reads differently (an Integer of 2.5) to the worded pass, which
    // rewrites them: once read, the body conforms.
    if (!fast && !found && !conforms(shape, body)) throw new Error(`${operation}: findViolation() accepts what conforms() refuses, even once read`);
    validateInput(shape, body);
  },
  isTypedRejection: awsRejection(KDS_REJECTIONS),
};

/** validateKvsInput accepts or throws SerializationException / InvalidArgumentException (400). */
export const kvsRequestValidationFuzzTarget: FuzzTarget<ShapedRequest> = {
  name: 'kvs-request-validation',
  arbitrary: kvsRequestArbitrary,
  run({ operation, body }) {
    validateKvsInput(operation, body as Record<string, unknown>);
  },
  isTypedRejection: awsRejection(KVS_REJECTIONS),
};
