/**
 * Input shapes as data (the service model's types and constraints) and the helpers both validation passes share.
 * Pure, no I/O.
 */
export type Shape =
  | { type: 'string'; required?: boolean; min?: number; max?: number; pattern?: string; enum?: readonly string[] }
  | { type: 'integer'; required?: boolean; min?: number; max?: number }
  | { type: 'boolean'; required?: boolean }
  | { type: 'timestamp'; required?: boolean }
  | { type: 'blob'; required?: boolean; min?: number; max?: number }
  /** memberText: how the service prints each member when it prints the list (a Java object's toString). */
  | { type: 'list'; required?: boolean; min?: number; max?: number; member: Shape; memberText?: string }
  | { type: 'map'; required?: boolean; min?: number; max?: number; key: Shape; value: Shape }
  | { type: 'structure'; required?: boolean; members: Record<string, Shape> };

/** An operation's input: a structure of named members. */
export type StructureShape = Shape & { type: 'structure' };

/** The structure shape of `members` (the shape tables' shorthand): their order is the order the service checks. */
export const structure = (members: Record<string, Shape>): StructureShape => ({ type: 'structure', members });

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
/** The anchored expression of a model pattern, compiled once. */
export const regexOf = (p: string): RegExp => {
  let r = patternCache.get(p);
  if (!r) patternCache.set(p, (r = new RegExp(`^(?:${p})$`, 'u')));
  return r;
};

const lowerCamel = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** A structure's members with their printed (lower camel case) names, computed once per shape. */
type Member = readonly [name: string, shape: Shape, printed: string];
const membersCache = new WeakMap<object, readonly Member[]>();
export function membersOf(members: Record<string, Shape>): readonly Member[] {
  let list = membersCache.get(members);
  if (!list) membersCache.set(members, (list = Object.entries(members).map(([name, shape]): Member => [name, shape, lowerCamel(name)])));
  return list;
}
