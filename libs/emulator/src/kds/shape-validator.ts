/**
 * Request validation as data, in two passes as the service does it:
 * 1. types (serialization-check.ts): a value the service cannot read as its member's type is a
 *    SerializationException in the service's words ("class java.lang.Boolean can not be converted to an String");
 * 2. constraints (constraint-violations.ts): every violated constraint becomes one line of a ValidationException,
 *    "2 validation errors detected: Value 'x y' at 'streamName' failed to satisfy constraint: Member must …;
 *    Value null at 'shardCount' failed to satisfy constraint: Member must not be null" (at most 10).
 * Member paths are lower camel case, list items `records.1.member.partitionKey`, as the service prints them.
 * A valid request (nearly every one, 500 records of a PutRecords) costs one compiled pass, `conforms`.
 */
import { awsErrors, AwsServiceError } from '../errors';
import { base64ByteLength, hasCanonicalTail, isBase64 } from './base64-check';
import { collectViolations } from './constraint-violations';
import { checkTypes } from './serialization-check';
import { codePointLength, regexOf, type Shape } from './shape';

export { isBase64 } from './base64-check';

export { codePointLength, structure, type Shape, type StructureShape } from './shape';

type Predicate = (value: unknown) => boolean;
const compiled = new WeakMap<Shape, Predicate>();

/**
 * The verdict alone, in one pass, without paths or messages: what a valid request (nearly every request, and
 * 500 records of a PutRecords) costs. Each shape is compiled once into a tree of predicates that mirror
 * checkTypes and collectViolations check for check; when the verdict is false, those two run to word AWS's error.
 * A value the service reads differently (an Integer sent as 2.5, a Boolean sent as "true") is not taken here: the
 * worded pass reads it, rewriting the body, and the request may then be valid after all.
 */
export function conforms(shape: Shape, value: unknown): boolean {
  return predicateOf(shape)(value);
}

function predicateOf(shape: Shape): Predicate {
  let p = compiled.get(shape);
  if (!p) {
    const test = compiledTestOf(shape);
    const required = shape.required === true;
    p = (value) => (value === undefined || value === null ? !required : test(value));
    compiled.set(shape, p);
  }
  return p;
}

const compiledTests = new WeakMap<Shape, Predicate>();
function compiledTestOf(shape: Shape): Predicate {
  let t = compiledTests.get(shape);
  if (!t) compiledTests.set(shape, (t = compile(shape)));
  return t;
}

/** The test of a present (non-null) value. */
function compile(shape: Shape): Predicate {
  switch (shape.type) {
    case 'string': {
      const { min, max, pattern } = shape;
      const values = shape.enum;
      const regex = pattern ? regexOf(pattern) : undefined;
      return (v) => {
        if (typeof v !== 'string') return false;
        if (values && !values.includes(v)) return false;
        if (min !== undefined || max !== undefined) {
          // Limits count code points; the UTF-16 length n bounds them (n/2 ≤ code points ≤ n), so count only
          // when the bound cannot decide.
          const n = v.length;
          const count = (max !== undefined && n > max) || (min !== undefined && n >= min && n >> 1 < min);
          const length = count ? codePointLength(v) : n;
          if ((min !== undefined && length < min) || (max !== undefined && length > max)) return false;
        }
        return !regex || regex.test(v);
      };
    }
    case 'integer': {
      const { min, max } = shape;
      // A fraction or a number past Integer.MAX_VALUE is read (truncated) by the worded pass, so not taken here.
      return (v) =>
        typeof v === 'number' && Number.isInteger(v) && v <= 2147483647 && (min === undefined || v >= min) && (max === undefined || v <= max);
    }
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'timestamp':
      return (v) => typeof v === 'number' || v instanceof Date;
    case 'blob': {
      const { min, max } = shape;
      return (v) => {
        let n: number;
        if (typeof v === 'string') {
          if (!isBase64(v) || !hasCanonicalTail(v)) return false;
          n = base64ByteLength(v);
        } else if (v instanceof Uint8Array) n = v.byteLength;
        else return false;
        return (min === undefined || n >= min) && (max === undefined || n <= max);
      };
    }
    case 'list': {
      const { min, max } = shape;
      const member = compiledTestOf(shape.member);
      return (v) => {
        if (!Array.isArray(v) || (min !== undefined && v.length < min) || (max !== undefined && v.length > max)) return false;
        for (let i = 0; i < v.length; i++) if (v[i] === null || v[i] === undefined || !member(v[i])) return false;
        return true;
      };
    }
    case 'map': {
      const { min, max } = shape;
      const key = predicateOf(shape.key);
      const value = predicateOf(shape.value);
      return (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
        const entries = Object.entries(v);
        if ((min !== undefined && entries.length < min) || (max !== undefined && entries.length > max)) return false;
        for (const [k, x] of entries) if (!key(k) || !value(x)) return false;
        return true;
      };
    }
    case 'structure': {
      const names = Object.keys(shape.members);
      const required = names.map((n) => shape.members[n].required === true);
      // The members' own tests, not their predicateOf wrappers: one call per present member, none per absent one.
      const tests = names.map((n) => compiledTestOf(shape.members[n]));
      return (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
        for (let i = 0; i < names.length; i++) {
          const x = (v as Record<string, unknown>)[names[i]];
          if (x === undefined || x === null ? required[i] : !tests[i](x)) return false;
        }
        return true;
      };
    }
  }
}

/**
 * The error AWS would answer `body` with, found by the two worded passes (types: SerializationException;
 * then every constraint: ValidationException), or undefined when it is valid.
 */
export function findViolation(shape: Shape & { type: 'structure' }, body: unknown): AwsServiceError | undefined {
  try {
    checkTypes(shape, body);
  } catch (err) {
    if (err instanceof AwsServiceError) return err;
    throw err;
  }
  const violations: string[] = [];
  collectViolations(shape, body, '', violations);
  if (violations.length === 0) return undefined;
  const n = violations.length;
  return awsErrors.validation(`${n} validation error${n === 1 ? '' : 's'} detected: ${violations.join('; ')}`);
}

/**
 * Validates a request body against its input shape; throws the error AWS would answer with. The body may be
 * changed in place where the service reads a value differently (an Integer sent as 2.7 is 2): the operation
 * gets what the service would.
 */
export function validateInput(shape: Shape & { type: 'structure' }, body: unknown): void {
  if (conforms(shape, body)) return;
  const error = findViolation(shape, body);
  if (error) throw error;
}
