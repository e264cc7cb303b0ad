/**
 * Request validation as data, in two passes as the service does it:
 * 1. types: a JSON value of the wrong type is a SerializationException (the request could not be read);
 * 2. constraints: every violated constraint becomes one line of a ValidationException, AWS's wording:
 *    "2 validation errors detected: Value 'x' at 'streamName' failed to satisfy constraint: Member must …;
 *    Value null at 'shardCount' failed to satisfy constraint: Member must not be null" (at most 10 listed).
 * Member paths are lower camel case, list items `records.1.member.partitionKey`, as the service prints them.
 */
import { AwsServiceError, awsErrors } from '../errors';

export type Shape =
  | { type: 'string'; required?: boolean; min?: number; max?: number; pattern?: string; enum?: readonly string[] }
  | { type: 'integer'; required?: boolean; min?: number; max?: number }
  | { type: 'boolean'; required?: boolean }
  | { type: 'timestamp'; required?: boolean }
  | { type: 'blob'; required?: boolean; max?: number }
  | { type: 'list'; required?: boolean; min?: number; max?: number; member: Shape }
  | { type: 'map'; required?: boolean; min?: number; max?: number; key: Shape; value: Shape }
  | { type: 'structure'; required?: boolean; members: Record<string, Shape> };

/** 1 for the characters of the standard base64 alphabet (RFC 4648 §4), by UTF-16 code unit: no range check. */
const BASE64_ALPHABET = new Uint8Array(65536);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_ALPHABET[c.charCodeAt(0)] = 1;

/**
 * Padded standard base64, i.e. /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, as a
 * branch-free character scan: the regular expression was the most expensive step of a 500-record PutRecords.
 */
/** An operation's input: a structure of named members. */
export type StructureShape = Shape & { type: 'structure' };

/** The structure shape of `members` (the shape tables' shorthand). */
export const structure = (members: Record<string, Shape>): StructureShape => ({ type: 'structure', members });

export function isBase64(s: string): boolean {
  const n = s.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (n > 0 && s.charCodeAt(n - 1) === 0x3d) end = s.charCodeAt(n - 2) === 0x3d ? n - 2 : n - 1;
  let ok = 1;
  for (let i = 0; i < end; i++) ok &= BASE64_ALPHABET[s.charCodeAt(i)];
  return ok === 1;
}

/** Length in Unicode code points, as `[...s].length` counts it (a lone surrogate is one), without the array. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
const patternCache = new Map<string, RegExp>();
const regexOf = (p: string): RegExp => {
  let r = patternCache.get(p);
  if (!r) patternCache.set(p, (r = new RegExp(`^(?:${p})$`, 'u')));
  return r;
};

const lowerCamel = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** A structure's members with their printed (lower camel case) names, computed once per shape. */
type Member = readonly [name: string, shape: Shape, printed: string];
const membersCache = new WeakMap<object, readonly Member[]>();
function membersOf(members: Record<string, Shape>): readonly Member[] {
  let list = membersCache.get(members);
  if (!list) membersCache.set(members, (list = Object.entries(members).map(([name, shape]): Member => [name, shape, lowerCamel(name)])));
  return list;
}

const memberPath = (path: string, printed: string): string => (path ? `${path}.${printed}` : printed);
const javaType = (v: unknown): string =>
  typeof v === 'string'
    ? 'java.lang.String'
    : typeof v === 'boolean'
      ? 'java.lang.Boolean'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? 'java.lang.Long'
          : 'java.lang.Double'
        : Array.isArray(v)
          ? 'java.util.ArrayList'
          : 'java.util.LinkedHashMap';

function typeMismatch(value: unknown, expected: string, path: string): never {
  throw awsErrors.serialization(`class ${javaType(value)} can not be converted to ${expected} (at '${path}')`);
}

/** Throws SerializationException on a type mismatch. (Hot: runs for every record of a PutRecords, so no closures.) */
function checkTypes(shape: Shape, value: unknown, path: string): void {
  if (value === undefined || value === null) return;
  switch (shape.type) {
    case 'string':
      if (typeof value !== 'string') typeMismatch(value, 'a String', path);
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) typeMismatch(value, 'an Integer', path);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') typeMismatch(value, 'a Boolean', path);
      return;
    case 'timestamp':
      if (typeof value === 'number' && Number.isFinite(value)) return;
      if (typeof value === 'string' && (Number.isFinite(Number(value)) || !Number.isNaN(Date.parse(value)))) return;
      typeMismatch(value, 'a Date', path);
      return;
    case 'blob':
      if (typeof value !== 'string') typeMismatch(value, 'a ByteBuffer', path);
      if (!isBase64(value as string)) throw awsErrors.serialization(`Base64 encoded data at '${path}' could not be decoded`);
      return;
    case 'list':
      if (!Array.isArray(value)) typeMismatch(value, 'a List', path);
      for (let i = 0; i < (value as unknown[]).length; i++) checkTypes(shape.member, (value as unknown[])[i], `${path}.${i + 1}.member`);
      return;
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) typeMismatch(value, 'a Map', path);
      for (const [k, v] of Object.entries(value as object)) checkTypes(shape.value, v, `${path}.${k}`);
      return;
    case 'structure':
      if (typeof value !== 'object' || Array.isArray(value)) typeMismatch(value, 'a Structure', path);
      for (const [name, member, printed] of membersOf(shape.members)) {
        checkTypes(member, (value as Record<string, unknown>)[name], memberPath(path, printed));
      }
      return;
  }
}

const show = (v: unknown): string => {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v) || typeof v === 'object') return `'${JSON.stringify(v)}'`;
  return `'${String(v)}'`;
};

function violation(out: string[], v: unknown, path: string, rule: string): void {
  out.push(`Value ${show(v)} at '${path}' failed to satisfy constraint: Member must ${rule}`);
}

/** Collects constraint violations. (Hot like checkTypes: no closures, no per-call allocations on success.) */
function collectViolations(shape: Shape, value: unknown, path: string, out: string[]): void {
  if (value === undefined || value === null) {
    if (shape.required) violation(out, null, path, 'not be null');
    return;
  }
  switch (shape.type) {
    case 'string': {
      const s = value as string;
      const length = shape.min !== undefined || shape.max !== undefined ? codePointLength(s) : 0;
      if (shape.enum && !shape.enum.includes(s)) violation(out, s, path, `satisfy enum value set: [${shape.enum.join(', ')}]`);
      if (shape.min !== undefined && length < shape.min) violation(out, s, path, `have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && length > shape.max) violation(out, s, path, `have length less than or equal to ${shape.max}`);
      if (shape.pattern && !regexOf(shape.pattern).test(s)) violation(out, s, path, `satisfy regular expression pattern: ${shape.pattern}`);
      return;
    }
    case 'integer': {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) violation(out, n, path, `have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) violation(out, n, path, `have value less than or equal to ${shape.max}`);
      return;
    }
    case 'blob': {
      const s = value as string;
      const bytes = (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
      if (shape.max !== undefined && bytes > shape.max) {
        out.push(`Value '${s.length > 64 ? 'java.nio.HeapByteBuffer[pos=0 lim=' + bytes + ' cap=' + bytes + ']' : s}' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`);
      }
      return;
    }
    case 'list': {
      const list = value as unknown[];
      if (shape.min !== undefined && list.length < shape.min) violation(out, list, path, `have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && list.length > shape.max) violation(out, list, path, `have length less than or equal to ${shape.max}`);
      for (let i = 0; i < list.length; i++) {
        // A list holds no nulls: a null entry is a violation even when the member shape is optional.
        if (list[i] === null || list[i] === undefined) violation(out, null, `${path}.${i + 1}.member`, 'not be null');
        else collectViolations(shape.member, list[i], `${path}.${i + 1}.member`, out);
      }
      return;
    }
    case 'map': {
      const entries = Object.entries(value as object);
      if (shape.min !== undefined && entries.length < shape.min) violation(out, value, path, `have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && entries.length > shape.max) violation(out, value, path, `have length less than or equal to ${shape.max}`);
      for (const [k, v] of entries) {
        collectViolations(shape.key, k, `${path}.key`, out);
        collectViolations(shape.value, v, `${path}.${k}.value`, out);
      }
      return;
    }
    case 'structure':
      for (const [name, member, printed] of membersOf(shape.members)) {
        collectViolations(member, (value as Record<string, unknown>)[name], memberPath(path, printed), out);
      }
      return;
    default:
      return;
  }
}

type Predicate = (value: unknown) => boolean;
const compiled = new WeakMap<Shape, Predicate>();

/**
 * The verdict alone, in one pass, without paths or messages: what a valid request (nearly every request, and
 * 500 records of a PutRecords) costs. Each shape is compiled once into a tree of predicates that mirror
 * checkTypes and collectViolations check for check; when the verdict is false, those two run to word AWS's error.
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
      return (v) => typeof v === 'number' && Number.isInteger(v) && (min === undefined || v >= min) && (max === undefined || v <= max);
    }
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'timestamp':
      return (v) =>
        (typeof v === 'number' && Number.isFinite(v)) ||
        (typeof v === 'string' && (Number.isFinite(Number(v)) || !Number.isNaN(Date.parse(v))));
    case 'blob': {
      const { max } = shape;
      return (v) => {
        if (typeof v !== 'string' || !isBase64(v)) return false;
        return max === undefined || (v.length / 4) * 3 - (v.endsWith('==') ? 2 : v.endsWith('=') ? 1 : 0) <= max;
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
    checkTypes(shape, body, '');
  } catch (err) {
    if (err instanceof AwsServiceError) return err;
    throw err;
  }
  const violations: string[] = [];
  collectViolations(shape, body, '', violations);
  if (violations.length === 0) return undefined;
  const n = violations.length;
  return awsErrors.validation(`${n} validation error${n === 1 ? '' : 's'} detected: ${violations.slice(0, 10).join('; ')}`);
}

/** Validates a request body against its input shape; throws the error AWS would answer with. */
export function validateInput(shape: Shape & { type: 'structure' }, body: unknown): void {
  if (conforms(shape, body)) return;
  const error = findViolation(shape, body);
  if (error) throw error;
}
