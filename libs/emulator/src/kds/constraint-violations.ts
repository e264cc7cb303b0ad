/**
 * The second pass of request validation: every violated constraint becomes one line of a ValidationException,
 * in AWS's words (as kinesalite recorded them from the service):
 *   Value '…' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length …
 * - the value as Java prints it: a string as is, a list `[a, b]`, a map `{a=1, b=2}`, a blob
 *   `java.nio.HeapByteBuffer[pos=0 lim=N cap=N]`, an absent value `null` (unquoted);
 * - a constraint on a list's or map's members is reported once, at the list or map:
 *   "Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length
 *   greater than or equal to 1]" (list), "Map keys must satisfy constraint: […]", "Map value must satisfy
 *   constraint: […]";
 * - per member: not null, enum, pattern, minimum, maximum; members in their shape's order; a list's or map's own
 *   constraints before its members';
 * - at most ten are collected: the service stops there, and says "10 validation errors detected".
 * Values reaching this pass have been read by serialization-check.ts (types are right).
 */
import { base64ByteLength } from './base64-check';
import { codePointLength, membersOf, regexOf, type Shape } from './shape';

/** How many violations the service collects (and lists) at most. */
export const MAX_VIOLATIONS = 10;

type StringShape = Shape & { type: 'string' };

const byteLength = (v: unknown): number => (typeof v === 'string' ? base64ByteLength(v) : (v as Uint8Array).byteLength);

/** An item of a list or a value of a map as Java's toString prints it inside the container. */
function itemText(shape: Shape, v: unknown): string {
  return v === null || v === undefined ? 'null' : shape.type === 'string' || shape.type === 'integer' || shape.type === 'boolean' ? String(v) : render(shape, v);
}

/** A present value as the service prints it in "Value '…' at". */
function render(shape: Shape, v: unknown): string {
  switch (shape.type) {
    case 'blob': {
      const n = byteLength(v);
      return `java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`;
    }
    case 'list': {
      const text = shape.memberText;
      return `[${(v as unknown[]).map((item) => (text !== undefined && item !== null && item !== undefined ? text : itemText(shape.member, item))).join(', ')}]`;
    }
    case 'map': {
      const map = v as Record<string, unknown>;
      return `{${Object.keys(map)
        .map((k) => `${k}=${itemText(shape.value, map[k])}`)
        .join(', ')}}`;
    }
    case 'structure':
      return JSON.stringify(v);
    default:
      return v instanceof Date ? String(v.getTime() / 1000) : String(v);
  }
}

function push(out: string[], shape: Shape, v: unknown, path: string, rule: string): void {
  if (out.length >= MAX_VIOLATIONS) return;
  const value = v === null || v === undefined ? 'null' : `'${render(shape, v)}'`;
  out.push(`Value ${value} at '${path}' failed to satisfy constraint: ${rule}`);
}

/** The rules of a string shape, in the order the service checks them. */
function stringRules(shape: StringShape, s: string): string[] {
  const broken: string[] = [];
  const length = shape.min !== undefined || shape.max !== undefined ? codePointLength(s) : 0;
  if (shape.enum && !shape.enum.includes(s)) broken.push(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
  if (shape.pattern && !regexOf(shape.pattern).test(s)) broken.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  if (shape.min !== undefined && length < shape.min) broken.push(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && length > shape.max) broken.push(`Member must have length less than or equal to ${shape.max}`);
  return broken;
}

/** A member shape's rules as the service lists them inside "must satisfy constraint: [...]" (maximum first). */
function memberRuleList(shape: StringShape): string {
  const rules: string[] = [];
  if (shape.enum) rules.push(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
  if (shape.pattern) rules.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  if (shape.max !== undefined) rules.push(`Member must have length less than or equal to ${shape.max}`);
  if (shape.min !== undefined) rules.push(`Member must have length greater than or equal to ${shape.min}`);
  return `[${rules.join(', ')}]`;
}

const hasRules = (shape: Shape): shape is StringShape =>
  shape.type === 'string' && (shape.enum !== undefined || shape.pattern !== undefined || shape.min !== undefined || shape.max !== undefined);

/** Whether some present string of `values` breaks a rule of `shape`. */
function someBroken(shape: StringShape, values: readonly unknown[]): boolean {
  for (const v of values) if (typeof v === 'string' && stringRules(shape, v).length > 0) return true;
  return false;
}

function lengthRules(out: string[], shape: Shape & { min?: number; max?: number }, v: unknown, n: number, path: string): void {
  if (shape.min !== undefined && n < shape.min) push(out, shape, v, path, `Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && n > shape.max) push(out, shape, v, path, `Member must have length less than or equal to ${shape.max}`);
}

function listViolations(out: string[], shape: Shape & { type: 'list' }, list: unknown[], path: string): void {
  lengthRules(out, shape, list, list.length, path);
  const member = shape.member;
  if (hasRules(member) && someBroken(member, list)) {
    push(out, shape, list, path, `Member must satisfy constraint: ${memberRuleList(member)}`);
  }
  const nested = member.type === 'structure' || member.type === 'list' || member.type === 'map';
  for (let i = 0; i < list.length && out.length < MAX_VIOLATIONS; i++) {
    // A list holds no nulls: a null entry is a violation even when the member shape is optional.
    if (list[i] === null || list[i] === undefined) push(out, member, null, `${path}.${i + 1}.member`, 'Member must not be null');
    else if (nested) collectViolations(member, list[i], `${path}.${i + 1}.member`, out);
  }
}

function mapViolations(out: string[], shape: Shape & { type: 'map' }, map: Record<string, unknown>, path: string): void {
  const keys = Object.keys(map);
  lengthRules(out, shape, map, keys.length, path);
  if (hasRules(shape.key) && someBroken(shape.key, keys)) {
    push(out, shape, map, path, `Map keys must satisfy constraint: ${memberRuleList(shape.key)}`);
  }
  const value = shape.value;
  if (hasRules(value) && someBroken(value, keys.map((k) => map[k]))) {
    push(out, shape, map, path, `Map value must satisfy constraint: ${memberRuleList(value)}`);
  }
  if (value.type !== 'structure' && value.type !== 'list' && value.type !== 'map') return;
  for (const k of keys) if (out.length < MAX_VIOLATIONS) collectViolations(value, map[k], `${path}.${k}.member`, out);
}

/** Appends the constraint violations of `value` (read as `shape`) at `path` to `out`, up to MAX_VIOLATIONS. */
export function collectViolations(shape: Shape, value: unknown, path: string, out: string[]): void {
  if (out.length >= MAX_VIOLATIONS) return;
  if (value === undefined || value === null) {
    if (shape.required) push(out, shape, null, path, 'Member must not be null');
    return;
  }
  switch (shape.type) {
    case 'string':
      for (const rule of stringRules(shape, value as string)) push(out, shape, value, path, rule);
      return;
    case 'integer': {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) push(out, shape, n, path, `Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) push(out, shape, n, path, `Member must have value less than or equal to ${shape.max}`);
      return;
    }
    case 'blob':
      lengthRules(out, shape, value, byteLength(value), path);
      return;
    case 'list':
      listViolations(out, shape, value as unknown[], path);
      return;
    case 'map':
      mapViolations(out, shape, value as Record<string, unknown>, path);
      return;
    case 'structure':
      for (const [name, member, printed] of membersOf(shape.members)) {
        collectViolations(member, (value as Record<string, unknown>)[name], path ? `${path}.${printed}` : printed, out);
      }
      return;
    default:
      return;
  }
}
