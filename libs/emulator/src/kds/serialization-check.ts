/**
 * The first pass of request validation: can the service read each member as its shape's type? A value it cannot
 * read is a SerializationException worded as the service's Java JSON reader words it (the texts AWS answers,
 * recorded by kinesalite's validations), with no member path: "class java.lang.Boolean can not be converted to
 * an String" (sic), "Expected list or null", "Start of structure or map found where not expected.".
 *
 * The pass also converts what the service converts: a number where an Integer is expected is floored and capped
 * at Integer.MAX_VALUE (2147483647), as the reader truncates it; 'true'/'yes'/'1' and 'false'/'no'/'0' (any case)
 * where a Boolean is expected are read as that Boolean. The request is changed in place.
 *
 * The seam for other codecs (CBOR): `checkTypes` takes decoded JavaScript values, where a blob may also arrive
 * as a Buffer/Uint8Array (a byte string) and a timestamp as a number or a Date.
 */
import { awsErrors } from '../errors';
import { base64Problem } from './base64-check';
import { membersOf, type Shape } from './shape';

const INTEGER_MAX = 2147483647;

/** A SerializationException; its JSON body carries `Message` (capital M), as AWS writes this one. */
const serializationError = awsErrors.serialization;

const NUMBER = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';

/** A container where a scalar was expected: the reader's words for the token it met. */
function containerFound(value: object): never {
  throw serializationError(Array.isArray(value) ? 'Start of list found where not expected' : 'Start of structure or map found where not expected.');
}

/** `value` read as a String, a Blob or a Boolean: the reader's words when it cannot be. */
function scalarMismatch(value: unknown, target: 'an String' | 'a Blob' | 'an Boolean'): never {
  if (typeof value === 'boolean') throw serializationError(`class java.lang.Boolean can not be converted to ${target}`);
  if (typeof value === 'number') throw serializationError(`${NUMBER} can not be converted to ${target}`);
  containerFound(value as object);
}

const isBytes = (v: unknown): boolean => v instanceof Uint8Array;

/** The words the reader takes as a Boolean, in any case (recorded from AWS by kinesalite and dynalite). */
const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { TRUE: true, '1': true, YES: true, FALSE: false, '0': false, NO: false };

function booleanOfText(text: string): boolean {
  const upper = text.toUpperCase();
  if (Object.hasOwn(BOOLEAN_WORDS, upper)) return BOOLEAN_WORDS[upper];
  throw serializationError(`'${upper}' can not be converted to an Boolean`);
}

/** Reads a present (non-null) scalar; returns the value the operation gets (an Integer truncated). */
function readScalar(shape: Shape, value: unknown): unknown {
  switch (shape.type) {
    case 'string':
      if (typeof value !== 'string') scalarMismatch(value, 'an String');
      return value;
    case 'boolean':
      if (typeof value === 'string') return booleanOfText(value);
      if (typeof value !== 'boolean') scalarMismatch(value, 'an Boolean');
      return value;
    case 'integer':
      if (typeof value === 'number') {
        // NaN reaches here only from a binary codec (JSON has no NaN): no integer can be read from it.
        if (Number.isNaN(value)) throw serializationError(`${NUMBER} can not be converted to an Integer`);
        return Number.isInteger(value) && value <= INTEGER_MAX ? value : Math.min(Math.floor(value), INTEGER_MAX);
      }
      if (typeof value === 'boolean') throw serializationError('class java.lang.Boolean can not be converted to an Integer');
      if (typeof value === 'string') throw serializationError('class java.lang.String can not be converted to an Integer');
      return containerFound(value as object);
    case 'timestamp':
      if (typeof value === 'number' || value instanceof Date) return value;
      if (typeof value === 'boolean') throw serializationError('class java.lang.Boolean can not be converted to milliseconds since epoch');
      // Any string, numeric or ISO 8601: JSON 1.1 timestamps are epoch seconds as a number.
      if (typeof value === 'string') throw serializationError('class java.lang.String can not be converted to milliseconds since epoch');
      return containerFound(value as object);
    case 'blob': {
      if (isBytes(value)) return value;
      if (typeof value !== 'string') scalarMismatch(value, 'a Blob');
      const problem = base64Problem(value as string);
      if (problem) throw serializationError(problem);
      return value;
    }
    default:
      return value;
  }
}

/** Checks that `value` reads as `shape` (null and absent always do); throws the SerializationException if not. */
export function checkTypes(shape: Shape, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  switch (shape.type) {
    case 'list': {
      if (typeof value !== 'object') throw serializationError('Expected list or null');
      if (!Array.isArray(value)) containerFound(value);
      const list = value as unknown[];
      for (let i = 0; i < list.length; i++) {
        const read = checkTypes(shape.member, list[i]);
        if (read !== list[i]) list[i] = read;
      }
      return list;
    }
    case 'map': {
      if (typeof value !== 'object') throw serializationError('Expected map or null');
      if (Array.isArray(value)) containerFound(value);
      const map = value as Record<string, unknown>;
      // Written back only when read differently: assigning an own `__proto__` key would set the prototype.
      for (const key of Object.keys(map)) {
        const read = checkTypes(shape.value, map[key]);
        if (read !== map[key]) Object.defineProperty(map, key, { value: read, enumerable: true, writable: true, configurable: true });
      }
      return map;
    }
    case 'structure': {
      if (typeof value !== 'object') throw serializationError('Expected null');
      if (Array.isArray(value)) containerFound(value);
      checkMembers(shape.members, value as Record<string, unknown>);
      return value;
    }
    default:
      return readScalar(shape, value);
  }
}

/** The members of a structure in the service's order; an integer read differently is written back. */
function checkMembers(members: Record<string, Shape>, body: Record<string, unknown>): void {
  for (const [name, member] of membersOf(members)) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    const read = checkTypes(member, v);
    if (read !== v) body[name] = read;
  }
}
