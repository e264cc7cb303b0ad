/**
 * Request validation as data, in two passes as the service does it:
 * 1. types: a JSON value of the wrong type is a SerializationException (the request could not be read);
 * 2. constraints: every violated constraint becomes one line of a ValidationException, AWS's wording:
 *    "2 validation errors detected: Value 'x' at 'streamName' failed to satisfy constraint: Member must …;
 *    Value null at 'shardCount' failed to satisfy constraint: Member must not be null" (at most 10 listed).
 * Member paths are lower camel case, list items `records.1.member.partitionKey`, as the service prints them.
 */
import { awsErrors } from '../errors';

export type Shape =
  | { type: 'string'; required?: boolean; min?: number; max?: number; pattern?: string; enum?: readonly string[] }
  | { type: 'integer'; required?: boolean; min?: number; max?: number }
  | { type: 'boolean'; required?: boolean }
  | { type: 'timestamp'; required?: boolean }
  | { type: 'blob'; required?: boolean; max?: number }
  | { type: 'list'; required?: boolean; min?: number; max?: number; member: Shape }
  | { type: 'map'; required?: boolean; min?: number; max?: number; key: Shape; value: Shape }
  | { type: 'structure'; required?: boolean; members: Record<string, Shape> };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const patternCache = new Map<string, RegExp>();
const regexOf = (p: string): RegExp => {
  let r = patternCache.get(p);
  if (!r) patternCache.set(p, (r = new RegExp(`^(?:${p})$`, 'u')));
  return r;
};

const lowerCamel = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
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

/** Throws SerializationException on a type mismatch. */
function checkTypes(shape: Shape, value: unknown, path: string): void {
  if (value === undefined || value === null) return;
  const fail = (expected: string): never => {
    throw awsErrors.serialization(`class ${javaType(value)} can not be converted to ${expected} (at '${path}')`);
  };
  switch (shape.type) {
    case 'string':
      if (typeof value !== 'string') fail('a String');
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail('an Integer');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('a Boolean');
      return;
    case 'timestamp':
      if (typeof value === 'number' && Number.isFinite(value)) return;
      if (typeof value === 'string' && (Number.isFinite(Number(value)) || !Number.isNaN(Date.parse(value)))) return;
      fail('a Date');
      return;
    case 'blob':
      if (typeof value !== 'string') fail('a ByteBuffer');
      if (!BASE64.test(value as string)) throw awsErrors.serialization(`Base64 encoded data at '${path}' could not be decoded`);
      return;
    case 'list':
      if (!Array.isArray(value)) fail('a List');
      (value as unknown[]).forEach((v, i) => checkTypes(shape.member, v, `${path}.${i + 1}.member`));
      return;
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) fail('a Map');
      for (const [k, v] of Object.entries(value as object)) checkTypes(shape.value, v, `${path}.${k}`);
      return;
    case 'structure':
      if (typeof value !== 'object' || Array.isArray(value)) fail('a Structure');
      for (const [name, member] of Object.entries(shape.members)) {
        checkTypes(member, (value as Record<string, unknown>)[name], path ? `${path}.${lowerCamel(name)}` : lowerCamel(name));
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

function collectViolations(shape: Shape, value: unknown, path: string, out: string[]): void {
  const at = (v: unknown, rule: string): void => {
    out.push(`Value ${show(v)} at '${path}' failed to satisfy constraint: Member must ${rule}`);
  };
  if (value === undefined || value === null) {
    if (shape.required) at(null, 'not be null');
    return;
  }
  switch (shape.type) {
    case 'string': {
      const s = value as string;
      const length = [...s].length;
      if (shape.enum && !shape.enum.includes(s)) at(s, `satisfy enum value set: [${shape.enum.join(', ')}]`);
      if (shape.min !== undefined && length < shape.min) at(s, `have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && length > shape.max) at(s, `have length less than or equal to ${shape.max}`);
      if (shape.pattern && !regexOf(shape.pattern).test(s)) at(s, `satisfy regular expression pattern: ${shape.pattern}`);
      return;
    }
    case 'integer': {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) at(n, `have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) at(n, `have value less than or equal to ${shape.max}`);
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
      if (shape.min !== undefined && list.length < shape.min) at(list, `have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && list.length > shape.max) at(list, `have length less than or equal to ${shape.max}`);
      list.forEach((v, i) => collectViolations(shape.member, v, `${path}.${i + 1}.member`, out));
      return;
    }
    case 'map': {
      const entries = Object.entries(value as object);
      if (shape.min !== undefined && entries.length < shape.min) at(value, `have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && entries.length > shape.max) at(value, `have length less than or equal to ${shape.max}`);
      for (const [k, v] of entries) {
        collectViolations(shape.key, k, `${path}.key`, out);
        collectViolations(shape.value, v, `${path}.${k}.value`, out);
      }
      return;
    }
    case 'structure':
      for (const [name, member] of Object.entries(shape.members)) {
        collectViolations(member, (value as Record<string, unknown>)[name], path ? `${path}.${lowerCamel(name)}` : lowerCamel(name), out);
      }
      return;
    default:
      return;
  }
}

/** Validates a request body against its input shape; throws the error AWS would answer with. */
export function validateInput(shape: Shape & { type: 'structure' }, body: unknown): void {
  checkTypes(shape, body, '');
  const violations: string[] = [];
  collectViolations(shape, body, '', violations);
  if (violations.length > 0) {
    const n = violations.length;
    throw awsErrors.validation(`${n} validation error${n === 1 ? '' : 's'} detected: ${violations.slice(0, 10).join('; ')}`);
  }
}
