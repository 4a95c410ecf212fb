// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are squall's YAML templates, not JS ones.
// biome-ignore-all lint/suspicious/noThenProperty: `then` is the key of squall's if: step.
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';
import { emitYaml, Todo } from './emit-yaml.js';
import { type Conversion, ConvertError, type ConvertTodo } from './types.js';

/**
 * Locust → squall YAML. The locustfile is parsed with a real Python parser (@lezer/python) and
 * its declarative part is translated: each HttpUser class becomes a user type, `@task(w)` methods
 * (or a `tasks` dict) its weighted tasks, `wait_time` its think, `on_start`/`on_stop` its hooks, and
 * `self.client` calls request steps. Statements that are other Python logic are left in place as
 * TODO comments with the original code: the converter never guesses what a loop over computed
 * data or a helper library does.
 */

type Step = Record<string, unknown>;
type Item = Step | Todo;

/** An expression or statement that has no squall equivalent; `why` becomes the TODO's note. */
class Untranslatable extends Error {}

const SESSION_TODO =
  "headers set on the session outside on_start: add them to each request's headers (or to defaults.headers)";
const USER_BASES = new Set(['HttpUser', 'FastHttpUser']);
const CLIENT_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'];
// Keyword arguments of requests/FastHttpSession that change nothing squall does differently.
const IGNORED_KWARGS = new Set(['catch_response', 'verify', 'stream']);

interface ClassInfo {
  name: string;
  node: SyntaxNode;
  bases: string[];
  attrs: Map<string, SyntaxNode>;
  methods: Map<string, SyntaxNode>;
  /** Method name → weight, for `@task` / `@task(w)` methods. */
  tasks: Map<string, { weight: number; node: SyntaxNode; taskSet?: SyntaxNode }>;
}

/** What one function body sees while it is translated. */
interface Scope {
  /** The receiver's name: `self` in a method, the first parameter of a module-level task. */
  self: string;
  /** Local variable → its template text (`category = random.choice(...)`), or a loop variable. */
  locals: Map<string, unknown>;
  /** A variable holding a response → the request step that produced it. */
  responses: Map<string, Step>;
  cls?: ClassInfo;
  /** Inside a test_start/test_stop listener: requests go through `requests`, the host is environment.host. */
  listener?: string;
  /** Methods being inlined (guards against recursion). */
  inlining: Set<string>;
  /** The user's `self.x` attributes: captured (a `${x}`), or set to a translatable value. */
  attrs: Map<string, unknown>;
  /** Headers set on the user's session in on_start (`self.client.headers.update`): sent with every later request. */
  session: Map<string, unknown>;
}

class Converter {
  private readonly consts = new Map<string, SyntaxNode>();
  private readonly functions = new Map<string, SyntaxNode>();
  private readonly classes = new Map<string, ClassInfo>();
  /** Module-level names a before: flow captures (`global TOKEN; TOKEN = r.json()["token"]`). */
  private readonly globals = new Set<string>();
  readonly todos: ConvertTodo[] = [];
  readonly translated: string[] = [];

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {}

  line(node: SyntaxNode | number): number {
    const pos = typeof node === 'number' ? node : node.from;
    let n = 1;
    for (let i = 0; i < pos; i++) if (this.src.charCodeAt(i) === 10) n++;
    return n;
  }

  code(node: SyntaxNode): string {
    // The statement as written, its continuation lines dedented by the first line's indentation.
    const start = this.src.lastIndexOf('\n', node.from - 1) + 1;
    const indent = node.from - start;
    const text = this.src.slice(node.from, node.to).replace(/\s+$/, '');
    return text
      .split('\n')
      .map((l, i) => (i === 0 ? l : l.slice(Math.min(indent, l.length - l.trimStart().length))))
      .join('\n');
  }

  todo(note: string, node: SyntaxNode): Todo {
    const line = this.line(node);
    this.todos.push({ line, what: note });
    return new Todo(note, this.code(node), line);
  }

  text(node: SyntaxNode): string {
    return this.src.slice(node.from, node.to);
  }

  convert(): Conversion {
    const tree = parser.parse(this.src);
    tree.iterate({
      enter: (n) => {
        if (n.type.isError) {
          // An error at the end of the file is something left open (a bracket, a block): name
          // the line where that starts, as Python's "'(' was never closed" does.
          const atEnd = n.from >= this.src.trimEnd().length;
          const line = this.line(atEnd ? (n.node.parent?.from ?? n.from) : n.from);
          const shown = this.src.split('\n')[line - 1]?.trim() ?? '';
          throw new ConvertError(
            `${this.file}:${line}: Python syntax error near ${JSON.stringify(shown)} — expected a locustfile that Python can run`,
            line,
          );
        }
      },
    });

    const classes = this.classes;
    const befores: Item[] = [];
    const afters: Item[] = [];
    let shape: Todo | undefined;
    for (let st = tree.topNode.firstChild; st; st = st.nextSibling) {
      if (st.name === 'ClassDefinition') {
        const info = this.classInfo(st);
        classes.set(info.name, info);
      } else if (st.name === 'AssignStatement') {
        const target = st.firstChild;
        if (target?.name === 'VariableName' && target.nextSibling?.name === 'AssignOp') {
          const value = target.nextSibling.nextSibling;
          if (value) this.consts.set(this.text(target), value);
        }
      } else if (st.name === 'FunctionDefinition') {
        const name = st.getChild('VariableName');
        if (name) this.functions.set(this.text(name), st);
      } else if (st.name === 'DecoratedStatement') {
        const fn = st.getChild('FunctionDefinition');
        const decos = st.getChildren('Decorator').map((d) => this.text(d).replace(/^@|\s+$/g, ''));
        const event = decos
          .map((d) => /^events\.(test_start|test_stop)\.add_listener$/.exec(d)?.[1])
          .find(Boolean);
        if (fn && event) {
          const out = event === 'test_start' ? befores : afters;
          out.push(...this.listener(fn, event));
        } else if (fn) {
          const name = fn.getChild('VariableName');
          if (name) this.functions.set(this.text(name), fn);
        }
      }
    }

    // A class derives from HttpUser directly or through another user class of this file.
    const isUser = (c: ClassInfo, seen = new Set<string>()): boolean =>
      c.bases.some((b) => {
        if (USER_BASES.has(b)) return true;
        const base = classes.get(b);
        return base !== undefined && !seen.has(b) && isUser(base, seen.add(b));
      });
    const users: Step[] = [];
    let target: string | undefined;
    for (const c of classes.values()) {
      if (c.bases.includes('LoadTestShape')) {
        shape = this.todo(
          'a LoadTestShape: write its stages as a ramping-vus scenario (stages: [{ duration, target }])',
          c.node,
        );
        continue;
      }
      // A TaskSet is reported where a user's tasks name it.
      if (!isUser(c)) continue;
      const merged = this.merge(c, classes);
      const abstract = merged.attrs.get('abstract');
      if (abstract && this.text(abstract) === 'True') continue;
      const user = this.user(merged);
      const host = merged.attrs.get('host');
      if (host) {
        const h = this.literal(host);
        if (typeof h === 'string') {
          if (target === undefined) {
            target = h;
            this.translated.push(`host → target ${h}`);
          } else if (h !== target)
            user.host = this.todo(
              `a second host (${h}): squall has one target per test; use full URLs`,
              host.parent!,
            );
        }
      }
      users.push(user);
    }
    if (users.length === 0) {
      throw new ConvertError(
        `${this.file}: no class deriving from HttpUser or FastHttpUser — expected a locustfile with at least one user class`,
      );
    }

    const model: Record<string, unknown> = {};
    if (target !== undefined) model.target = target;
    model.vus = 10;
    model.duration = '1m';
    if (shape) model.stages = shape;
    if (befores.length > 0) model.before = befores;
    if (afters.length > 0) model.after = afters;
    model.users = users;
    this.translated.push(
      'the load (-u, -r, -t are not in a locustfile): a default of 10 VUs for 1m — pass --vus and -d to squall run',
    );
    const header = [
      `converted from ${this.file} by squall convert`,
      'Locust takes the load from its command line or locust.conf (-u users, -r spawn rate, -t run time):',
      'give squall the same with --vus N and -d DURATION (10 VUs for 1m below is only a default)',
      ...(target === undefined ? ['no host in the file: pass --host URL (as with locust --host)'] : []),
    ];
    return {
      source: 'locust',
      format: 'yaml',
      text: emitYaml(model, header),
      translated: this.translated,
      todos: this.todos.sort((a, b) => a.line - b.line),
    };
  }

  classInfo(node: SyntaxNode): ClassInfo {
    const name = this.text(node.getChild('VariableName')!);
    const argList = node.getChild('ArgList');
    const bases: string[] = [];
    for (let a = argList?.firstChild; a; a = a.nextSibling)
      if (a.name === 'VariableName' || a.name === 'MemberExpression')
        bases.push(this.text(a).replace(/^.*\./, ''));
    const info: ClassInfo = { name, node, bases, attrs: new Map(), methods: new Map(), tasks: new Map() };
    const body = node.getChild('Body');
    for (let st = body?.firstChild; st; st = st.nextSibling) {
      if (st.name === 'AssignStatement') {
        const t = st.firstChild;
        const v = t?.nextSibling?.nextSibling;
        if (t?.name === 'VariableName' && v) info.attrs.set(this.text(t), v);
      } else if (st.name === 'FunctionDefinition') {
        info.methods.set(this.text(st.getChild('VariableName')!), st);
      } else if (st.name === 'DecoratedStatement') {
        const fn = st.getChild('FunctionDefinition');
        const nested = st.getChild('ClassDefinition');
        if (nested && st.getChildren('Decorator').some((d) => /^@\s*task\b/.test(this.text(d)))) {
          // An inline TaskSet class used as a task.
          const arg = st.getChild('Decorator')?.getChild('ArgList')?.getChild('Number');
          const cname = this.text(nested.getChild('VariableName')!);
          info.tasks.set(cname, { weight: arg ? Number(this.text(arg)) : 1, node: st, taskSet: nested });
          continue;
        }
        if (!fn) continue;
        const fname = this.text(fn.getChild('VariableName')!);
        info.methods.set(fname, fn);
        for (const d of st.getChildren('Decorator')) {
          const head = this.text(d).replace(/^@\s*/, '');
          if (!/^task\b/.test(head)) continue;
          const arg = d.getChild('ArgList')?.getChild('Number');
          info.tasks.set(fname, { weight: arg ? Number(this.text(arg)) : 1, node: st });
        }
      }
    }
    return info;
  }

  /** A user class with what it inherits from user classes of this file (the subclass wins). */
  merge(c: ClassInfo, classes: Map<string, ClassInfo>): ClassInfo {
    const out: ClassInfo = { ...c, attrs: new Map(), methods: new Map(), tasks: new Map() };
    const chain: ClassInfo[] = [];
    for (let cur: ClassInfo | undefined = c; cur && !chain.includes(cur); ) {
      chain.unshift(cur);
      cur = cur.bases.map((b) => classes.get(b)).find(Boolean);
    }
    for (const k of chain) {
      for (const [a, v] of k.attrs) if (k === c || a !== 'abstract') out.attrs.set(a, v);
      for (const [m, v] of k.methods) out.methods.set(m, v);
      for (const [t, v] of k.tasks) out.tasks.set(t, v);
    }
    return out;
  }

  user(c: ClassInfo): Step {
    const user: Step = { name: c.name };
    const weight = c.attrs.get('weight') ?? c.attrs.get('fixed_count');
    if (weight) {
      const w = this.literal(weight);
      if (typeof w === 'number' && w > 0) {
        user.weight = w;
        const how = c.attrs.has('weight') ? 'weight' : 'fixed_count';
        this.translated.push(
          `${c.name}: ${how} = ${w} → weight ${w}${how === 'fixed_count' ? ' (a share of the VUs, not a fixed number)' : ''}`,
        );
      } else user.weight = this.todo('a weight that is not a number', weight.parent!);
    }
    const wait = c.attrs.get('wait_time');
    if (wait) user.think = this.think(wait, c.name);

    const attrs = new Map<string, unknown>();
    const session = new Map<string, unknown>();
    const scope = (): Scope => ({
      attrs,
      session,
      self: 'self',
      locals: new Map(),
      responses: new Map(),
      cls: c,
      inlining: new Set(),
    });
    const onStart = c.methods.get('on_start');
    if (onStart) {
      const steps = this.body(onStart, { ...scope(), inlining: new Set(['on_start']) });
      // on_start may only set session headers, which go into the requests themselves.
      if (!Array.isArray(steps) || steps.length > 0) user.onStart = steps;
      if (Array.isArray(steps)) this.translated.push(`${c.name}.on_start → onStart`);
      if (session.size > 0)
        this.translated.push(`${c.name}: session headers set in on_start → headers of each later request`);
    }
    const onStop = c.methods.get('on_stop');
    if (onStop) {
      user.onStop = this.body(onStop, { ...scope(), inlining: new Set(['on_stop']) });
      if (Array.isArray(user.onStop)) this.translated.push(`${c.name}.on_stop → onStop`);
    }

    const tasks: Step[] = [];
    for (const [name, t] of c.tasks) {
      if (t.taskSet) {
        const note = `${name} is a TaskSet: write its tasks as this task's flow (or as tasks of a user)`;
        tasks.push({ name, weight: t.weight, flow: this.todo(note, t.taskSet) });
        continue;
      }
      const fn = c.methods.get(name)!;
      tasks.push({ name, weight: t.weight, flow: this.body(fn, { ...scope(), inlining: new Set([name]) }) });
    }
    const tasksAttr = c.attrs.get('tasks');
    if (tasksAttr) tasks.push(...this.tasksAttr(tasksAttr, c, scope));
    if (tasks.length === 0) {
      user.flow = [
        this.todo(`${c.name} has no @task methods this converter could find: write its flow`, c.node),
      ];
    } else {
      user.tasks = tasks;
      this.translated.push(
        `${c.name}: ${tasks.length} task${tasks.length === 1 ? '' : 's'} (${tasks.map((t) => `${t.name} ×${t.weight}`).join(', ')})`,
      );
    }
    return user;
  }

  /** `tasks = {fn: w, …}` or `tasks = [fn, …]`: methods of the class or module-level functions. */
  tasksAttr(node: SyntaxNode, c: ClassInfo, scope: () => Scope): Step[] {
    const entries: Array<[SyntaxNode, number]> = [];
    if (node.name === 'DictionaryExpression') {
      const kids = this.kids(node);
      for (let i = 0; i + 1 < kids.length; i += 2) {
        const w = this.literal(kids[i + 1]!);
        entries.push([kids[i]!, typeof w === 'number' ? w : Number.NaN]);
      }
    } else if (node.name === 'ArrayExpression' || node.name === 'TupleExpression') {
      for (const k of this.kids(node)) entries.push([k, 1]);
    }
    const out: Step[] = [];
    for (const [ref, weight] of entries) {
      const name = this.text(ref);
      const fn = c.methods.get(name) ?? this.functions.get(name);
      const taskSet = this.classes.get(name);
      if (taskSet) {
        out.push({
          name,
          weight: Number.isNaN(weight) ? 1 : weight,
          flow: this.todo(
            `${name} is a ${taskSet.bases.join(', ')}: write its tasks as this task's flow (or as tasks of a user)`,
            taskSet.node,
          ),
        });
        continue;
      }
      if (!fn || Number.isNaN(weight)) {
        out.push({
          name,
          weight: Number.isNaN(weight) ? 1 : weight,
          flow: [
            this.todo(
              `task ${name} (a TaskSet or a function this converter cannot see): write its flow`,
              ref,
            ),
          ],
        });
        continue;
      }
      const params = fn.getChild('ParamList')?.getChildren('VariableName') ?? [];
      const self = params[0] ? this.text(params[0]) : 'self';
      out.push({ name, weight, flow: this.body(fn, { ...scope(), self, inlining: new Set([name]) }) });
    }
    return out;
  }

  think(node: SyntaxNode, user: string): unknown {
    const call = node.name === 'CallExpression' ? node : undefined;
    const fn = call ? this.text(call.firstChild!) : '';
    const args = call ? this.kids(call.getChild('ArgList')!).map((a) => this.literal(a)) : [];
    const secs = (n: unknown) => `${n}s`;
    if (fn === 'between' && args.length === 2 && args.every((a) => typeof a === 'number')) {
      this.translated.push(
        `${user}: wait_time = between(${args[0]}, ${args[1]}) → think ${args[0]}s..${args[1]}s`,
      );
      return `${secs(args[0])}..${secs(args[1])}`;
    }
    if (fn === 'constant' && args.length === 1 && typeof args[0] === 'number') {
      this.translated.push(`${user}: wait_time = constant(${args[0]}) → think ${args[0]}s`);
      return secs(args[0]);
    }
    const note =
      fn === 'constant_pacing' || fn === 'constant_throughput'
        ? `${fn}: squall's think is a wait after each iteration, not a pacing; use an arrival-rate scenario (constant-arrival-rate) for a fixed pace`
        : 'a wait_time this converter cannot read';
    return this.todo(note, node.parent!);
  }

  listener(fn: SyntaxNode, event: string): Item[] {
    const params = fn.getChild('ParamList')?.getChildren('VariableName') ?? [];
    const env = params[0] ? this.text(params[0]) : 'environment';
    this.translated.push(`@events.${event} listener → ${event === 'test_start' ? 'before' : 'after'}`);
    const steps = this.body(fn, {
      self: '',
      locals: new Map(),
      responses: new Map(),
      listener: env,
      inlining: new Set(),
      attrs: new Map(),
      session: new Map(),
    });
    return Array.isArray(steps) ? steps : [steps];
  }

  /** The steps of a function's body. */
  body(fn: SyntaxNode, scope: Scope): Item[] | Todo {
    const items = this.block(fn.getChild('Body'), scope);
    if (items.length === 0 || items.some((i) => !(i instanceof Todo))) return items;
    // Nothing translated: one TODO in place of the list (a list of comments alone would read as null).
    const todos = items as Todo[];
    return new Todo(todos.map((t) => t.note).join('; '), this.code(fn), this.line(fn));
  }

  block(body: SyntaxNode | null, scope: Scope): Item[] {
    const out: Item[] = [];
    for (let st = body?.firstChild; st; st = st.nextSibling) {
      if (st.name === ':' || st.name === 'Comment') continue;
      try {
        out.push(...this.statement(st, scope));
      } catch (e) {
        if (!(e instanceof Untranslatable)) throw e;
        out.push(this.todo(e.message, st));
      }
    }
    return out;
  }

  statement(st: SyntaxNode, scope: Scope): Item[] {
    switch (st.name) {
      case 'PassStatement':
      case 'ImportStatement':
      case 'ScopeStatement':
        return [];
      case 'ExpressionStatement': {
        const expr = st.firstChild!;
        if (expr.name === 'String') return []; // a docstring
        if (expr.name === 'CallExpression') return this.callStatement(expr, scope);
        throw new Untranslatable('Python code with no squall equivalent');
      }
      case 'AssignStatement':
        if (/^\w+\.client\.headers\b/.test(this.text(st))) return this.sessionHeader(st, scope);
        return this.assign(st, scope);
      case 'WithStatement':
        return this.withStatement(st, scope);
      case 'ForStatement':
        return [this.forStatement(st, scope)];
      case 'IfStatement':
        return [this.ifStatement(st, scope)];
      case 'ReturnStatement':
        if (st.nextSibling === null && st.firstChild?.nextSibling === null) return [];
        throw new Untranslatable('a return in the middle of a task');
      default:
        throw new Untranslatable('Python code with no squall equivalent');
    }
  }

  callStatement(call: SyntaxNode, scope: Scope): Item[] {
    const callee = this.text(call.firstChild!);
    const args = call.getChild('ArgList')!;
    if (callee === 'time.sleep' || callee === 'gevent.sleep' || callee === 'sleep') {
      const [n] = this.kids(args).map((a) => this.literal(a));
      if (typeof n !== 'number') throw new Untranslatable('a sleep of a computed time');
      return [{ think: `${n}s` }];
    }
    const selfCall = scope.self ? new RegExp(`^${scope.self}\\.(\\w+)$`).exec(callee) : null;
    if (selfCall && scope.cls?.methods.has(selfCall[1]!) && !scope.inlining.has(selfCall[1]!)) {
      // A helper method of the user class: its requests are part of this task.
      const name = selfCall[1]!;
      this.translated.push(`${scope.cls.name}.${name}() inlined where it is called`);
      const inner = new Set(scope.inlining).add(name);
      const steps = this.body(scope.cls.methods.get(name)!, { ...scope, inlining: inner });
      return Array.isArray(steps) ? steps : [steps];
    }
    if (/^\w+\.client\.headers\.update$/.test(callee)) {
      const [dict] = this.kids(args);
      const v = dict && this.inOnStart(scope) ? this.value(dict, scope) : undefined;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Untranslatable(SESSION_TODO);
      for (const [k, x] of Object.entries(v)) scope.session.set(k, x);
      return [];
    }
    if (!this.requestCall(call, scope))
      throw new Untranslatable(`a call of ${callee}(), which has no squall equivalent`);
    return [this.request(call, scope)];
  }

  inOnStart(scope: Scope): boolean {
    return scope.inlining.has('on_start') && !scope.listener;
  }

  /** `self.client.headers["X"] = v` in on_start: a header of every later request of the user. */
  sessionHeader(st: SyntaxNode, scope: Scope): Item[] {
    const target = st.firstChild!;
    const key =
      target.name === 'MemberExpression' && target.getChild('[') ? target.getChild('[')!.nextSibling : null;
    const name = key ? this.literal(key) : undefined;
    const value = st.lastChild!;
    if (typeof name !== 'string' || !this.inOnStart(scope)) throw new Untranslatable(SESSION_TODO);
    scope.session.set(name, this.value(value, scope));
    return [];
  }

  /** Whether `call` is a request through the client: returns [method, the ArgList]. */
  requestCall(call: SyntaxNode, scope: Scope): [string, SyntaxNode] | undefined {
    if (call.name !== 'CallExpression') return undefined;
    const callee = this.text(call.firstChild!).replace(/\s+/g, '');
    const m = scope.listener
      ? /^requests\.(\w+)$/.exec(callee)
      : new RegExp(`^${scope.self}\\.client\\.(\\w+)$`).exec(callee);
    if (!m) return undefined;
    const method = m[1]!;
    if (method !== 'request' && !CLIENT_METHODS.includes(method)) return undefined;
    return [method, call.getChild('ArgList')!];
  }

  request(call: SyntaxNode, scope: Scope): Step {
    const rc = this.requestCall(call, scope);
    if (!rc) throw new Untranslatable('a call this converter cannot translate');
    let [method, argList] = rc;
    const positional: SyntaxNode[] = [];
    const kwargs = new Map<string, SyntaxNode>();
    const kids = this.kids(argList, true);
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i]!;
      if (k.name === 'VariableName' && kids[i + 1]?.name === 'AssignOp') {
        kwargs.set(this.text(k), kids[i + 2]!);
        i += 2;
      } else positional.push(k);
    }
    if (method === 'request') {
      const m = positional.shift();
      const v = m ? this.literal(m) : undefined;
      if (typeof v !== 'string' || !CLIENT_METHODS.includes(v.toLowerCase()))
        throw new Untranslatable('a request whose method is computed');
      method = v.toLowerCase();
    }
    const urlNode = positional[0] ?? kwargs.get('url');
    if (!urlNode) throw new Untranslatable('a request without a URL');
    const step: Step = { [method]: this.url(urlNode, scope) };
    const files = kwargs.get('files');
    for (const [key, v] of kwargs) {
      if (key === 'url' || key === 'files' || IGNORED_KWARGS.has(key)) continue;
      switch (key) {
        case 'name':
          step.name = this.value(v, scope);
          break;
        case 'headers':
          step.headers = this.value(v, scope);
          break;
        case 'params':
          step.query = this.value(v, scope);
          break;
        case 'json':
          step.json = this.value(v, scope);
          break;
        case 'data': {
          const d = this.value(v, scope);
          if (files) break;
          if (d !== null && typeof d === 'object' && !Array.isArray(d)) step.form = d;
          else if (typeof d === 'string') step.body = d;
          else throw new Untranslatable('a data= body that is neither a dict nor a string');
          break;
        }
        case 'timeout': {
          const t = this.literal(v);
          if (typeof t !== 'number') throw new Untranslatable('a computed timeout');
          step.timeout = `${t}s`;
          break;
        }
        case 'allow_redirects':
          if (this.text(v) === 'False') step.redirects = 0;
          break;
        default:
          throw new Untranslatable(`the request argument ${key}= has no squall equivalent here`);
      }
    }
    if (files) step.multipart = this.multipart(files, kwargs.get('data'), scope);
    if (scope.session.size > 0)
      step.headers = { ...Object.fromEntries(scope.session), ...(step.headers as object | undefined) };
    return step;
  }

  /** `files={"f": open(path, "rb")}` or `("name", open(path), "type")`, with `data=` as fields. */
  multipart(files: SyntaxNode, data: SyntaxNode | undefined, scope: Scope): Step {
    const out: Step = {};
    if (data) {
      const d = this.value(data, scope);
      if (d === null || typeof d !== 'object' || Array.isArray(d))
        throw new Untranslatable('form fields that are not a dict');
      Object.assign(out, d);
    }
    if (files.name !== 'DictionaryExpression') throw new Untranslatable('files= that is not a dict');
    const kids = this.kids(files);
    for (let i = 0; i + 1 < kids.length; i += 2) {
      const key = this.literal(kids[i]!);
      let v = kids[i + 1]!;
      const spec: Step = {};
      if (v.name === 'TupleExpression' || v.name === 'ParenthesizedExpression') {
        const parts = this.kids(v);
        const fname = this.literal(parts[0]!);
        if (typeof fname === 'string') spec.filename = fname;
        const ct = parts[2] ? this.literal(parts[2]) : undefined;
        if (typeof ct === 'string') spec.contentType = ct;
        v = parts[1]!;
      }
      const open = v.name === 'CallExpression' && this.text(v.firstChild!) === 'open' ? v : undefined;
      const path = open ? this.literal(this.kids(open.getChild('ArgList')!)[0]!) : undefined;
      if (typeof key !== 'string' || typeof path !== 'string')
        throw new Untranslatable('a file upload this converter cannot read');
      out[key] = { file: path, ...spec };
    }
    return out;
  }

  url(node: SyntaxNode, scope: Scope): string {
    if (scope.listener) {
      // requests.post(environment.host + "/x") or f"{environment.host}/x": the path, on the target.
      const host = `${scope.listener}.host`;
      if (node.name === 'BinaryExpression') {
        const [l, , r] = [node.firstChild!, node.firstChild!.nextSibling!, node.lastChild!];
        if (this.text(l).replace(/\s/g, '') === host) return String(this.value(r, scope));
      }
      if (node.name === 'FormatString') {
        const raw = this.text(node);
        const pre = /^[fF][rR]?(['"])\{([^}]*)\}/.exec(raw);
        if (pre && pre[2]!.replace(/\s/g, '') === host) {
          const s = String(this.value(node, scope));
          return s.slice(s.indexOf('}') + 1);
        }
      }
    }
    const v = this.value(node, scope);
    if (typeof v !== 'string') throw new Untranslatable('a URL that is not text');
    return v;
  }

  assign(st: SyntaxNode, scope: Scope): Item[] {
    const target = st.firstChild!;
    const op = target.nextSibling;
    const value = op?.nextSibling;
    if (op?.name !== 'AssignOp' || !value || value.nextSibling)
      throw new Untranslatable('an assignment this converter cannot translate');
    const name = this.assignTarget(target, scope);
    // x = self.client.get(...)  → the request; x's .json() can then be captured.
    if (this.requestCall(value, scope)) {
      const step = this.request(value, scope);
      if (name.kind === 'local') scope.responses.set(name.name, step);
      return [step];
    }
    // self.token = self.client.post(...).json()["token"] → the request with its capture
    const inner = this.captureSource(value);
    if (inner && this.requestCall(inner.response, scope)) {
      const step = this.request(inner.response, scope);
      this.addCapture(step, inner.capture, name.name);
      this.captured(name, scope);
      return [step];
    }
    if (inner && inner.response.name === 'VariableName' && scope.responses.has(this.text(inner.response))) {
      this.addCapture(scope.responses.get(this.text(inner.response))!, inner.capture, name.name);
      this.captured(name, scope);
      return [];
    }
    // A value: remembered and substituted where it is used.
    const v = this.value(value, scope);
    if (name.kind === 'local') scope.locals.set(name.name, v);
    else if (name.kind === 'attr') scope.attrs.set(name.name, v);
    else throw new Untranslatable('a module-level variable set to a computed value');
    return [];
  }

  assignTarget(t: SyntaxNode, scope: Scope): { kind: 'local' | 'attr' | 'global'; name: string } {
    const text = this.text(t).replace(/\s/g, '');
    if (t.name === 'VariableName') return { kind: scope.listener ? 'global' : 'local', name: text };
    const m = new RegExp(`^${scope.self || '\\0'}\\.(\\w+)$`).exec(text);
    if (m) return { kind: 'attr', name: m[1]! };
    throw new Untranslatable('an assignment this converter cannot translate');
  }

  captured(name: { kind: string; name: string }, scope: Scope): void {
    const ref = `\${${name.name}}`;
    if (name.kind === 'attr') scope.attrs.set(name.name, ref);
    else if (name.kind === 'global') this.globals.add(name.name);
    else scope.locals.set(name.name, ref);
    this.translated.push(`${name.name} read from a response → capture as ${name.name}`);
  }

  addCapture(step: Step, capture: Step, as: string): void {
    const c = { ...capture, as };
    const prev = step.capture;
    step.capture = prev === undefined ? c : Array.isArray(prev) ? [...prev, c] : [prev, c];
  }

  /** `X.json()["a"][0]` → X and { json: "$.a[0]" }; `X.headers["h"]` → { header: h }. */
  captureSource(node: SyntaxNode): { response: SyntaxNode; capture: Step } | undefined {
    const path: string[] = [];
    let cur = node;
    // Lezer's Python grammar writes a subscript `a[k]` as a MemberExpression with brackets.
    while (cur.name === 'MemberExpression' && cur.getChild('[')) {
      const key = this.literal(cur.getChild('[')!.nextSibling!);
      if (typeof key === 'string')
        path.unshift(/^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
      else if (typeof key === 'number') path.unshift(`[${key}]`);
      else return undefined;
      cur = cur.firstChild!;
    }
    if (cur.name === 'MemberExpression' && path.length === 1 && this.text(cur.lastChild!) === 'headers') {
      const h = path[0]!.replace(/^\.|^\["|"\]$/g, '');
      return { response: cur.firstChild!, capture: { header: h } };
    }
    if (cur.name !== 'CallExpression' || path.length === 0) return undefined;
    const callee = cur.firstChild!;
    if (callee.name !== 'MemberExpression' || this.text(callee.lastChild!) !== 'json') return undefined;
    return { response: callee.firstChild!, capture: { json: `$${path.join('')}` } };
  }

  withStatement(st: SyntaxNode, scope: Scope): Item[] {
    const call = st.firstChild!.nextSibling!;
    const asName = st.getChild('as')?.nextSibling;
    if (!this.requestCall(call, scope))
      throw new Untranslatable('a with block this converter cannot translate');
    const step = this.request(call, scope);
    const out: Item[] = [step];
    const r = asName ? this.text(asName) : undefined;
    if (r) scope.responses.set(r, step);
    const expect: Step = {};
    for (let s = st.getChild('Body')?.firstChild; s; s = s.nextSibling) {
      if (s.name === ':' || s.name === 'Comment') continue;
      if (r && s.name === 'IfStatement' && this.failureIf(s, r, expect)) continue;
      if (r && s.name === 'ExpressionStatement' && /^\w+\.success\(\)$/.test(this.text(s).trim())) continue;
      try {
        out.push(...this.statement(s, scope));
      } catch (e) {
        if (!(e instanceof Untranslatable)) throw e;
        out.push(this.todo(e.message, s));
      }
    }
    if (Object.keys(expect).length > 0) {
      step.expect = expect;
      this.translated.push(`catch_response + failure() on ${Object.keys(expect).join(', ')} → expect`);
    }
    return out;
  }

  /**
   * `if <cond>: r.failure(...)` (else: r.success()) where the condition is one squall's `expect`
   * can state. Fills `expect` and returns true, or returns false to leave the statement alone.
   */
  failureIf(s: SyntaxNode, r: string, expect: Step): boolean {
    const kids = this.kids(s, true);
    const isCall = (b: SyntaxNode | undefined, verb: string) => {
      const stmts = this.kids(b!, true).filter((k) => k.name !== ':' && k.name !== 'Comment');
      return stmts.length === 1 && new RegExp(`^${r}\\.${verb}\\(`).test(this.text(stmts[0]!).trim());
    };
    // if r.status_code == 201 (or in [204, 404]): r.success(), and every other branch a failure.
    if (kids[0]?.name === 'if' && isCall(kids[2], 'success')) {
      const c = this.text(kids[1]!).replace(/\s+/g, ' ').trim();
      if (!new RegExp(`^${r}\\.status_code (==|in) `).test(c)) return false;
      const v = this.literal(kids[1]!.lastChild!);
      const list = Array.isArray(v) ? v : [v];
      if (list.length === 0 || !list.every((x) => typeof x === 'number')) return false;
      for (let i = 3; i < kids.length; i++) {
        const k = kids[i]!;
        if (k.name === 'elif' || k.name === 'else') {
          const body = kids[i + (k.name === 'elif' ? 2 : 1)];
          if (!isCall(body, 'failure')) return false;
        }
      }
      if (!kids.some((k) => k.name === 'else')) return false;
      expect.status = list.length === 1 ? list[0] : list;
      return true;
    }
    // if/elif branches that each call r.failure(), and an optional else that calls r.success().
    const conds: SyntaxNode[] = [];
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i]!;
      if (k.name === 'if' || k.name === 'elif') {
        if (!isCall(kids[i + 2], 'failure')) return false;
        conds.push(kids[i + 1]!);
        i += 2;
      } else if (k.name === 'else') {
        if (!isCall(kids[i + 1], 'success')) return false;
        i += 1;
      }
    }
    const trial: Step = structuredClone(expect);
    if (conds.length === 0 || !conds.every((c) => this.expectOf(c, r, trial))) return false;
    Object.assign(expect, trial);
    return true;
  }

  /** One failure condition as an item of `expect`; false when it is not one expect can state. */
  expectOf(cond: SyntaxNode, r: string, expect: Step): boolean {
    const c = this.text(cond).replace(/\s+/g, ' ').trim();
    const esc = r.replace(/\W/g, '');
    if (new RegExp(`^${esc}\\.status_code (!=|not in) (.+)$`).test(c)) {
      const right = cond.lastChild!;
      const v = this.literal(right);
      const list = Array.isArray(v) ? v : [v];
      if (!list.every((x) => typeof x === 'number')) return false;
      expect.status = list.length === 1 ? list[0] : list;
      return true;
    }
    if (new RegExp(`^(.+) not in ${esc}\\.(text|content)$`).test(c)) {
      const v = this.literal(cond.firstChild!);
      if (typeof v !== 'string') return false;
      const prev = expect.bodyContains;
      expect.bodyContains = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
      return true;
    }
    if (new RegExp(`^(.+) not in ${esc}\\.json\\(\\)$`).test(c)) {
      const v = this.literal(cond.firstChild!);
      if (typeof v !== 'string') return false;
      expect.json = { ...(expect.json as object), [`$.${v}`]: { exists: true } };
      return true;
    }
    if (
      cond.name === 'BinaryExpression' &&
      /^!=$/.test(this.text(cond.getChild('CompareOp') ?? cond).trim())
    ) {
      const src = this.captureSource(cond.firstChild!);
      const v = this.literal(cond.lastChild!);
      if (src && this.text(src.response) === r && 'json' in src.capture && v !== undefined) {
        expect.json = { ...(expect.json as object), [src.capture.json as string]: { equals: v } };
        return true;
      }
    }
    return false;
  }

  forStatement(st: SyntaxNode, scope: Scope): Step {
    const kids = this.kids(st, true);
    const varNode = kids[1]!;
    const iter = kids[3]!;
    const body = st.getChild('Body');
    if (varNode.name !== 'VariableName')
      throw new Untranslatable('a for loop this converter cannot translate');
    const v = this.text(varNode);
    if (iter.name === 'CallExpression' && this.text(iter.firstChild!) === 'range') {
      const args = this.kids(iter.getChild('ArgList')!).map((a) => this.literal(a));
      const n =
        args.length === 1
          ? args[0]
          : args.length === 2
            ? (args[1] as number) - (args[0] as number)
            : undefined;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
        throw new Untranslatable('a loop over a computed range');
      const inner: Scope = { ...scope, locals: new Map(scope.locals) };
      inner.locals.delete(v);
      this.translated.push(`for ${v} in range(…) → loop count ${n}`);
      return { loop: this.block(body, inner), count: n };
    }
    const list = this.literal(
      iter.name === 'VariableName' ? (this.consts.get(this.text(iter)) ?? iter) : iter,
    );
    if (!Array.isArray(list)) throw new Untranslatable('a loop over computed data');
    const inner: Scope = { ...scope, locals: new Map(scope.locals) };
    inner.locals.set(v, `\${${v}}`);
    this.translated.push(`for ${v} in a list → loop over the list as ${v}`);
    return { loop: this.block(body, inner), over: list, as: v };
  }

  ifStatement(st: SyntaxNode, scope: Scope): Step {
    // if / elif / else: kids are keyword, condition, Body, … in order.
    const kids = this.kids(st, true);
    const branches: Array<{ cond?: SyntaxNode; body: SyntaxNode }> = [];
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i]!;
      if (k.name === 'if' || k.name === 'elif') {
        branches.push({ cond: kids[i + 1]!, body: kids[i + 2]! });
        i += 2;
      } else if (k.name === 'else') {
        branches.push({ body: kids[i + 1]! });
        i += 1;
      }
    }
    const build = (i: number): Step => {
      const b = branches[i]!;
      const step: Step = { if: this.condition(b.cond!, scope), then: this.block(b.body, scope) };
      const next = branches[i + 1];
      if (next) step.else = next.cond ? [build(i + 1)] : this.block(next.body, scope);
      return step;
    };
    const step = build(0);
    this.translated.push(`if on ${step.if} → if:`);
    return step;
  }

  /** A Python condition on captured values as a squall condition. */
  condition(node: SyntaxNode, scope: Scope): string {
    switch (node.name) {
      case 'ParenthesizedExpression':
        return `(${this.condition(this.kids(node)[0]!, scope)})`;
      case 'UnaryExpression': {
        if (node.firstChild?.name !== 'not') break;
        return `not ${this.condition(node.lastChild!, scope)}`;
      }
      case 'BinaryExpression': {
        const kids = this.kids(node, true);
        const op = kids[1]!;
        const opText = this.text(op);
        if (op.name === 'and' || op.name === 'or')
          return `${this.condition(kids[0]!, scope)} ${opText} ${this.condition(kids[2]!, scope)}`;
        if (op.name === 'is') {
          const neg = kids[2]?.name === 'not';
          const right = kids[neg ? 3 : 2]!;
          if (this.text(right) !== 'None') break;
          const left = this.operand(kids[0]!, scope);
          return neg ? left : `not ${left}`;
        }
        if (op.name === 'CompareOp' && ['==', '!=', '<', '<=', '>', '>='].includes(opText.trim()))
          return `${this.operand(kids[0]!, scope)} ${opText.trim()} ${this.operand(kids[2]!, scope)}`;
        break;
      }
      default:
        return this.operand(node, scope);
    }
    throw new Untranslatable('a condition this converter cannot translate');
  }

  operand(node: SyntaxNode, scope: Scope): string {
    const lit = node.name === 'String' || node.name === 'Number' || node.name === 'Boolean';
    if (lit) {
      const v = this.literal(node);
      return typeof v === 'string' ? `'${v.replace(/'/g, "\\'")}'` : String(v);
    }
    const v = this.value(node, scope);
    if (typeof v === 'string' && /^\$\{[\w.]+\}$/.test(v)) return v;
    throw new Untranslatable('a condition on a value that is not captured');
  }

  /** The children of a node, without punctuation (and without keywords unless `keywords`). */
  kids(node: SyntaxNode, keywords = false): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let k = node.firstChild; k; k = k.nextSibling) {
      if (['(', ')', '[', ']', '{', '}', ',', ':'].includes(k.name)) continue;
      if (!keywords && (k.name === 'AssignOp' || /^[a-z]+$/.test(k.name))) continue;
      out.push(k);
    }
    return out;
  }

  /** A Python literal's value (strings, numbers, booleans, None, lists, tuples, dicts), else undefined. */
  literal(node: SyntaxNode): unknown {
    switch (node.name) {
      case 'String':
        return this.pyString(this.text(node));
      case 'Number': {
        const n = Number(this.text(node).replace(/_/g, ''));
        return Number.isFinite(n) ? n : undefined;
      }
      case 'Boolean':
        return this.text(node) === 'True';
      case 'None':
        return null;
      case 'UnaryExpression': {
        const v = this.literal(node.lastChild!);
        return this.text(node.firstChild!) === '-' && typeof v === 'number' ? -v : undefined;
      }
      case 'ArrayExpression':
      case 'TupleExpression':
      case 'ParenthesizedExpression': {
        const items = this.kids(node).map((k) => this.literal(k));
        if (items.some((i) => i === undefined)) return undefined;
        return node.name === 'ParenthesizedExpression' && items.length === 1 ? items[0] : items;
      }
      case 'DictionaryExpression': {
        const kids = this.kids(node);
        const out: Record<string, unknown> = {};
        for (let i = 0; i + 1 < kids.length; i += 2) {
          const k = this.literal(kids[i]!);
          const v = this.literal(kids[i + 1]!);
          if (typeof k !== 'string' || v === undefined) return undefined;
          out[k] = v;
        }
        return out;
      }
      case 'VariableName': {
        const c = this.consts.get(this.text(node));
        return c && c !== node ? this.literal(c) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** A Python string literal's text: prefixes, quotes, triple quotes and the common escapes. */
  pyString(raw: string): string | undefined {
    const m = /^([rRuUbB]*)('''|"""|'|")([\s\S]*)\2$/.exec(raw);
    if (!m) return undefined;
    if (/r/i.test(m[1]!)) return m[3]!;
    const esc: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '\\': '\\',
      "'": "'",
      '"': '"',
      '0': '\0',
    };
    return m[3]!.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, e: string) =>
      e.length > 1 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (esc[e] ?? `\\${e}`),
    );
  }

  /** An expression as a squall value: literals as they are, the rest as `${…}` templates. */
  value(node: SyntaxNode, scope: Scope): unknown {
    switch (node.name) {
      case 'String':
      case 'Number':
      case 'Boolean':
      case 'None': {
        const v = this.literal(node);
        if (v === undefined) throw new Untranslatable('a literal this converter cannot read');
        return typeof v === 'string' ? v.replace(/\$\{/g, () => '$${') : v;
      }
      case 'ContinuedString':
        return this.kids(node)
          .map((k) => String(this.value(k, scope)))
          .join('');
      case 'FormatString':
        return this.fstring(node, scope);
      case 'ArrayExpression':
      case 'TupleExpression':
        return this.kids(node).map((k) => this.value(k, scope));
      case 'DictionaryExpression': {
        const kids = this.kids(node);
        const out: Record<string, unknown> = {};
        for (let i = 0; i + 1 < kids.length; i += 2) {
          const k = this.value(kids[i]!, scope);
          if (typeof k !== 'string') throw new Untranslatable('a dict with a key that is not text');
          out[k] = this.value(kids[i + 1]!, scope);
        }
        return out;
      }
      case 'BinaryExpression': {
        const kids = this.kids(node, true);
        if (kids.length === 3 && this.text(kids[1]!).trim() === '+') {
          const l = this.value(kids[0]!, scope);
          const r = this.value(kids[2]!, scope);
          if (typeof l === 'string' && typeof r === 'string') return l + r;
        }
        break;
      }
      default: {
        const t = this.template(node, scope);
        if (t !== undefined) return t;
      }
    }
    throw new Untranslatable(`the expression ${this.text(node).slice(0, 60)} has no squall equivalent`);
  }

  fstring(node: SyntaxNode, scope: Scope): string {
    const raw = this.text(node);
    const m = /^([fFrR]*)('''|"""|'|")/.exec(raw)!;
    const quote = m[2]!;
    const start = node.from + m[0].length;
    const end = node.to - quote.length;
    let out = '';
    let pos = start;
    const lit = (s: string) =>
      (/r/i.test(m[1]!) ? s : (this.pyString(`${quote}${s}${quote}`) ?? s))
        .replace(/\{\{/g, '{')
        .replace(/\}\}/g, '}')
        .replace(/\$\{/g, () => '$${');
    for (const rep of node.getChildren('FormatReplacement')) {
      out += lit(this.src.slice(pos, rep.from));
      const expr = this.kids(rep)[0];
      if (!expr || rep.getChild('FormatSpec') || rep.getChild('FormatConversion'))
        throw new Untranslatable('a formatted value this converter cannot translate');
      const v = this.value(expr, scope);
      out +=
        typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : (() => {
              throw new Untranslatable('a formatted value that is not text');
            })();
      pos = rep.to;
    }
    return out + lit(this.src.slice(pos, end));
  }

  /** `self.x`, a local, a module constant, random.*, uuid.uuid4(), str(x) → a value or template. */
  template(node: SyntaxNode, scope: Scope): unknown {
    const text = this.text(node).replace(/\s+/g, '');
    if (node.name === 'VariableName') {
      if (scope.locals.has(text)) return scope.locals.get(text);
      if (this.globals.has(text)) return `\${${text}}`;
      const c = this.consts.get(text);
      const v = c ? this.literal(c) : undefined;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      return undefined;
    }
    if (node.name === 'MemberExpression') {
      const m = new RegExp(`^${scope.self || '\\0'}\\.(\\w+)$`).exec(text);
      if (m && scope.attrs.has(m[1]!)) return scope.attrs.get(m[1]!);
      if (m && scope.cls?.attrs.has(m[1]!)) {
        const v = this.literal(scope.cls.attrs.get(m[1]!)!);
        if (v !== undefined) return v;
      }
      return undefined;
    }
    if (node.name !== 'CallExpression') return undefined;
    const callee = this.text(node.firstChild!).replace(/\s+/g, '');
    const args = this.kids(node.getChild('ArgList')!);
    if (callee === 'random.randint' && args.length === 2) {
      const [a, b] = args.map((x) => this.literal(x));
      if (typeof a === 'number' && typeof b === 'number') return `\${random.int(${a},${b})}`;
    }
    if (callee === 'random.choice' && args.length === 1) {
      const list = this.literal(args[0]!);
      if (Array.isArray(list) && list.every((x) => typeof x === 'string' || typeof x === 'number'))
        return `\${random.pick(${list.map((x) => (typeof x === 'string' ? `'${x.replace(/'/g, "\\'")}'` : x)).join(',')})}`;
    }
    if ((callee === 'uuid.uuid4' || callee === 'uuid4') && args.length === 0) return '${random.uuid}';
    if (callee === 'str' && args.length === 1) {
      const v = this.value(args[0]!, scope);
      return typeof v === 'number' ? String(v) : v;
    }
    return undefined;
  }
}

/** Converts a locustfile's text (`file` is its name, for messages) to a squall YAML test. */
export function convertLocust(text: string, file: string): Conversion {
  return new Converter(text, file).convert();
}
