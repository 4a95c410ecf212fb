import { jsonEqual } from './flow-request.js';
import { type Getter, parseTemplate, type Run, TemplateError, type VarRef } from './flow-template.js';

/**
 * Conditions of YAML flows (`if:` steps, a request's `if:`), Artillery's ifTrue made explicit:
 *
 *   "${status} == 'active' and ${count} > 3"      "not ${token}"      "(a or b) and row.n >= 2"
 *
 * Operands: `${name}` (or `{{ name }}`), bare names (`token`, `row.col`, `vu.id`), numbers,
 * 'quoted' or "quoted" strings, true, false. Operators: == != < <= > >=, and, or, not (also
 * && || !), parentheses. A lone operand holds when it is set and not '', 0, false or an empty list;
 * an unset variable is "not set" (false), never an error, so `if: "${token}"` tests a capture.
 *
 * Parsed when the file is checked (parseCondition: syntax), resolved when the flow compiles
 * (compileCondition: every name must be known there, as in templates).
 */

export class ConditionError extends TemplateError {}

type Operand =
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'ref'; ref: VarRef; text: string };

export type ConditionNode =
  | Operand
  | { kind: 'not'; arg: ConditionNode }
  | { kind: 'and' | 'or'; left: ConditionNode; right: ConditionNode }
  | { kind: 'cmp'; op: CmpOp; left: Operand; right: Operand };

type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A parsed condition, with its text for messages. */
export interface Condition {
  source: string;
  node: ConditionNode;
}

interface Token {
  type: 'op' | 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'operand';
  text: string;
  at: number;
  operand?: Operand;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*/;
const NUMBER = /^-?\d+(?:\.\d+)?(?![A-Za-z0-9_])/;
const GRAMMAR =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a YAML template, shown in the hint.
  "operands: ${name}, bare names (row.col), numbers, 'text', true, false; operators: == != < <= > >=, and, or, not, ( )";

function fail(source: string, message: string, at?: number): never {
  const where = at === undefined ? '' : ` at character ${at + 1}`;
  throw new ConditionError(`condition ${JSON.stringify(source)}: ${message}${where}`, GRAMMAR);
}

function refOperand(source: string, text: string, at: number): Operand {
  let parts: ReturnType<typeof parseTemplate>;
  try {
    parts = parseTemplate(text);
  } catch (e) {
    if (e instanceof TemplateError) fail(source, e.message, at);
    throw e;
  }
  if (parts.length !== 1 || typeof parts[0] === 'string') fail(source, `${text} is not one variable`, at);
  return { kind: 'ref', ref: parts[0] as VarRef, text };
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    const op = /^(==|!=|<=|>=|<|>|&&|\|\||!|=)/.exec(rest)?.[0];
    if (op !== undefined) {
      if (op === '=') fail(source, "'=' is not a comparison; write ==", i);
      if (op === '&&') tokens.push({ type: 'and', text: op, at: i });
      else if (op === '||') tokens.push({ type: 'or', text: op, at: i });
      else if (op === '!') tokens.push({ type: 'not', text: op, at: i });
      else tokens.push({ type: 'op', text: op, at: i });
      i += op.length;
      continue;
    }
    const ch = source[i]!;
    if (ch === '(' || ch === ')') {
      tokens.push({ type: ch === '(' ? 'lparen' : 'rparen', text: ch, at: i });
      i++;
      continue;
    }
    if (rest.startsWith('${') || rest.startsWith('{{')) {
      const close = rest.startsWith('${') ? rest.indexOf('}') : rest.indexOf('}}');
      if (close < 0) fail(source, `'${rest.slice(0, 2)}' is never closed`, i);
      const text = rest.slice(0, close + (rest.startsWith('${') ? 1 : 2));
      tokens.push({ type: 'operand', text, at: i, operand: refOperand(source, text, i) });
      i += text.length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let value = '';
      while (j < source.length && source[j] !== ch) {
        if (source[j] === '\\' && j + 1 < source.length) j++;
        value += source[j];
        j++;
      }
      if (j >= source.length) fail(source, `the text started with ${ch} is never closed`, i);
      tokens.push({
        type: 'operand',
        text: source.slice(i, j + 1),
        at: i,
        operand: { kind: 'literal', value },
      });
      i = j + 1;
      continue;
    }
    const num = NUMBER.exec(rest)?.[0];
    if (num !== undefined) {
      tokens.push({ type: 'operand', text: num, at: i, operand: { kind: 'literal', value: Number(num) } });
      i += num.length;
      continue;
    }
    const name = NAME.exec(rest)?.[0];
    if (name !== undefined) {
      const lower = name.toLowerCase();
      if (lower === 'and' || lower === 'or' || lower === 'not')
        tokens.push({ type: lower, text: name, at: i });
      else if (name === 'true' || name === 'false')
        tokens.push({
          type: 'operand',
          text: name,
          at: i,
          operand: { kind: 'literal', value: name === 'true' },
        });
      else tokens.push({ type: 'operand', text: name, at: i, operand: refOperand(source, `\${${name}}`, i) });
      i += name.length;
      continue;
    }
    fail(source, `unexpected ${JSON.stringify(ch)}`, i);
  }
  return tokens;
}

/** Parses a condition's text; throws ConditionError naming the problem and where. */
export function parseCondition(source: string): Condition {
  const tokens = tokenize(source);
  if (tokens.length === 0) fail(source, 'the condition is empty');
  let pos = 0;
  const peek = () => tokens[pos];
  const describe = (t: Token | undefined) => (t === undefined ? 'the end' : `'${t.text}'`);

  const orExpr = (): ConditionNode => {
    let left = andExpr();
    while (peek()?.type === 'or') {
      pos++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): ConditionNode => {
    let left = notExpr();
    while (peek()?.type === 'and') {
      pos++;
      left = { kind: 'and', left, right: notExpr() };
    }
    return left;
  };
  const notExpr = (): ConditionNode => {
    if (peek()?.type === 'not') {
      pos++;
      return { kind: 'not', arg: notExpr() };
    }
    return comparison();
  };
  const operand = (): Operand => {
    const t = peek();
    if (t?.type !== 'operand') fail(source, `expected a value, found ${describe(t)}`, t?.at);
    pos++;
    return t.operand!;
  };
  const comparison = (): ConditionNode => {
    const t = peek();
    if (t?.type === 'lparen') {
      pos++;
      const inner = orExpr();
      const close = peek();
      if (close?.type !== 'rparen')
        fail(source, `expected ')', found ${describe(close)}`, close?.at ?? source.length - 1);
      pos++;
      return inner;
    }
    const left = operand();
    const op = peek();
    if (op?.type !== 'op') return left;
    pos++;
    return { kind: 'cmp', op: op.text as CmpOp, left, right: operand() };
  };

  const node = orExpr();
  if (pos < tokens.length) {
    const t = tokens[pos]!;
    fail(
      source,
      `unexpected '${t.text}'${t.type === 'operand' ? ' (a value after a value: and, or or a comparison is missing)' : ''}`,
      t.at,
    );
  }
  return { source, node };
}

/** What was not set reads as this: false alone, equal to nothing. */
const UNSET = Symbol('unset');

function truthy(v: unknown): boolean {
  if (v === UNSET || v === undefined || v === null) return false;
  if (v === '' || v === 0 || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === UNSET || b === UNSET) return a === b;
  if (jsonEqual(a, b)) return true;
  // A CSV field or env value is text: '3' equals 3, 'true' equals true.
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b);
  return false;
}

function compare(op: CmpOp, a: unknown, b: unknown): boolean {
  if (op === '==') return equal(a, b);
  if (op === '!=') return !equal(a, b);
  const na = asNumber(a);
  const nb = asNumber(b);
  let c: number;
  if (na !== undefined && nb !== undefined) c = na - nb;
  else if (typeof a === 'string' && typeof b === 'string') c = a < b ? -1 : a > b ? 1 : 0;
  else return false;
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c >= 0;
  }
}

/**
 * Resolves a parsed condition's names with `resolve` (which throws TemplateError for a name
 * unknown at this point of the flow) into a test run per iteration.
 */
export function compileCondition(
  condition: Condition,
  resolve: (ref: VarRef) => Getter,
): (run: Run) => boolean {
  const value = (o: Operand): ((run: Run) => unknown) => {
    if (o.kind === 'literal') {
      const v = o.value;
      return () => v;
    }
    let get: Getter;
    try {
      get = resolve(o.ref);
    } catch (e) {
      if (e instanceof TemplateError)
        throw new ConditionError(`condition ${JSON.stringify(condition.source)}: ${e.message}`, e.hint);
      throw e;
    }
    return (run) => {
      try {
        return get(run);
      } catch {
        // Not set (a capture of a step that did not run, an unset env variable): false, not a failure.
        return UNSET;
      }
    };
  };
  const build = (n: ConditionNode): ((run: Run) => boolean) => {
    switch (n.kind) {
      case 'literal':
      case 'ref': {
        const v = value(n);
        return (run) => truthy(v(run));
      }
      case 'not': {
        const arg = build(n.arg);
        return (run) => !arg(run);
      }
      case 'and': {
        const l = build(n.left);
        const r = build(n.right);
        return (run) => l(run) && r(run);
      }
      case 'or': {
        const l = build(n.left);
        const r = build(n.right);
        return (run) => l(run) || r(run);
      }
      case 'cmp': {
        const l = value(n.left);
        const r = value(n.right);
        const op = n.op;
        return (run) => compare(op, l(run), r(run));
      }
    }
  };
  return build(condition.node);
}
