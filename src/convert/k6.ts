import * as acorn from 'acorn';
import { emitYaml, Note, Todo, todoLines } from './emit-yaml.js';
import { type Conversion, ConvertError, type ConvertTodo } from './types.js';

/**
 * k6 script → squall YAML test. The script is parsed with acorn (a real JavaScript parser) and
 * only its declarative parts are read: `export const options`, and the HTTP calls, checks, sleeps
 * and groups of the default function (and of setup, teardown and scenario `exec` functions).
 * Nothing is run. What has no squall YAML equivalent (logic, custom metrics, SharedArray, open())
 * becomes a Todo holding the original code.
 */

type Expr = acorn.Expression;
type Step = Record<string, unknown> | Todo | Note;

/** What a name in a function's scope stands for. */
type Local =
  | { kind: 'response'; step: Record<string, unknown> }
  /** A value a template can embed (a capture, the setup data's field): `${name}`. */
  | { kind: 'template'; text: string }
  /** A static value (an object, a string), as squall would write it. */
  | { kind: 'value'; value: unknown }
  /** JSON.stringify(value): a json: body. */
  | { kind: 'json'; value: unknown }
  /** The setup() data parameter: `data.x` is the before-capture x. */
  | { kind: 'data' };

type Scope = Map<string, Local>;

const FAIL = Symbol('not static');
type Out = unknown | typeof FAIL;

const SCENARIO_PARAMS = new Set([
  'executor',
  'vus',
  'duration',
  'iterations',
  'maxDuration',
  'startVUs',
  'stages',
  'gracefulRampDown',
  'rate',
  'timeUnit',
  'preAllocatedVUs',
  'maxVUs',
  'startRate',
  'startTime',
  'gracefulStop',
  'tags',
]);

const METHODS: Record<string, string> = {
  get: 'get',
  post: 'post',
  put: 'put',
  patch: 'patch',
  del: 'delete',
  head: 'head',
};

export function convertK6(text: string, file: string): Conversion {
  let program: acorn.Program;
  try {
    program = acorn.parse(text, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  } catch (e) {
    const err = e as SyntaxError & { loc?: { line: number; column: number } };
    throw new ConvertError(
      `${file} does not parse as JavaScript: ${err.message.replace(/ \(\d+:\d+\)$/, '')}`,
      err.loc?.line,
    );
  }
  return new K6(text, file).convert(program);
}

class K6 {
  private readonly translated: string[] = [];
  private readonly todos: ConvertTodo[] = [];
  /** Todos with no place in the model: written above it. */
  private readonly topTodos: Todo[] = [];
  private readonly consts: Scope = new Map();
  private readonly functions = new Map<string, acorn.Function>();
  /** setup()'s returned field → the before-capture it holds. */
  private readonly setupData = new Map<string, string>();
  private target: string | undefined;
  private requests = 0;
  /** Top-level custom metrics (Counter, Trend, …): their .add() calls are TODOs that say so. */
  private readonly metrics = new Set<string>();

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  convert(program: acorn.Program): Conversion {
    let options: acorn.ObjectExpression | undefined;
    let defaultFn: acorn.Function | undefined;
    for (const node of program.body) {
      if (node.type === 'ImportDeclaration') continue;
      if (node.type === 'ExportDefaultDeclaration') {
        const d = node.declaration;
        if (
          d.type === 'FunctionDeclaration' ||
          d.type === 'FunctionExpression' ||
          d.type === 'ArrowFunctionExpression'
        )
          defaultFn = d;
        else this.top(node, 'a default export that is not a function');
        continue;
      }
      const decl = node.type === 'ExportNamedDeclaration' ? node.declaration : node;
      if (decl?.type === 'FunctionDeclaration') {
        this.functions.set(decl.id.name, decl);
        continue;
      }
      if (decl?.type === 'VariableDeclaration') {
        for (const d of decl.declarations) {
          if (d.id.type !== 'Identifier' || !d.init) {
            this.top(d, 'a declaration squall cannot read');
            continue;
          }
          const name = d.id.name;
          if (name === 'options' && d.init.type === 'ObjectExpression') options = d.init;
          else if (d.init.type === 'ArrowFunctionExpression' || d.init.type === 'FunctionExpression')
            this.functions.set(name, d.init);
          else this.constant(name, d.init, decl);
        }
        continue;
      }
      this.top(node, 'top-level code');
    }
    if (!defaultFn && !options)
      throw new ConvertError(`${this.file} has neither export const options nor export default function`, 1);

    // target first in the file, known only once the URLs have been read.
    const model: Record<string, unknown> = { target: undefined };
    const setup = this.functions.get('setup');
    const teardown = this.functions.get('teardown');
    // setup first: its captures are what `data.x` stands for in the other functions.
    const before = setup ? this.flowOf(setup, 'setup') : undefined;
    const after = teardown ? this.flowOf(teardown, 'teardown') : undefined;
    const flows = new Map<string, Step[]>();
    const flowFor = (name: string): Step[] | Todo => {
      const fn = name === 'default' ? defaultFn : this.functions.get(name);
      if (!fn) return this.todoAt(1, `the function '${name}' is not in this file`, name);
      if (!flows.has(name)) flows.set(name, this.flowOf(fn, name));
      return flows.get(name)!;
    };

    const opts: ReturnType<K6['options']> = options ? this.options(options) : { top: {} };
    if (opts.defaults) model.defaults = opts.defaults;
    for (const k of [
      'insecureSkipTLSVerify',
      'discardResponseBodies',
      'vus',
      'duration',
      'iterations',
      'stages',
    ])
      if (opts.top[k] !== undefined) model[k] = opts.top[k];
    if (opts.scenarios) {
      const scenarios: Record<string, unknown> = {};
      for (const [name, s] of Object.entries(opts.scenarios)) {
        if (s instanceof Todo) {
          scenarios[name] = s;
          continue;
        }
        const exec = typeof s.exec === 'string' ? s.exec : 'default';
        delete s.exec;
        scenarios[name] = { ...s, users: [{ name: exec, flow: flowFor(exec) }] };
      }
      model.scenarios = scenarios;
    } else {
      model.users = [{ name: 'default', flow: defaultFn ? flowFor('default') : [] }];
    }
    if (before) {
      model.before = before;
      this.translated.push(`setup() → before: (${before.length} step${before.length === 1 ? '' : 's'})`);
    }
    if (after) {
      model.after = after;
      this.translated.push(`teardown() → after: (${after.length} step${after.length === 1 ? '' : 's'})`);
    }
    if (opts.thresholds) model.thresholds = opts.thresholds;
    model.target = this.target;
    if (this.requests > 0)
      this.translated.push(`${this.requests} HTTP request${this.requests === 1 ? '' : 's'} → request steps`);

    const header = [
      `converted from ${this.file} (k6) by squall convert.`,
      'Every TODO(convert) below is a part of the script squall could not translate: finish it by hand.',
    ];
    const lines = this.topTodos.flatMap((t) => todoLines(t));
    let yaml = emitYaml(model, header);
    if (lines.length > 0) {
      const at = yaml.split('\n').findIndex((l) => !l.startsWith('#'));
      const all = yaml.split('\n');
      all.splice(at, 0, ...lines);
      yaml = all.join('\n');
    }
    return { source: 'k6', format: 'yaml', text: yaml, translated: this.translated, todos: this.todos };
  }

  // ---- helpers -------------------------------------------------------------------------------

  private src(node: acorn.Node): string {
    return this.text.slice(node.start, node.end);
  }

  private lineOf(node: acorn.Node): number {
    return node.loc?.start.line ?? 1;
  }

  private todoAt(line: number, what: string, original: string): Todo {
    this.todos.push({ line, what });
    return new Todo(what, original, line);
  }

  private todo(node: acorn.Node, what: string): Todo {
    return this.todoAt(this.lineOf(node), what, this.src(node));
  }

  private top(node: acorn.Node, what: string): void {
    this.topTodos.push(this.todo(node, what));
  }

  /** A top-level `const NAME = …`: a value later code may use, or a Todo. */
  private constant(name: string, init: Expr, decl: acorn.Node): void {
    if (init.type === 'NewExpression' && init.callee.type === 'Identifier') {
      if (['Counter', 'Trend', 'Rate', 'Gauge'].includes(init.callee.name)) this.metrics.add(name);
      const what =
        init.callee.name === 'SharedArray'
          ? 'test data in a SharedArray: declare it under feeders: (a CSV or JSON file) and read it with a feed step'
          : ['Counter', 'Trend', 'Rate', 'Gauge'].includes(init.callee.name)
            ? `a custom metric (${init.callee.name}): squall's YAML flows have none; a TypeScript test can declare it`
            : `new ${init.callee.name}(…)`;
      this.top(decl, what);
      return;
    }
    const v = this.value(init, new Map());
    if (v === FAIL) {
      this.top(
        decl,
        /\bopen\(/.test(this.src(init)) ? 'a file read with open(): use a feeder' : `the value of ${name}`,
      );
      return;
    }
    this.consts.set(
      name,
      typeof v === 'string' ? { kind: 'template', text: v } : { kind: 'value', value: v },
    );
  }

  /** An expression as squall would write it: literals, objects, lists, and strings with ${…}. */
  private value(node: Expr | acorn.SpreadElement | acorn.PrivateIdentifier | acorn.Super, scope: Scope): Out {
    switch (node.type) {
      case 'Literal':
        return node.regex || typeof node.value === 'bigint' ? FAIL : node.value;
      case 'TemplateLiteral': {
        let s = '';
        for (let i = 0; i < node.quasis.length; i++) {
          s += (node.quasis[i]!.value.cooked ?? '').replace(/\$\{/g, () => '$${');
          const e = node.expressions[i];
          if (e) {
            const t = this.template(e, scope);
            if (t === FAIL) return FAIL;
            s += t;
          }
        }
        return s;
      }
      case 'ArrayExpression': {
        const out: unknown[] = [];
        for (const el of node.elements) {
          if (!el) return FAIL;
          const v = this.value(el, scope);
          if (v === FAIL) return FAIL;
          out.push(v);
        }
        return out;
      }
      case 'ObjectExpression': {
        const out: Record<string, unknown> = {};
        for (const p of node.properties) {
          if (p.type !== 'Property' || p.computed || p.kind !== 'init') return FAIL;
          const key =
            p.key.type === 'Identifier'
              ? p.key.name
              : p.key.type === 'Literal'
                ? String(p.key.value)
                : undefined;
          if (key === undefined) return FAIL;
          const v = this.value(p.value as Expr, scope);
          if (v === FAIL) return FAIL;
          out[key] = v;
        }
        return out;
      }
      case 'UnaryExpression':
        if (
          node.operator === '-' &&
          node.argument.type === 'Literal' &&
          typeof node.argument.value === 'number'
        )
          return -node.argument.value;
        return FAIL;
      case 'Identifier': {
        const l = scope.get(node.name) ?? this.consts.get(node.name);
        if (l?.kind === 'value') return l.value;
        if (l?.kind === 'template') return l.text;
        return FAIL;
      }
      default: {
        const t = this.template(node as Expr, scope);
        return t;
      }
    }
  }

  /** An expression inside a string: `${env.X}`, `${capture}`, a constant's text, a random helper. */
  private template(e: Expr, scope: Scope): string | typeof FAIL {
    if (e.type === 'Literal' && (typeof e.value === 'string' || typeof e.value === 'number'))
      return String(e.value);
    if (e.type === 'Identifier') {
      const l = scope.get(e.name) ?? this.consts.get(e.name);
      if (l?.kind === 'template') return l.text;
      if (l?.kind === 'value' && (typeof l.value === 'string' || typeof l.value === 'number'))
        return String(l.value);
      return FAIL;
    }
    if (e.type === 'MemberExpression' && !e.computed && e.property.type === 'Identifier') {
      if (e.object.type === 'Identifier' && e.object.name === '__ENV') return `\${env.${e.property.name}}`;
      if (e.object.type === 'Identifier' && scope.get(e.object.name)?.kind === 'data')
        return `\${${this.setupData.get(e.property.name) ?? e.property.name}}`;
      return FAIL;
    }
    if (e.type === 'LogicalExpression' && (e.operator === '||' || e.operator === '??')) {
      const left = this.template(e.left, scope);
      const right = this.template(e.right, scope);
      const env = typeof left === 'string' ? /^\$\{env\.(\w+)\}$/.exec(left) : null;
      if (env && typeof right === 'string' && !right.includes('}')) return `\${env.${env[1]}:-${right}}`;
      return FAIL;
    }
    if (e.type === 'BinaryExpression' && e.operator === '+' && e.left.type !== 'PrivateIdentifier') {
      const l = this.template(e.left, scope);
      const r = this.template(e.right, scope);
      return l === FAIL || r === FAIL ? FAIL : l + r;
    }
    if (e.type === 'TemplateLiteral') {
      const v = this.value(e, scope);
      return typeof v === 'string' ? v : FAIL;
    }
    if (e.type === 'CallExpression' && e.callee.type === 'Identifier') {
      const args = e.arguments.map((a) => (a.type === 'SpreadElement' ? FAIL : this.value(a, scope)));
      if (args.includes(FAIL)) return FAIL;
      switch (e.callee.name) {
        case 'randomIntBetween':
          return args.length === 2 ? `\${random.int(${args[0]},${args[1]})}` : FAIL;
        case 'uuidv4':
          return '$' + '{random.uuid}';
        case 'randomString':
          return args.length >= 1 && typeof args[0] === 'number' ? `\${random.string(${args[0]})}` : FAIL;
        case 'randomItem': {
          const list = args[0];
          if (Array.isArray(list) && list.every((x) => typeof x === 'string' && !/['${}]/.test(x)))
            return `\${random.pick(${list.map((x) => `'${x}'`).join(',')})}`;
          const a = e.arguments[0];
          if (a?.type === 'Identifier') return `\${random.pick(${a.name})}`;
          return FAIL;
        }
        case 'encodeURIComponent':
          return args.length === 1 && typeof args[0] === 'string' && !args[0].includes('${')
            ? encodeURIComponent(args[0])
            : FAIL;
      }
    }
    return FAIL;
  }

  /** A URL: the target's part goes to `target:`, the path stays. */
  private url(node: Expr, scope: Scope): string | typeof FAIL {
    const s = this.value(node, scope);
    if (typeof s !== 'string') return FAIL;
    const m = /^(\$\{env\.\w+(?::-[^}]*)?\}|https?:\/\/[^/?#]+)(.*)$/.exec(s);
    if (!m) return s;
    const base = m[1]!.replace(/\/$/, '');
    this.target ??= base;
    if (base !== this.target) return s;
    const path = m[2] === '' ? '/' : m[2]!;
    return path.startsWith('/') ? path : `/${path}`;
  }

  // ---- options -------------------------------------------------------------------------------

  private options(node: acorn.ObjectExpression): {
    top: Record<string, unknown>;
    defaults?: Record<string, unknown>;
    scenarios?: Record<string, Record<string, unknown> | Todo>;
    thresholds?: Record<string, unknown>;
  } {
    const out: ReturnType<K6['options']> = { top: {} };
    let tags: Record<string, unknown> | undefined;
    for (const p of node.properties) {
      if (p.type !== 'Property' || p.computed) {
        this.top(p, 'an option squall cannot read');
        continue;
      }
      const key = p.key.type === 'Identifier' ? p.key.name : String((p.key as acorn.Literal).value);
      const v = this.value(p.value as Expr, new Map());
      if (v === FAIL) {
        this.top(p, `the option ${key} is computed: write its value`);
        continue;
      }
      switch (key) {
        case 'vus':
        case 'duration':
        case 'iterations':
        case 'insecureSkipTLSVerify':
        case 'discardResponseBodies':
          out.top[key] = v;
          this.translated.push(`options.${key}`);
          break;
        case 'stages':
          out.top.stages = v;
          this.translated.push(
            `options.stages (${Array.isArray(v) ? v.length : '?'} stages) → stages: (ramping-vus)`,
          );
          break;
        case 'maxRedirects':
          out.defaults = { ...out.defaults, redirects: v };
          this.translated.push('options.maxRedirects → defaults.redirects');
          break;
        case 'thresholds':
          out.thresholds = v as Record<string, unknown>;
          this.translated.push(
            `options.thresholds (${Object.keys(v as object).length} metrics) → thresholds: (same syntax)`,
          );
          break;
        case 'tags':
          tags = v as Record<string, unknown>;
          break;
        case 'scenarios':
          out.scenarios = this.scenarios(
            p.value as acorn.ObjectExpression,
            v as Record<string, Record<string, unknown>>,
          );
          break;
        default:
          this.top(p, `the k6 option ${key}: squall has no such key in a test file`);
      }
    }
    if (tags) {
      if (out.scenarios) {
        for (const s of Object.values(out.scenarios))
          if (!(s instanceof Todo)) s.tags = { ...tags, ...(s.tags as object | undefined) };
        this.translated.push("options.tags → each scenario's tags");
      } else {
        const p = node.properties.find(
          (x) => x.type === 'Property' && x.key.type === 'Identifier' && x.key.name === 'tags',
        )!;
        this.top(
          p,
          'test-wide tags: squall puts tags on scenarios (write the load as a scenario with tags:)',
        );
      }
    }
    return out;
  }

  private scenarios(
    node: acorn.ObjectExpression,
    values: Record<string, Record<string, unknown>>,
  ): Record<string, Record<string, unknown> | Todo> {
    const out: Record<string, Record<string, unknown> | Todo> = {};
    for (const p of node.properties) {
      if (p.type !== 'Property') continue;
      const name = p.key.type === 'Identifier' ? p.key.name : String((p.key as acorn.Literal).value);
      const s = values[name]!;
      const kept: Record<string, unknown> = {};
      const dropped: string[] = [];
      for (const [k, v] of Object.entries(s)) {
        if (SCENARIO_PARAMS.has(k) || k === 'exec') kept[k] = v;
        else dropped.push(k);
      }
      if (kept.executor === 'externally-controlled') {
        out[name] = this.todo(p, 'the externally-controlled executor (removed in k6 v2): choose another');
        continue;
      }
      if (dropped.length > 0) {
        const prop = (p.value as acorn.ObjectExpression).properties.find(
          (x) => x.type === 'Property' && x.key.type === 'Identifier' && dropped.includes(x.key.name),
        );
        this.top(
          prop ?? p,
          `scenario ${name}'s ${dropped.join(', ')}: squall's scenarios have no such parameter`,
        );
      }
      out[name] = kept;
      this.translated.push(
        `scenario ${name} (${String(kept.executor)})${kept.exec ? ` running ${String(kept.exec)}()` : ''}`,
      );
    }
    return out;
  }

  // ---- functions → flows ---------------------------------------------------------------------

  private flowOf(fn: acorn.Function, name: string): Step[] {
    const scope: Scope = new Map();
    const param = fn.params[0];
    if (param?.type === 'Identifier') scope.set(param.name, { kind: 'data' });
    if (fn.body.type !== 'BlockStatement') {
      return [this.todo(fn.body, `the body of ${name}() is an expression`)];
    }
    const steps: Step[] = [];
    for (const s of fn.body.body) this.statement(s, steps, scope, name === 'setup');
    return steps;
  }

  private statement(s: acorn.Statement, steps: Step[], scope: Scope, inSetup: boolean): void {
    switch (s.type) {
      case 'EmptyStatement':
        return;
      case 'VariableDeclaration':
        for (const d of s.declarations) this.declare(d, steps, scope);
        return;
      case 'ExpressionStatement': {
        const e = s.expression;
        if (e.type === 'CallExpression' && this.call(e, steps, scope)) return;
        const metric =
          e.type === 'CallExpression' &&
          e.callee.type === 'MemberExpression' &&
          e.callee.object.type === 'Identifier' &&
          this.metrics.has(e.callee.object.name)
            ? e.callee.object.name
            : undefined;
        steps.push(
          this.todo(
            s,
            metric ? `a value added to the custom metric ${metric}` : 'code squall cannot translate',
          ),
        );
        return;
      }
      case 'ForStatement': {
        const n = this.forCount(s);
        if (n !== undefined) {
          const body: Step[] = [];
          const inner = s.body.type === 'BlockStatement' ? s.body.body : [s.body];
          for (const x of inner) this.statement(x, body, scope, inSetup);
          steps.push({ loop: body, count: n });
          this.translated.push(`a for loop of ${n} (line ${this.lineOf(s)}) → loop: count: ${n}`);
          return;
        }
        steps.push(this.todo(s, 'a loop with logic: squall YAML has loop: (count/over) and if:'));
        return;
      }
      case 'BlockStatement':
        for (const x of s.body) this.statement(x, steps, scope, inSetup);
        return;
      case 'ReturnStatement':
        if (inSetup && s.argument?.type === 'ObjectExpression') {
          for (const p of s.argument.properties) {
            if (p.type !== 'Property' || p.key.type !== 'Identifier') continue;
            const v = p.value.type === 'Identifier' ? scope.get(p.value.name) : undefined;
            const m = v?.kind === 'template' ? /^\$\{(\w+)\}$/.exec(v.text) : null;
            if (m) this.setupData.set(p.key.name, m[1]!);
            else steps.push(this.todo(p, `setup data '${p.key.name}': only captured values reach the users`));
          }
          return;
        }
        if (!s.argument) return;
        steps.push(this.todo(s, 'a return with a value'));
        return;
      default:
        steps.push(
          this.todo(
            s,
            s.type === 'IfStatement'
              ? "a condition in code: squall YAML has if: on captured values (if: x == 'y')"
              : 'code squall cannot translate',
          ),
        );
    }
  }

  /** `for (let i = 0; i < N; i++)` with a literal N. */
  private forCount(s: acorn.ForStatement): number | undefined {
    const init = s.init?.type === 'VariableDeclaration' ? s.init.declarations[0] : undefined;
    if (init?.init?.type !== 'Literal' || init.init.value !== 0) return undefined;
    const t = s.test;
    if (t?.type !== 'BinaryExpression' || t.operator !== '<' || t.right.type !== 'Literal') return undefined;
    if (typeof t.right.value !== 'number' || s.update?.type !== 'UpdateExpression') return undefined;
    // The counter may not be read inside: the loop step has no index.
    const name = init.id.type === 'Identifier' ? init.id.name : '';
    if (new RegExp(`\\b${name}\\b`).test(this.src(s.body))) return undefined;
    return t.right.value;
  }

  private declare(d: acorn.VariableDeclarator, steps: Step[], scope: Scope): void {
    const init = d.init;
    if (d.id.type !== 'Identifier' || !init) {
      steps.push(this.todo(d, 'a declaration squall cannot translate'));
      return;
    }
    const name = d.id.name;
    if (init.type === 'CallExpression') {
      const req = this.httpCall(init, scope);
      if (req) {
        steps.push(req);
        if (!(req instanceof Todo)) scope.set(name, { kind: 'response', step: req });
        return;
      }
      const jsonArg = isCall(init, 'JSON', 'stringify') ? init.arguments[0] : undefined;
      if (jsonArg && jsonArg.type !== 'SpreadElement') {
        const v = this.value(jsonArg, scope);
        if (v !== FAIL) {
          scope.set(name, { kind: 'json', value: v });
          return;
        }
      }
    }
    const cap = this.capture(init, scope);
    if (cap) {
      const caps = cap.step.capture;
      cap.step.capture =
        caps === undefined ? { ...cap.spec, as: name } : [...asList(caps), { ...cap.spec, as: name }];
      scope.set(name, { kind: 'template', text: `\${${name}}` });
      this.translated.push(`${this.src(init)} → capture ${name}`);
      return;
    }
    const v = this.value(init, scope);
    if (v !== FAIL) {
      scope.set(name, typeof v === 'string' ? { kind: 'template', text: v } : { kind: 'value', value: v });
      return;
    }
    steps.push(this.todo(d, `the value of ${name}`));
  }

  /** `res.json('a.b')`, `res.json().a.b`, `res.headers['X']`: a capture on res's step. */
  private capture(
    e: Expr,
    scope: Scope,
  ): { step: Record<string, unknown>; spec: Record<string, unknown> } | undefined {
    const respOf = (x: Expr | acorn.Super) =>
      x.type === 'Identifier' && scope.get(x.name)?.kind === 'response'
        ? (scope.get(x.name) as { step: Record<string, unknown> }).step
        : undefined;
    // res.json('a.b')
    if (e.type === 'CallExpression' && e.callee.type === 'MemberExpression' && !e.callee.computed) {
      const step = respOf(e.callee.object);
      const prop = e.callee.property;
      if (step && prop.type === 'Identifier' && prop.name === 'json') {
        const a = e.arguments[0];
        if (!a) return { step, spec: { json: '$' } };
        if (a.type === 'Literal' && typeof a.value === 'string')
          return { step, spec: { json: gjsonPath(a.value) } };
      }
      return undefined;
    }
    // res.json().a.b / res.headers['X'] / res.headers.X
    const path: string[] = [];
    let x: Expr | acorn.Super = e;
    while (x.type === 'MemberExpression') {
      const p = x.property;
      if (!x.computed && p.type === 'Identifier') path.unshift(p.name);
      else if (
        x.computed &&
        p.type === 'Literal' &&
        (typeof p.value === 'string' || typeof p.value === 'number')
      )
        path.unshift(String(p.value));
      else return undefined;
      const o: Expr | acorn.Super = x.object;
      if (o.type === 'Identifier' && path[0] === 'headers' && path.length === 2) {
        const step = respOf(o);
        return step ? { step, spec: { header: path[1] } } : undefined;
      }
      if (o.type === 'CallExpression' && o.callee.type === 'MemberExpression' && o.arguments.length === 0) {
        const step = respOf(o.callee.object);
        const m = o.callee.property;
        if (step && m.type === 'Identifier' && m.name === 'json')
          return {
            step,
            spec: { json: `$${path.map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`)).join('')}` },
          };
        return undefined;
      }
      x = o;
    }
    return undefined;
  }

  /** A statement-level call: http.*, check, sleep, group. False when it is none of them. */
  private call(e: acorn.CallExpression, steps: Step[], scope: Scope): boolean {
    const req = this.httpCall(e, scope);
    if (req) {
      steps.push(req);
      return true;
    }
    if (isCall(e, 'http', 'batch')) {
      const list = e.arguments[0];
      if (list?.type !== 'ArrayExpression') {
        steps.push(this.todo(e, 'http.batch with requests built in code'));
        return true;
      }
      steps.push(
        new Note(`http.batch (line ${this.lineOf(e)}): k6 sent these in parallel; squall sends them in turn`),
      );
      for (const item of list.elements) {
        if (item?.type === 'ArrayExpression' && item.elements[0]?.type === 'Literal') {
          const [m, ...rest] = item.elements;
          steps.push(
            this.request(String((m as acorn.Literal).value).toLowerCase(), rest as Expr[], item, scope),
          );
        } else if (item && item.type !== 'SpreadElement') {
          steps.push(this.request('get', [item], item, scope));
        }
      }
      return true;
    }
    if (e.callee.type !== 'Identifier') return false;
    switch (e.callee.name) {
      case 'sleep': {
        const t = this.think(e.arguments[0], scope);
        steps.push(t === FAIL ? this.todo(e, 'a computed sleep') : { think: t });
        return true;
      }
      case 'check':
        this.check(e, steps, scope);
        return true;
      case 'group': {
        const [nameNode, fn] = e.arguments;
        if (
          nameNode?.type !== 'Literal' ||
          (fn?.type !== 'ArrowFunctionExpression' && fn?.type !== 'FunctionExpression')
        )
          return false;
        steps.push(new Note(`group: ${String(nameNode.value)}`));
        if (fn.body.type === 'BlockStatement')
          for (const s of fn.body.body) this.statement(s, steps, scope, false);
        else steps.push(this.todo(fn.body, 'a group whose body is an expression'));
        this.translated.push(`group '${String(nameNode.value)}' → its steps, in line`);
        return true;
      }
    }
    return false;
  }

  private think(a: acorn.Node | undefined, scope: Scope): number | string | typeof FAIL {
    if (!a) return FAIL;
    const e = a as Expr;
    if (e.type === 'Literal' && typeof e.value === 'number') return e.value;
    if (
      e.type === 'CallExpression' &&
      e.callee.type === 'Identifier' &&
      e.callee.name === 'randomIntBetween'
    ) {
      const [lo, hi] = e.arguments.map((x) => this.value(x as Expr, scope));
      if (typeof lo === 'number' && typeof hi === 'number') return `${lo}s..${hi}s`;
    }
    // Math.random() * N  (+ M)
    const src = this.src(e).replace(/\s+/g, '');
    const m = /^(?:(\d+(?:\.\d+)?)\+)?Math\.random\(\)\*(\d+(?:\.\d+)?)(?:\+(\d+(?:\.\d+)?))?$/.exec(src);
    if (m) {
      const base = Number(m[1] ?? m[3] ?? 0);
      return `${base}s..${base + Number(m[2])}s`;
    }
    const v = this.value(e, scope);
    return typeof v === 'number' ? v : FAIL;
  }

  /** `http.get(…)` and its kin, or `http.request('POST', …)`; undefined for other calls. */
  private httpCall(e: acorn.CallExpression, scope: Scope): Record<string, unknown> | Todo | undefined {
    if (e.callee.type !== 'MemberExpression' || e.callee.computed) return undefined;
    const obj = e.callee.object;
    const prop = e.callee.property;
    if (obj.type !== 'Identifier' || obj.name !== 'http' || prop.type !== 'Identifier') return undefined;
    const args = e.arguments as Expr[];
    if (prop.name === 'request') {
      const m = args[0];
      if (m?.type !== 'Literal' || typeof m.value !== 'string')
        return this.todo(e, 'http.request with a computed method');
      return this.request(m.value.toLowerCase(), args.slice(1), e, scope);
    }
    if (prop.name === 'asyncRequest' || prop.name.endsWith('Async'))
      return this.todo(e, 'an async request: squall YAML steps run in turn (write it as a plain request)');
    const method = METHODS[prop.name];
    if (!method) return undefined;
    return this.request(method, args, e, scope);
  }

  /** One request step from k6's (url, [body,] params) arguments. */
  private request(
    method: string,
    args: Expr[],
    node: acorn.Node,
    scope: Scope,
  ): Record<string, unknown> | Todo {
    const verb = method === 'del' ? 'delete' : method;
    if (!Object.values(METHODS).includes(verb)) return this.todo(node, `the ${method.toUpperCase()} method`);
    const hasBody = !['get', 'head'].includes(verb);
    const [urlNode, a1, a2] = args;
    const bodyNode = hasBody ? a1 : undefined;
    const paramsNode = hasBody ? a2 : a1;
    if (!urlNode) return this.todo(node, 'a request without a URL');
    const url = this.url(urlNode, scope);
    if (url === FAIL) return this.todo(node, 'a URL built in code');
    const step: Record<string, unknown> = { [verb]: url };
    if (bodyNode && !(bodyNode.type === 'Literal' && bodyNode.value === null) && !isUndefined(bodyNode)) {
      const body = this.body(bodyNode, scope);
      if (body === FAIL) return this.todo(node, 'a body built in code');
      Object.assign(step, body);
    }
    if (paramsNode && !isUndefined(paramsNode)) {
      const params = this.value(paramsNode, scope);
      if (params === FAIL || typeof params !== 'object' || params === null || Array.isArray(params))
        return this.todo(node, 'request params built in code');
      for (const [k, v] of Object.entries(params)) {
        if (k === 'headers') step.headers = v;
        else if (k === 'tags') {
          const { name, ...rest } = v as Record<string, unknown>;
          if (name !== undefined) step.name = name;
          if (Object.keys(rest).length > 0) step.tags = rest;
        } else if (k === 'redirects') step.redirects = v;
        else if (k === 'timeout') step.timeout = typeof v === 'number' ? `${v}ms` : v;
        else if (k === 'responseType' && (v === 'none' || v === 'text')) step.responseType = v;
        else if (k === 'responseType') continue;
        else return this.todo(node, `the request param ${k}`);
      }
    }
    this.requests++;
    return step;
  }

  private body(n: Expr, scope: Scope): Record<string, unknown> | typeof FAIL {
    if (n.type === 'Identifier') {
      const l = scope.get(n.name) ?? this.consts.get(n.name);
      if (l?.kind === 'json') return { json: l.value };
      if (l?.kind === 'value' && typeof l.value === 'object' && l.value !== null) return { form: l.value };
      if (l?.kind === 'template') return { body: l.text };
      return FAIL;
    }
    if (n.type === 'CallExpression' && isCall(n, 'JSON', 'stringify')) {
      const a = n.arguments[0];
      const v = a && a.type !== 'SpreadElement' ? this.value(a, scope) : FAIL;
      return v === FAIL ? FAIL : { json: v };
    }
    const v = this.value(n, scope);
    if (v === FAIL) return FAIL;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      // k6 sends an object body as a URL-encoded form.
      return { form: v };
    }
    return typeof v === 'string' ? { body: v } : FAIL;
  }

  /** check(res, { 'name': (r) => … }): the predicates squall's check: has, on res's step. */
  private check(e: acorn.CallExpression, steps: Step[], scope: Scope): void {
    const [target, sets] = e.arguments;
    const l = target?.type === 'Identifier' ? scope.get(target.name) : undefined;
    if (l?.kind !== 'response' || sets?.type !== 'ObjectExpression') {
      steps.push(this.todo(e, 'a check on something other than a response'));
      return;
    }
    const check = (l.step.check as Record<string, unknown> | undefined) ?? {};
    const left: acorn.Node[] = [];
    for (const p of sets.properties) {
      const fn = p.type === 'Property' ? p.value : undefined;
      if (fn?.type !== 'ArrowFunctionExpression' && fn?.type !== 'FunctionExpression') {
        left.push(p);
        continue;
      }
      const param = fn.params[0]?.type === 'Identifier' ? fn.params[0].name : '';
      let body: acorn.Node | undefined = fn.body;
      if (body.type === 'BlockStatement') {
        const only = (body as acorn.BlockStatement).body;
        body =
          only.length === 1 && only[0]!.type === 'ReturnStatement'
            ? (only[0].argument ?? undefined)
            : undefined;
      }
      if (!body || !this.predicate(body as Expr, param, check, scope)) left.push(p);
    }
    if (Object.keys(check).length > 0) l.step.check = check;
    const done = sets.properties.length - left.length;
    if (done > 0)
      this.translated.push(
        `check (line ${this.lineOf(e)}): ${done} predicate${done === 1 ? '' : 's'} → check:`,
      );
    for (const p of left) steps.push(this.todo(p, 'a check predicate squall cannot translate'));
  }

  private predicate(b: Expr, r: string, check: Record<string, unknown>, scope: Scope): boolean {
    const s = this.src(b).replace(/\s+/g, '');
    const esc = r.replace(/\$/g, '\\$');
    let m = new RegExp(`^${esc}\\.status===?(\\d{3})$`).exec(s);
    if (m) {
      check.status = Number(m[1]);
      return true;
    }
    m = new RegExp(`^${esc}\\.status===?(\\d{3})(?:\\|\\|${esc}\\.status===?(\\d{3}))+$`).exec(s);
    if (m) {
      check.status = [...s.matchAll(/status===?(\d{3})/g)].map((x) => Number(x[1]));
      return true;
    }
    m = new RegExp(`^${esc}\\.timings\\.duration<=?(\\d+(?:\\.\\d+)?)$`).exec(s);
    if (m) {
      check.maxDuration = `${m[1]}ms`;
      return true;
    }
    if (b.type === 'CallExpression' && b.callee.type === 'MemberExpression') {
      const src = this.src(b.callee.object).replace(/\s+/g, '');
      const prop = b.callee.property;
      const a = b.arguments[0];
      if (
        src === `${r}.body` &&
        prop.type === 'Identifier' &&
        prop.name === 'includes' &&
        a &&
        a.type !== 'SpreadElement'
      ) {
        const v = this.value(a, scope);
        if (typeof v !== 'string') return false;
        const prev = check.bodyContains;
        check.bodyContains = prev === undefined ? v : [...asList(prev), v];
        return true;
      }
    }
    // r.json('a') !== undefined / r.json('a') === 'v' / r.json().a === 'v'
    if (b.type === 'BinaryExpression' && b.left.type !== 'PrivateIdentifier') {
      const path = this.jsonPath(b.left, r);
      if (path === undefined) return false;
      const json = (check.json as Record<string, unknown> | undefined) ?? {};
      if ((b.operator === '!==' || b.operator === '!=') && isUndefined(b.right))
        json[path] = { exists: true };
      else if (b.operator === '===' || b.operator === '==') {
        const v = this.value(b.right, scope);
        if (v === FAIL) return false;
        json[path] = { equals: v };
      } else return false;
      check.json = json;
      return true;
    }
    return false;
  }

  private jsonPath(e: Expr, r: string): string | undefined {
    const s = this.src(e).replace(/\s+/g, '');
    let m = new RegExp(`^${r}\\.json\\((['"])([\\w.\\[\\]]+)\\1\\)$`).exec(s);
    if (m) return gjsonPath(m[2]!);
    m = new RegExp(`^${r}\\.json\\(\\)((?:\\.\\w+|\\[\\d+\\])+)$`).exec(s);
    if (m) return `$${m[1]}`;
    return undefined;
  }
}

/** k6's res.json('a.0.b') path (gjson's dots) as JSONPath: `$.a[0].b`. */
function gjsonPath(p: string): string {
  return `$${p
    .split('.')
    .map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`))
    .join('')}`;
}

function isCall(e: acorn.CallExpression, obj: string, prop: string): boolean {
  return (
    e.callee.type === 'MemberExpression' &&
    e.callee.object.type === 'Identifier' &&
    e.callee.object.name === obj &&
    e.callee.property.type === 'Identifier' &&
    e.callee.property.name === prop
  );
}

function isUndefined(e: acorn.Node): boolean {
  return e.type === 'Identifier' && (e as acorn.Identifier).name === 'undefined';
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}
