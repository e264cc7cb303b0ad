/**
 * `tail --where`: a small filter language over a record, parsed once and evaluated per record. No eval, no
 * Function: a tokenizer, a recursive-descent parser and a tree walker. Pure.
 *
 *   expr    := or
 *   or      := and (('||' | 'or') and)*
 *   and     := unary (('&&' | 'and') unary)*
 *   unary   := ('!' | 'not') unary | compare
 *   compare := value (('==' | '!=' | '>' | '>=' | '<' | '<=' | '~') value)?
 *   value   := path | string | number | true | false | null | '(' expr ')'
 *   path    := root ('.' name | '[' (number | string) ']')*   roots: data, key, shard, sequence
 *
 * Semantics, chosen so that a filter never throws on odd records: a path that does not exist is `undefined`;
 * `==`/`!=` compare values strictly (JSON-equal for objects is not offered); `<`, `>`, … hold only between two
 * numbers or two strings; `~` is "contains" for strings (and arrays); a value alone is a truth test.
 */
import { usageError } from '../../cli/cli-error';

export interface WhereInput {
  /** The record's data as decoded for output (a JSON value, a string, or undefined for binary). */
  data: unknown;
  key: string;
  shard: string;
  sequence: string;
}

type Value = unknown;
type Node =
  | { t: 'lit'; v: Value }
  | { t: 'path'; root: keyof WhereInput; steps: Array<string | number> }
  | { t: 'not'; e: Node }
  | { t: 'and' | 'or'; l: Node; r: Node }
  | { t: 'cmp'; op: CompareOp; l: Node; r: Node };
type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=' | '~';

type Token = { k: 'num'; v: number } | { k: 'str'; v: string } | { k: 'id'; v: string } | { k: 'op'; v: string };

const ROOTS = new Set(['data', 'key', 'shard', 'sequence']);
const OPS = ['==', '!=', '>=', '<=', '&&', '||', '>', '<', '!', '~', '(', ')', '[', ']', '.'];

export type WherePredicate = (input: WhereInput) => boolean;

/** Parses `source` into a predicate; a usage error (exit code 2) that points at the problem otherwise. */
export function compileWhere(source: string): WherePredicate {
  const tokens = tokenize(source);
  const parser = new Parser(tokens, source);
  const tree = parser.parseExpression();
  parser.expectEnd();
  return (input) => truthy(evaluate(tree, input));
}

function fail(source: string, why: string): never {
  throw usageError(`--where "${source}": ${why} (example: --where 'data.temp > 30 && key == "sensor-1"')`);
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = readString(source, i);
      tokens.push({ k: 'str', v: value });
      i = end;
      continue;
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i));
    // A leading minus is a number only where a value may start (not `a-1`, which is not in the language anyway).
    if (number && (c !== '-' || tokens.length === 0 || tokens[tokens.length - 1].k === 'op')) {
      tokens.push({ k: 'num', v: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_$][\w$]*/.exec(source.slice(i));
    if (ident) {
      tokens.push({ k: 'id', v: ident[0] });
      i += ident[0].length;
      continue;
    }
    const op = OPS.find((o) => source.startsWith(o, i)) ?? (source.startsWith('=', i) ? '==' : undefined);
    if (op === undefined) fail(source, `unexpected "${c}" at position ${i + 1}`);
    tokens.push({ k: 'op', v: op });
    i += source.startsWith(op, i) ? op.length : 1;
  }
  return tokens;
}

function readString(source: string, start: number): { value: string; end: number } {
  const quote = source[start];
  let value = '';
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (c === quote) return { value, end: i + 1 };
    if (c === '\\' && i + 1 < source.length) {
      const next = source[++i];
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
    } else value += c;
  }
  return fail(source, `the string starting at position ${start + 1} is not closed`);
}

class Parser {
  private pos = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  parseExpression(): Node {
    let left = this.parseAnd();
    while (this.acceptOp('||') || this.acceptWord('or')) left = { t: 'or', l: left, r: this.parseAnd() };
    return left;
  }

  expectEnd(): void {
    if (this.pos < this.tokens.length) fail(this.source, `unexpected ${describe(this.tokens[this.pos])}`);
  }

  private parseAnd(): Node {
    let left = this.parseUnary();
    while (this.acceptOp('&&') || this.acceptWord('and')) left = { t: 'and', l: left, r: this.parseUnary() };
    return left;
  }

  private parseUnary(): Node {
    if (this.acceptOp('!') || this.acceptWord('not')) return { t: 'not', e: this.parseUnary() };
    const left = this.parseValue();
    const next = this.tokens[this.pos];
    if (next?.k === 'op' && ['==', '!=', '>', '>=', '<', '<=', '~'].includes(next.v)) {
      this.pos++;
      return { t: 'cmp', op: next.v as CompareOp, l: left, r: this.parseValue() };
    }
    return left;
  }

  private parseValue(): Node {
    const token = this.tokens[this.pos++];
    if (token === undefined) return fail(this.source, 'it ends where a value was expected');
    if (token.k === 'num' || token.k === 'str') return { t: 'lit', v: token.v };
    if (token.k === 'op' && token.v === '(') {
      const inner = this.parseExpression();
      if (!this.acceptOp(')')) fail(this.source, 'a "(" is not closed');
      return inner;
    }
    if (token.k === 'id') {
      if (token.v === 'true' || token.v === 'false') return { t: 'lit', v: token.v === 'true' };
      if (token.v === 'null') return { t: 'lit', v: null };
      if (ROOTS.has(token.v)) return this.parsePath(token.v as keyof WhereInput);
      return fail(this.source, `unknown name "${token.v}"; paths start with data, key, shard or sequence, strings are quoted`);
    }
    return fail(this.source, `unexpected ${describe(token)} where a value was expected`);
  }

  private parsePath(root: keyof WhereInput): Node {
    const steps: Array<string | number> = [];
    for (;;) {
      if (this.acceptOp('.')) {
        const name = this.tokens[this.pos++];
        if (name?.k !== 'id') fail(this.source, 'a name must follow "."');
        steps.push(name.v);
      } else if (this.acceptOp('[')) {
        const index = this.tokens[this.pos++];
        if (index?.k !== 'num' && index?.k !== 'str') fail(this.source, '"[" takes a number or a quoted name');
        if (!this.acceptOp(']')) fail(this.source, 'a "[" is not closed');
        steps.push(index.v);
      } else return { t: 'path', root, steps };
    }
  }

  private acceptOp(op: string): boolean {
    const token = this.tokens[this.pos];
    if (token?.k === 'op' && token.v === op) {
      this.pos++;
      return true;
    }
    return false;
  }

  private acceptWord(word: string): boolean {
    const token = this.tokens[this.pos];
    if (token?.k === 'id' && token.v === word) {
      this.pos++;
      return true;
    }
    return false;
  }
}

function describe(token: Token): string {
  return token.k === 'str' ? `string "${token.v}"` : `"${token.v}"`;
}

function evaluate(node: Node, input: WhereInput): Value {
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'path':
      return resolvePath(input[node.root], node.steps);
    case 'not':
      return !truthy(evaluate(node.e, input));
    case 'and':
      return truthy(evaluate(node.l, input)) && truthy(evaluate(node.r, input));
    case 'or':
      return truthy(evaluate(node.l, input)) || truthy(evaluate(node.r, input));
    case 'cmp':
      return compare(node.op, evaluate(node.l, input), evaluate(node.r, input));
  }
}

function resolvePath(root: unknown, steps: ReadonlyArray<string | number>): Value {
  let value: unknown = root;
  for (const step of steps) {
    if (value === null || typeof value !== 'object') return undefined;
    // Own properties only: `data.constructor` or `data.__proto__` must not reach Object's internals.
    if (!Object.hasOwn(value, step)) return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}

function compare(op: CompareOp, a: Value, b: Value): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '~':
      if (typeof a === 'string' && typeof b === 'string') return a.includes(b);
      return Array.isArray(a) && a.includes(b);
    default: {
      const comparable = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
      if (!comparable) return false;
      const x = a as number | string;
      const y = b as number | string;
      return op === '>' ? x > y : op === '>=' ? x >= y : op === '<' ? x < y : x <= y;
    }
  }
}

function truthy(value: Value): boolean {
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}
