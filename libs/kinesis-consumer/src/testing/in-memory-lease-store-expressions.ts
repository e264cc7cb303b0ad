/**
 * DynamoDB's expression language for the in-memory DynamoDB (in-memory-lease-store.ts): condition, filter and key
 * condition expressions, update expressions (SET / REMOVE / ADD / DELETE) and projections, with names (#n) and
 * values (:v) substituted. Grammar and semantics after the DynamoDB Developer Guide ("Condition and filter
 * expressions, operators, and functions"; "Update expressions"): comparisons are type-sensitive (a number never
 * equals a string; <, > only between two values of one scalar type), a missing attribute makes every comparison
 * false, SET operands read the item as it was before the update, ADD on a missing attribute starts from 0 or an
 * empty set. Parsed expressions are cached by their text.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

export interface ExpressionInput {
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
}

/** A ValidationException's message (the caller turns it into the SDK's error). */
export class ExpressionError extends Error {}

type Segment = string | number;
type Path = Segment[];
type Operand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; ref: string }
  | { kind: 'size'; path: Path }
  | { kind: 'if_not_exists'; path: Path; fallback: Operand }
  | { kind: 'list_append'; a: Operand; b: Operand }
  | { kind: 'arith'; op: '+' | '-'; a: Operand; b: Operand };
type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type Condition =
  | { kind: 'and' | 'or'; a: Condition; b: Condition }
  | { kind: 'not'; a: Condition }
  | { kind: 'compare'; op: Comparator; a: Operand; b: Operand }
  | { kind: 'between'; a: Operand; low: Operand; high: Operand }
  | { kind: 'in'; a: Operand; list: Operand[] }
  | { kind: 'fn'; name: 'attribute_exists' | 'attribute_not_exists' | 'attribute_type' | 'begins_with' | 'contains'; args: Operand[] };
interface UpdateActions {
  set: Array<{ path: Path; value: Operand }>;
  remove: Path[];
  add: Array<{ path: Path; value: Operand }>;
  delete: Array<{ path: Path; value: Operand }>;
}

// ---- tokens ----

type Token = { t: 'name' | 'word' | 'value' | 'num' | 'punct'; v: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(<>|<=|>=|[=<>(),.[\]+-]))/y;
  let i = 0;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new ExpressionError(`Invalid expression: unexpected "${text.slice(i, i + 10)}" in "${text}"`);
    i = re.lastIndex;
    if (m[1]) tokens.push({ t: 'name', v: m[1] });
    else if (m[2]) tokens.push({ t: 'value', v: m[2] });
    else if (m[3]) tokens.push({ t: 'word', v: m[3] });
    else if (m[4]) tokens.push({ t: 'num', v: m[4] });
    else tokens.push({ t: 'punct', v: m[5] });
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }
  next(): Token {
    const token = this.tokens[this.i++];
    if (!token) throw new ExpressionError(`Invalid expression: unexpected end of "${this.text}"`);
    return token;
  }
  isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.t === 'word' && token.v.toUpperCase() === word;
  }
  isPunct(p: string): boolean {
    const token = this.peek();
    return token?.t === 'punct' && token.v === p;
  }
  expectPunct(p: string): void {
    const token = this.next();
    if (token.t !== 'punct' || token.v !== p) throw new ExpressionError(`Invalid expression: expected "${p}", got "${token.v}" in "${this.text}"`);
  }
  fail(what: string): never {
    throw new ExpressionError(`Invalid expression: ${what} at token ${this.i} of "${this.text}"`);
  }

  path(): Path {
    const first = this.next();
    if (first.t !== 'name' && first.t !== 'word') this.fail(`expected an attribute, got "${first.v}"`);
    const path: Path = [first.v];
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        const seg = this.next();
        if (seg.t !== 'name' && seg.t !== 'word') this.fail('expected an attribute after "."');
        path.push(seg.v);
      } else if (this.isPunct('[')) {
        this.next();
        const n = this.next();
        if (n.t !== 'num') this.fail('expected a list index');
        path.push(Number(n.v));
        this.expectPunct(']');
      } else {
        return path;
      }
    }
  }

  operand(): Operand {
    const token = this.peek();
    if (!token) this.fail('expected an operand');
    if (token.t === 'value') {
      this.next();
      return { kind: 'value', ref: token.v };
    }
    if (token.t === 'word' && this.peek(1)?.v === '(') {
      const fn = token.v;
      this.next();
      this.expectPunct('(');
      let result: Operand;
      if (fn === 'size') result = { kind: 'size', path: this.path() };
      else if (fn === 'if_not_exists') {
        const path = this.path();
        this.expectPunct(',');
        result = { kind: 'if_not_exists', path, fallback: this.operand() };
      } else if (fn === 'list_append') {
        const a = this.operand();
        this.expectPunct(',');
        result = { kind: 'list_append', a, b: this.operand() };
      } else this.fail(`unknown function ${fn}`);
      this.expectPunct(')');
      return result;
    }
    return { kind: 'path', path: this.path() };
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.isWord('OR')) {
      this.next();
      left = { kind: 'or', a: left, b: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.isWord('AND')) {
      this.next();
      left = { kind: 'and', a: left, b: this.negation() };
    }
    return left;
  }

  private negation(): Condition {
    if (this.isWord('NOT')) {
      this.next();
      return { kind: 'not', a: this.negation() };
    }
    return this.primary();
  }

  private primary(): Condition {
    if (this.isPunct('(')) {
      this.next();
      const inner = this.condition();
      this.expectPunct(')');
      return inner;
    }
    const token = this.peek();
    const fns = ['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains'] as const;
    const fn = fns.find((f) => token?.t === 'word' && token.v === f);
    if (fn && this.peek(1)?.v === '(') {
      this.next();
      this.expectPunct('(');
      const args: Operand[] = [this.operand()];
      while (this.isPunct(',')) {
        this.next();
        args.push(this.operand());
      }
      this.expectPunct(')');
      return { kind: 'fn', name: fn, args };
    }
    const a = this.operand();
    if (this.isWord('BETWEEN')) {
      this.next();
      const low = this.operand();
      if (!this.isWord('AND')) this.fail('expected AND in BETWEEN');
      this.next();
      return { kind: 'between', a, low, high: this.operand() };
    }
    if (this.isWord('IN')) {
      this.next();
      this.expectPunct('(');
      const list = [this.operand()];
      while (this.isPunct(',')) {
        this.next();
        list.push(this.operand());
      }
      this.expectPunct(')');
      return { kind: 'in', a, list };
    }
    const op = this.next();
    if (op.t !== 'punct' || !['=', '<>', '<', '<=', '>', '>='].includes(op.v)) this.fail(`expected a comparator, got "${op.v}"`);
    return { kind: 'compare', op: op.v as Comparator, a, b: this.operand() };
  }

  update(): UpdateActions {
    const actions: UpdateActions = { set: [], remove: [], add: [], delete: [] };
    while (!this.done()) {
      const clause = this.next();
      const word = clause.t === 'word' ? clause.v.toUpperCase() : '';
      do {
        if (word === 'SET') {
          const path = this.path();
          this.expectPunct('=');
          let value = this.operand();
          if (this.isPunct('+') || this.isPunct('-')) {
            const op = this.next().v as '+' | '-';
            value = { kind: 'arith', op, a: value, b: this.operand() };
          }
          actions.set.push({ path, value });
        } else if (word === 'REMOVE') actions.remove.push(this.path());
        else if (word === 'ADD') actions.add.push({ path: this.path(), value: this.operand() });
        else if (word === 'DELETE') actions.delete.push({ path: this.path(), value: this.operand() });
        else this.fail(`expected SET, REMOVE, ADD or DELETE, got "${clause.v}"`);
      } while (this.isPunct(',') && this.next());
    }
    return actions;
  }
}

const conditionCache = new Map<string, Condition>();
const updateCache = new Map<string, UpdateActions>();
const projectionCache = new Map<string, Path[]>();

export function parseCondition(text: string): Condition {
  let parsed = conditionCache.get(text);
  if (!parsed) {
    const p = new Parser(tokenize(text), text);
    parsed = p.condition();
    if (!p.done()) p.fail('unexpected trailing tokens');
    conditionCache.set(text, parsed);
  }
  return parsed;
}

function parseUpdate(text: string): UpdateActions {
  let parsed = updateCache.get(text);
  if (!parsed) {
    parsed = new Parser(tokenize(text), text).update();
    updateCache.set(text, parsed);
  }
  return parsed;
}

function parseProjection(text: string): Path[] {
  let parsed = projectionCache.get(text);
  if (!parsed) {
    const p = new Parser(tokenize(text), text);
    parsed = [p.path()];
    while (p.isPunct(',')) {
      p.next();
      parsed.push(p.path());
    }
    if (!p.done()) p.fail('unexpected trailing tokens');
    projectionCache.set(text, parsed);
  }
  return parsed;
}

// ---- evaluation ----

function resolve(path: Path, input: ExpressionInput): Path {
  return path.map((seg) => {
    if (typeof seg !== 'string' || !seg.startsWith('#')) return seg;
    const name = input.names?.[seg];
    if (name === undefined) throw new ExpressionError(`An expression attribute name used in the document path is not defined; attribute name: ${seg}`);
    return name;
  });
}

function valueOf(ref: string, input: ExpressionInput): AttributeValue {
  const value = input.values?.[ref];
  if (value === undefined) throw new ExpressionError(`An expression attribute value used in expression is not defined; attribute value: ${ref}`);
  return value;
}

export function getPath(item: Item | undefined, path: Path): AttributeValue | undefined {
  let current: AttributeValue | undefined = item === undefined ? undefined : { M: item };
  for (const seg of path) {
    if (current === undefined) return undefined;
    if (typeof seg === 'number') current = current.L?.[seg];
    else current = current.M?.[seg];
  }
  return current;
}

function evalOperand(operand: Operand, item: Item | undefined, input: ExpressionInput): AttributeValue | undefined {
  switch (operand.kind) {
    case 'value':
      return valueOf(operand.ref, input);
    case 'path':
      return getPath(item, resolve(operand.path, input));
    case 'size': {
      const v = getPath(item, resolve(operand.path, input));
      if (v === undefined) return undefined;
      const n = v.S !== undefined ? Buffer.byteLength(v.S) : v.B !== undefined ? v.B.length : (v.SS ?? v.NS ?? v.BS ?? v.L)?.length ?? (v.M ? Object.keys(v.M).length : undefined);
      return n === undefined ? undefined : { N: String(n) };
    }
    case 'if_not_exists':
      return getPath(item, resolve(operand.path, input)) ?? evalOperand(operand.fallback, item, input);
    case 'list_append': {
      const a = evalOperand(operand.a, item, input);
      const b = evalOperand(operand.b, item, input);
      if (!a?.L || !b?.L) throw new ExpressionError('Invalid UpdateExpression: list_append needs two lists');
      return { L: [...a.L, ...b.L] };
    }
    case 'arith': {
      const a = evalOperand(operand.a, item, input);
      const b = evalOperand(operand.b, item, input);
      if (a?.N === undefined || b?.N === undefined) throw new ExpressionError('Invalid UpdateExpression: an operand in the update expression has an incorrect data type');
      return { N: String(operand.op === '+' ? Number(a.N) + Number(b.N) : Number(a.N) - Number(b.N)) };
    }
  }
}

function typeOf(v: AttributeValue): string {
  return Object.keys(v).find((k) => (v as unknown as Record<string, unknown>)[k] !== undefined) ?? '';
}

export function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const ta = typeOf(a);
  if (ta !== typeOf(b)) return false;
  const va = (a as unknown as Record<string, unknown>)[ta];
  const vb = (b as unknown as Record<string, unknown>)[ta];
  if (ta === 'N') return Number(va) === Number(vb);
  if (ta === 'SS' || ta === 'NS') {
    const sa = new Set((va as string[]).map((x) => (ta === 'NS' ? String(Number(x)) : x)));
    const sb = (vb as string[]).map((x) => (ta === 'NS' ? String(Number(x)) : x));
    return sa.size === new Set(sb).size && sb.every((x) => sa.has(x));
  }
  if (ta === 'L') return (va as AttributeValue[]).length === (vb as AttributeValue[]).length && (va as AttributeValue[]).every((x, i) => sameValue(x, (vb as AttributeValue[])[i]));
  if (ta === 'M') {
    const ka = Object.keys(va as Item);
    return ka.length === Object.keys(vb as Item).length && ka.every((k) => sameValue((va as Item)[k], (vb as Item)[k]));
  }
  if (ta === 'B') return Buffer.compare(Buffer.from(va as Uint8Array), Buffer.from(vb as Uint8Array)) === 0;
  return va === vb;
}

/** Order of two scalars of one type (N, S, B); undefined when they cannot be compared. */
export function compareValues(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a.N !== undefined && b.N !== undefined) return Math.sign(Number(a.N) - Number(b.N));
  if (a.S !== undefined && b.S !== undefined) return Buffer.compare(Buffer.from(a.S), Buffer.from(b.S));
  if (a.B !== undefined && b.B !== undefined) return Buffer.compare(Buffer.from(a.B), Buffer.from(b.B));
  return undefined;
}

function compare(op: Comparator, a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (op === '=') return sameValue(a, b);
  if (op === '<>') return !sameValue(a, b);
  const c = compareValues(a, b);
  if (c === undefined) return false;
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

function evalFunction(c: Extract<Condition, { kind: 'fn' }>, item: Item | undefined, input: ExpressionInput): boolean {
  const first = c.args[0];
  if (c.name === 'attribute_exists' || c.name === 'attribute_not_exists') {
    if (first?.kind !== 'path') throw new ExpressionError(`Invalid ConditionExpression: ${c.name} needs a path`);
    const exists = getPath(item, resolve(first.path, input)) !== undefined;
    return c.name === 'attribute_exists' ? exists : !exists;
  }
  const a = evalOperand(first, item, input);
  const b = c.args[1] && evalOperand(c.args[1], item, input);
  if (a === undefined || b === undefined) return false;
  if (c.name === 'attribute_type') return typeOf(a) === b.S;
  if (c.name === 'begins_with') return a.S !== undefined && b.S !== undefined ? a.S.startsWith(b.S) : false;
  // contains
  if (a.S !== undefined && b.S !== undefined) return a.S.includes(b.S);
  const members = (a.SS ?? a.NS ?? a.L) as Array<string | AttributeValue> | undefined;
  if (!members) return false;
  return members.some((m) => (typeof m === 'string' ? m === (b.S ?? b.N) : sameValue(m, b)));
}

export function evaluateCondition(c: Condition, item: Item | undefined, input: ExpressionInput): boolean {
  switch (c.kind) {
    case 'and':
      return evaluateCondition(c.a, item, input) && evaluateCondition(c.b, item, input);
    case 'or':
      return evaluateCondition(c.a, item, input) || evaluateCondition(c.b, item, input);
    case 'not':
      return !evaluateCondition(c.a, item, input);
    case 'compare':
      return compare(c.op, evalOperand(c.a, item, input), evalOperand(c.b, item, input));
    case 'between': {
      const a = evalOperand(c.a, item, input);
      return compare('>=', a, evalOperand(c.low, item, input)) && compare('<=', a, evalOperand(c.high, item, input));
    }
    case 'in': {
      const a = evalOperand(c.a, item, input);
      return c.list.some((o) => compare('=', a, evalOperand(o, item, input)));
    }
    case 'fn':
      return evalFunction(c, item, input);
  }
}

/** Whether `text` holds for `item` (undefined: no such item). */
export function conditionHolds(text: string | undefined, item: Item | undefined, input: ExpressionInput): boolean {
  return text === undefined || evaluateCondition(parseCondition(text), item, input);
}

/**
 * The equality on `attribute` among the top-level ANDs of a key condition (the partition a Query reads), or
 * undefined when there is none (a ValidationException for the caller).
 */
export function partitionValue(text: string, attribute: string, input: ExpressionInput): AttributeValue | undefined {
  const visit = (c: Condition): AttributeValue | undefined => {
    if (c.kind === 'and') return visit(c.a) ?? visit(c.b);
    if (c.kind !== 'compare' || c.op !== '=') return undefined;
    const [path, value] = c.a.kind === 'path' ? [c.a, c.b] : [c.b, c.a];
    if (path.kind !== 'path' || value.kind !== 'value') return undefined;
    const resolved = resolve(path.path, input);
    return resolved.length === 1 && resolved[0] === attribute ? valueOf(value.ref, input) : undefined;
  };
  return visit(parseCondition(text));
}

// ---- updates ----

function setPath(item: Item, path: Path, value: AttributeValue | undefined): Item {
  const [head, ...rest] = path;
  if (typeof head !== 'string') throw new ExpressionError('The document path provided in the update expression is invalid for update');
  const out: Item = { ...item };
  if (rest.length === 0) {
    if (value === undefined) delete out[head];
    else out[head] = value;
    return out;
  }
  const child = out[head];
  if (child === undefined) {
    if (value === undefined) return out;
    throw new ExpressionError('The document path provided in the update expression is invalid for update');
  }
  out[head] = setNested(child, rest, value);
  return out;
}

function setNested(node: AttributeValue, path: Path, value: AttributeValue | undefined): AttributeValue {
  const [head, ...rest] = path;
  if (typeof head === 'number') {
    if (!node.L) throw new ExpressionError('The document path provided in the update expression is invalid for update');
    const list = [...node.L];
    if (rest.length === 0) {
      if (value === undefined) list.splice(head, 1);
      else if (head >= list.length) list.push(value);
      else list[head] = value;
    } else {
      if (list[head] === undefined) throw new ExpressionError('The document path provided in the update expression is invalid for update');
      list[head] = setNested(list[head], rest, value);
    }
    return { L: list };
  }
  if (!node.M) throw new ExpressionError('The document path provided in the update expression is invalid for update');
  return { M: setPath(node.M, path, value) };
}

function addTo(current: AttributeValue | undefined, value: AttributeValue): AttributeValue {
  if (value.N !== undefined) {
    if (current !== undefined && current.N === undefined) throw new ExpressionError('An operand in the update expression has an incorrect data type');
    return { N: String(Number(current?.N ?? 0) + Number(value.N)) };
  }
  for (const kind of ['SS', 'NS', 'BS'] as const) {
    const add = value[kind] as unknown[] | undefined;
    if (add === undefined) continue;
    const existing = (current?.[kind] as unknown[] | undefined) ?? [];
    if (current !== undefined && current[kind] === undefined) throw new ExpressionError('An operand in the update expression has an incorrect data type');
    return { [kind]: [...new Set([...existing, ...add])] } as unknown as AttributeValue;
  }
  throw new ExpressionError('Invalid UpdateExpression: ADD takes a number or a set');
}

function deleteFrom(current: AttributeValue | undefined, value: AttributeValue): AttributeValue | undefined {
  for (const kind of ['SS', 'NS', 'BS'] as const) {
    const del = value[kind] as unknown[] | undefined;
    if (del === undefined) continue;
    if (current === undefined) return undefined;
    const left = ((current[kind] as unknown[] | undefined) ?? []).filter((x) => !del.includes(x));
    return left.length === 0 ? undefined : ({ [kind]: left } as unknown as AttributeValue);
  }
  throw new ExpressionError('Invalid UpdateExpression: DELETE takes a set');
}

/** The item after `text` (operands read `item` as it was before); the top-level attributes it touched. */
export function applyUpdate(text: string, item: Item, input: ExpressionInput): { item: Item; touched: string[] } {
  const actions = parseUpdate(text);
  const sets = actions.set.map((a) => ({ path: resolve(a.path, input), value: evalOperand(a.value, item, input) }));
  const adds = actions.add.map((a) => ({ path: resolve(a.path, input), value: evalOperand(a.value, item, input) }));
  const deletes = actions.delete.map((a) => ({ path: resolve(a.path, input), value: evalOperand(a.value, item, input) }));
  const removes = actions.remove.map((p) => resolve(p, input));
  const touched = new Set<string>();
  let out = item;
  for (const { path, value } of sets) {
    if (value === undefined) throw new ExpressionError('The provided expression refers to an attribute that does not exist in the item');
    out = setPath(out, path, value);
    touched.add(String(path[0]));
  }
  for (const { path, value } of adds) {
    out = setPath(out, path, addTo(getPath(out, path), value as AttributeValue));
    touched.add(String(path[0]));
  }
  for (const { path, value } of deletes) {
    out = setPath(out, path, deleteFrom(getPath(out, path), value as AttributeValue));
    touched.add(String(path[0]));
  }
  // Removes of list elements go from the highest index down, so that earlier ones do not shift later ones.
  for (const path of [...removes].sort((a, b) => Number(b[b.length - 1]) - Number(a[a.length - 1]) || 0)) {
    out = setPath(out, path, undefined);
    touched.add(String(path[0]));
  }
  return { item: out, touched: [...touched] };
}

/** The item with only the attributes of a ProjectionExpression. */
export function project(item: Item, text: string | undefined, input: ExpressionInput): Item {
  if (text === undefined) return item;
  let out: Item = {};
  for (const raw of parseProjection(text)) {
    const path = resolve(raw, input);
    const value = getPath(item, path);
    if (value === undefined) continue;
    if (path.length === 1) out[path[0] as string] = value;
    else out = { ...out, [path[0] as string]: item[path[0] as string] };
  }
  return out;
}
