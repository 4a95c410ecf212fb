import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { LineCounter, type Node, parseDocument } from 'yaml';
import { isArtillery } from './detect.js';
import { emitYaml, Note, Todo, todoLines } from './emit-yaml.js';
import { type Conversion, ConvertError, type ConvertTodo } from './types.js';

/**
 * Artillery YAML → squall YAML test: config (target, phases, variables, payload, defaults, ensure,
 * processor), before/after flows, and each scenario's flow (requests with captures, expects and
 * ifTrue, think, loop). `{{ name }}` templates become `${…}`. Processor functions cannot be
 * translated: each place that calls one becomes a Todo naming it.
 */

type Path = Array<string | number>;
type Step = Record<string, unknown> | Todo | Note;
type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'];

/**
 * `outDir`: the folder the squall test will be written to (default: the original's), so that
 * feeder and multipart file paths, relative to the test file, still point at the same files.
 */
export function convertArtillery(text: string, file: string, outDir?: string): Conversion {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const line = lineCounter.linePos(err.pos[0]).line;
    throw new ConvertError(`${file} does not parse as YAML: ${err.message.split('\n')[0]}`, line);
  }
  const root = doc.toJS() as unknown;
  if (!isArtillery(root)) {
    throw new ConvertError(
      `${file} is YAML but not an Artillery test: expected config: and scenarios: whose items have a flow:`,
      1,
    );
  }
  const lineOf = (path: Path): number => {
    for (let p = path; p.length >= 0; p = p.slice(0, -1)) {
      const node = doc.getIn(p, true) as Node | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
      if (p.length === 0) break;
    }
    return 1;
  };
  const baseDir = dirname(resolve(file));
  const rebase = (p: string): string => {
    if (outDir === undefined || isAbsolute(p) || p.includes('{{')) return p;
    return relative(resolve(outDir), resolve(baseDir, p)) || '.';
  };
  return new Artillery(text, file, baseDir, lineOf, rebase).convert(root as Json);
}

class Artillery {
  private readonly translated: string[] = [];
  private readonly todos: ConvertTodo[] = [];
  private readonly topTodos: Todo[] = [];
  /** Artillery variables with one value: inlined. */
  private readonly constants = new Map<string, string>();
  /** Variables with a list of values: a random pick. */
  private readonly lists = new Map<string, unknown[]>();
  /** Payload field → the template that reads it (`${row.user}`). */
  private readonly fields = new Map<string, string>();
  private readonly lines: string[];

  constructor(
    text: string,
    private readonly file: string,
    private readonly baseDir: string,
    private readonly lineOf: (path: Path) => number,
    private readonly rebase: (path: string) => string,
  ) {
    this.lines = text.split('\n');
  }

  convert(root: Json): Conversion {
    const config = (root.config ?? {}) as Json;
    const model: Json = {};
    this.variables(config.variables);
    const feeds = this.payload(config.payload);
    if (config.target !== undefined) {
      model.target = this.tpl(String(config.target), ['config', 'target']);
      this.translated.push('config.target → target');
    }
    const defaults: Json = {};
    const dh = (config.defaults as Json | undefined)?.headers;
    if (dh) {
      defaults.headers = this.deep(dh, ['config', 'defaults', 'headers']);
      this.translated.push('config.defaults.headers → defaults.headers');
    }
    const http = config.http as Json | undefined;
    if (typeof http?.timeout === 'number' || typeof http?.timeout === 'string') {
      defaults.timeout = typeof http.timeout === 'number' ? `${http.timeout}s` : http.timeout;
      this.translated.push('config.http.timeout → defaults.timeout');
    }
    if (Object.keys(defaults).length > 0) model.defaults = defaults;
    if ((config.tls as Json | undefined)?.rejectUnauthorized === false) {
      model.insecureSkipTLSVerify = true;
      this.translated.push('config.tls.rejectUnauthorized: false → insecureSkipTLSVerify: true');
    }
    if (feeds.feeders) model.feeders = feeds.feeders;
    const functions = this.processor(config.processor);
    for (const key of Object.keys(config)) {
      if (
        ![
          'target',
          'phases',
          'variables',
          'payload',
          'defaults',
          'http',
          'tls',
          'processor',
          'plugins',
          'ensure',
        ].includes(key)
      )
        this.topTodo(['config', key], `config.${key}: squall has no such setting`);
    }

    const users: Json[] = [];
    const scenarios = root.scenarios as Json[];
    scenarios.forEach((s, i) => {
      const at: Path = ['scenarios', i];
      const name = typeof s.name === 'string' && s.name !== '' ? s.name : `scenario ${i + 1}`;
      if (s.engine !== undefined && s.engine !== 'http') {
        this.topTodo(
          at,
          `scenario '${name}' uses the ${String(s.engine)} engine: squall converts HTTP scenarios`,
        );
        return;
      }
      const user: Json = { name };
      if (s.weight !== undefined) user.weight = s.weight;
      // A hook's Todo goes at the top of the flow: an onStart: holding only comments would be empty.
      const hooks: Step[] = [];
      const hook = (key: string, squallKey: string) => {
        if (s[key] === undefined) return;
        const names = ([] as unknown[]).concat(s[key]).map(String);
        hooks.push(
          this.todo(
            [...at, key],
            `${key} runs the processor function ${names.join(', ')}: write it as ${squallKey}: steps`,
          ),
        );
      };
      hook('beforeScenario', 'onStart');
      hook('afterScenario', 'onStop');
      for (const key of ['beforeRequest', 'afterResponse']) {
        if (s[key] === undefined) continue;
        const names = ([] as unknown[]).concat(s[key]).map(String).join(', ');
        this.topTodo(
          [...at, key],
          `scenario '${name}' runs ${key} ${names} on every request (processor code)`,
        );
      }
      user.flow = [...hooks, ...feeds.steps, ...this.flow(s.flow as unknown[], [...at, 'flow'])];
      users.push(user);
      this.translated.push(
        `scenario '${name}'${s.weight !== undefined ? ` (weight ${String(s.weight)})` : ''} → user ${name}`,
      );
    });

    const load = this.phases(config.phases);
    model.scenarios = { main: { ...load, users } };
    if (Array.isArray((root.before as Json | undefined)?.flow)) {
      model.before = this.flow((root.before as Json).flow as unknown[], ['before', 'flow']);
      this.translated.push('before: flow → before:');
    }
    if (Array.isArray((root.after as Json | undefined)?.flow)) {
      model.after = this.flow((root.after as Json).flow as unknown[], ['after', 'flow']);
      this.translated.push('after: flow → after:');
    }
    const thresholds = this.ensure(config);
    if (thresholds) model.thresholds = thresholds;
    if (functions.length > 0)
      this.translated.push(`config.processor defines ${functions.join(', ')} (each use is a TODO)`);

    const header = [
      `converted from ${this.file} (Artillery) by squall convert.`,
      'Every TODO(convert) below is a part of the test squall could not translate: finish it by hand.',
    ];
    let yaml = emitYaml(model, header);
    const extra = this.topTodos.flatMap((t) => todoLines(t));
    if (extra.length > 0) {
      const all = yaml.split('\n');
      all.splice(
        all.findIndex((l) => !l.startsWith('#')),
        0,
        ...extra,
      );
      yaml = all.join('\n');
    }
    return {
      source: 'artillery',
      format: 'yaml',
      text: yaml,
      translated: this.translated,
      todos: this.todos,
    };
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The original lines of the node at `path` (a step, a key and what is under it). */
  private original(path: Path): string {
    const first = this.lineOf(path) - 1;
    const indent = (l: string) => l.length - l.trimStart().length;
    const start = this.lines[first] ?? '';
    const base = indent(start.replace(/^(\s*)- /, '$1  '));
    const out = [start];
    for (let i = first + 1; i < this.lines.length; i++) {
      const l = this.lines[i]!;
      if (l.trim() !== '' && indent(l) <= base && !l.trimStart().startsWith('#')) break;
      if (indent(l) <= base - 2 && l.trim() !== '') break;
      out.push(l);
    }
    while (out.length > 1 && out[out.length - 1]!.trim() === '') out.pop();
    const strip = Math.min(...out.filter((l) => l.trim() !== '').map(indent));
    return out.map((l) => l.slice(strip)).join('\n');
  }

  private todo(path: Path, what: string): Todo {
    const line = this.lineOf(path);
    this.todos.push({ line, what });
    return new Todo(what, this.original(path), line);
  }

  private topTodo(path: Path, what: string): void {
    this.topTodos.push(this.todo(path, what));
  }

  private variables(v: unknown): void {
    if (v === undefined || v === null || typeof v !== 'object') return;
    for (const [k, val] of Object.entries(v as Json)) {
      if (Array.isArray(val)) this.lists.set(k, val);
      else this.constants.set(k, String(val));
    }
    this.translated.push(
      `config.variables (${Object.keys(v as Json).join(', ')}) → inlined, or random.pick for lists`,
    );
  }

  /** config.payload → feeders, and a feed step at the start of every flow. */
  private payload(p: unknown): { feeders?: Json; steps: Step[] } {
    if (p === undefined) return { steps: [] };
    const list = Array.isArray(p) ? (p as Json[]) : [p as Json];
    const feeders: Json = {};
    const steps: Step[] = [];
    list.forEach((item, i) => {
      const path: Path = Array.isArray(p) ? ['config', 'payload', i] : ['config', 'payload'];
      const name =
        typeof item.name === 'string' ? item.name : list.length === 1 ? 'payload' : `payload${i + 1}`;
      const as = list.length === 1 ? 'row' : name;
      const spec: Json = {
        file: this.rebase(String(item.path)),
        order: item.order === 'sequence' ? 'sequential' : 'random',
      };
      if (typeof item.delimiter === 'string' && item.delimiter !== ',') spec.delimiter = item.delimiter;
      feeders[name] = spec;
      steps.push({ feed: { from: name, as } });
      const fields = Array.isArray(item.fields) ? item.fields.map(String) : [];
      for (const f of fields) this.fields.set(f, `\${${as}.${f}}`);
      if (item.skipHeader !== true)
        this.topTodo(
          path,
          `squall reads a CSV's column names from its first row: add the header line ${fields.join(',')} to ${String(item.path)}`,
        );
      this.translated.push(
        `config.payload ${String(item.path)} → feeder ${name} (${spec.order as string}), fields ${fields.join(', ')} → \${${as}.…}`,
      );
    });
    return { feeders, steps };
  }

  /** Names of the functions a processor file defines (read as text, never run). */
  private processor(p: unknown): string[] {
    if (typeof p !== 'string') return [];
    const path = resolve(this.baseDir, p);
    if (!existsSync(path)) {
      this.translated.push(
        `config.processor ${p} (not found next to the test: its functions are not listed)`,
      );
      return [];
    }
    const src = readFileSync(path, 'utf8');
    const names = new Set<string>();
    for (const m of src.matchAll(/\bfunction\s+([A-Za-z_$][\w$]*)\s*\(/g)) names.add(m[1]!);
    for (const m of src.matchAll(
      /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*=>|[\w$]+\s*=>)/g,
    ))
      names.add(m[1]!);
    for (const m of src.matchAll(/\bexports\.([A-Za-z_$][\w$]*)\s*=/g)) names.add(m[1]!);
    return [...names];
  }

  /** config.phases → an arrival-rate executor (Artillery's phases are an open model). */
  private phases(p: unknown): Json {
    const phases = Array.isArray(p) ? (p as Json[]) : [];
    const dur = (d: unknown): string | undefined =>
      typeof d === 'number'
        ? `${d}s`
        : typeof d === 'string' && /^\d+(\.\d+)?(ms|s|m|h)$/.test(d)
          ? d
          : undefined;
    if (phases.length === 0) {
      this.topTodo(['config'], 'no config.phases: choose the load (a rate and a duration) by hand');
      return { executor: 'constant-arrival-rate', rate: 1, duration: '10s', preAllocatedVUs: 1 };
    }
    const peak = Math.max(
      1,
      ...phases.map((ph) =>
        Math.max(
          Number(ph.arrivalRate ?? 0),
          Number(ph.rampTo ?? 0),
          ph.arrivalCount !== undefined
            ? Number(ph.arrivalCount) / (Number.parseFloat(String(ph.duration)) || 1)
            : 0,
        ),
      ),
    );
    const maxVusers = phases.map((ph) => ph.maxVusers).find((m) => typeof m === 'number') as
      | number
      | undefined;
    const vus = { preAllocatedVUs: Math.ceil(maxVusers ?? peak), maxVUs: Math.ceil(maxVusers ?? peak * 10) };
    const only = phases[0]!;
    if (phases.length === 1 && only.rampTo === undefined && dur(only.duration)) {
      const d = dur(only.duration)!;
      if (only.arrivalRate !== undefined) {
        this.translated.push(`1 phase (arrivalRate ${String(only.arrivalRate)}) → constant-arrival-rate`);
        return { executor: 'constant-arrival-rate', rate: only.arrivalRate, duration: d, ...vus };
      }
      if (only.arrivalCount !== undefined) {
        this.translated.push(`1 phase (arrivalCount ${String(only.arrivalCount)}) → constant-arrival-rate`);
        return {
          executor: 'constant-arrival-rate',
          rate: only.arrivalCount,
          timeUnit: d,
          duration: d,
          ...vus,
        };
      }
    }
    const stages: Json[] = [];
    let current = Number(phases[0]!.arrivalRate ?? 0);
    const startRate = current;
    phases.forEach((ph, i) => {
      const d = dur(ph.duration ?? ph.pause);
      if (d === undefined) {
        this.topTodo(['config', 'phases', i], `phase ${i + 1}'s duration ${String(ph.duration ?? ph.pause)}`);
        return;
      }
      let from: number;
      let to: number;
      if (ph.pause !== undefined) [from, to] = [0, 0];
      else if (ph.arrivalCount !== undefined) {
        const rate = Number(ph.arrivalCount) / (Number.parseFloat(String(ph.duration)) || 1);
        [from, to] = [rate, rate];
      } else {
        from = Number(ph.arrivalRate ?? 0);
        to = Number(ph.rampTo ?? from);
      }
      // A phase that starts at another rate than the last ended: jump there at once.
      if (from !== current) stages.push({ duration: '0s', target: from });
      stages.push({ duration: d, target: to });
      current = to;
    });
    this.translated.push(`${phases.length} phases → ramping-arrival-rate (${stages.length} stages)`);
    return { executor: 'ramping-arrival-rate', startRate, stages, ...vus };
  }

  /** ensure (config.ensure or config.plugins.ensure) → k6 thresholds. */
  private ensure(config: Json): Json | undefined {
    const plugins = (config.plugins ?? {}) as Json;
    for (const k of Object.keys(plugins))
      if (!['ensure', 'expect', 'metrics-by-endpoint'].includes(k))
        this.topTodo(['config', 'plugins', k], `the Artillery plugin ${k}`);
    const filled = (e: unknown) => e !== null && typeof e === 'object' && Object.keys(e).length > 0;
    const atPlugins = filled(plugins.ensure) || !filled(config.ensure);
    const ensure = (atPlugins ? plugins.ensure : config.ensure) as Json | undefined;
    if (!ensure) return undefined;
    const base: Path = atPlugins ? ['config', 'plugins', 'ensure'] : ['config', 'ensure'];
    const out: Record<string, string[]> = {};
    const add = (metric: string, expr: string) => {
      out[metric] = [...(out[metric] ?? []), expr];
    };
    const AGG: Record<string, string> = {
      p50: 'med',
      median: 'med',
      p75: 'p(75)',
      p90: 'p(90)',
      p95: 'p(95)',
      p99: 'p(99)',
      p999: 'p(99.9)',
      max: 'max',
      min: 'min',
      mean: 'avg',
    };
    const latency = (agg: string, v: unknown): boolean => {
      const a = AGG[agg];
      if (!a || typeof v !== 'number') return false;
      add('http_req_duration', `${a}<${v}`);
      return true;
    };
    for (const [k, v] of Object.entries(ensure)) {
      if (k === 'maxErrorRate' && typeof v === 'number') {
        add('http_req_failed', `rate<${v / 100}`);
        this.translated.push(`ensure.maxErrorRate ${v}% → http_req_failed rate<${v / 100}`);
      } else if (k === 'thresholds' && Array.isArray(v)) {
        v.forEach((t: Json, i) => {
          const [[metric, value]] = Object.entries(t) as [[string, unknown]];
          const m = /^http\.response_time\.(\w+)$/.exec(metric);
          if (m && latency(m[1]!, value))
            this.translated.push(`ensure ${metric} ${String(value)} → http_req_duration`);
          else this.topTodo([...base, 'thresholds', i], `the ensure threshold on ${metric}`);
        });
      } else if (latency(k, v)) {
        this.translated.push(`ensure.${k} → http_req_duration`);
      } else {
        this.topTodo([...base, k], `ensure.${k}: an expression squall's thresholds cannot say as it is`);
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  // ---- templates -----------------------------------------------------------------------------

  /** `{{ name }}` and Artillery's `{{ $fn() }}` helpers as squall `${…}` templates. */
  private tpl(s: string, path: Path, loopAs?: string): string {
    return s
      .replace(/\$\{/g, () => '$${')
      .replace(/\{\{\s*(.+?)\s*\}\}/g, (whole, expr: string) => {
        const rules: Array<[RegExp, (m: RegExpExecArray) => string | undefined]> = [
          [/^\$randomNumber\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/, (m) => `\${random.int(${m[1]},${m[2]})}`],
          [/^\$randomString\(\s*(\d*)\s*\)$/, (m) => `\${random.string(${m[1] || 8})}`],
          [/^\$(uuid|randomUUID)(\(\))?$/, () => '$' + '{random.uuid}'],
          [/^\$(?:processEnvironment|env)\.(\w+)$/, (m) => `\${env.${m[1]}}`],
          [/^\$loopElement$/, () => (loopAs ? `\${${loopAs}}` : undefined)],
          [/^\$loopElement\.([\w.]+)$/, (m) => (loopAs ? `\${${loopAs}.${m[1]}}` : undefined)],
        ];
        for (const [re, to] of rules) {
          const m = re.exec(expr);
          const out = m ? to(m) : undefined;
          if (out !== undefined) return out;
        }
        if (/^[A-Za-z_][\w]*(\.[\w]+)*$/.test(expr)) {
          const head = expr.split('.')[0]!;
          if (this.constants.has(expr)) return this.constants.get(expr)!;
          if (this.fields.has(expr)) return this.fields.get(expr)!;
          const list = this.lists.get(expr);
          if (list) {
            const items = list.map((x) => String(x));
            if (items.every((x) => !/['${}]/.test(x)))
              return `\${random.pick(${items.map((x) => `'${x}'`).join(',')})}`;
          }
          if (!this.constants.has(head)) return `\${${expr}}`;
        }
        this.todos.push({ line: this.lineOf(path), what: `the template ${whole}` });
        return whole;
      });
  }

  private deep(v: unknown, path: Path, loopAs?: string): unknown {
    if (typeof v === 'string') return this.tpl(v, path, loopAs);
    if (Array.isArray(v)) return v.map((x, i) => this.deep(x, [...path, i], loopAs));
    if (v !== null && typeof v === 'object') {
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.deep(x, [...path, k], loopAs);
      return out;
    }
    return v;
  }

  /** ifTrue's JavaScript-like expression in squall's condition syntax. */
  private condition(expr: string, path: Path): string {
    return this.tpl(expr, path)
      .replace(/===/g, '==')
      .replace(/!==/g, '!=')
      .replace(/&&/g, ' and ')
      .replace(/\|\|/g, ' or ')
      .replace(/!(?!=)/g, 'not ')
      .replace(/\s+/g, ' ')
      .trim();
  }

  // ---- flows ---------------------------------------------------------------------------------

  private flow(steps: unknown[], path: Path, loopAs?: string): Step[] {
    const out: Step[] = [];
    steps.forEach((s, i) => {
      out.push(...this.step(s, [...path, i], loopAs));
    });
    return out;
  }

  private step(s: unknown, path: Path, loopAs?: string): Step[] {
    if (s === null || typeof s !== 'object' || Array.isArray(s))
      return [this.todo(path, 'a step squall cannot read')];
    const step = s as Json;
    const method = METHODS.find((m) => step[m] !== undefined);
    if (method) return this.request(method, step[method], [...path, method], loopAs);
    if (step.think !== undefined) {
      const t = step.think;
      if (typeof t === 'number') return [{ think: t }];
      if (typeof t === 'string' && /\{\{/.test(t)) return [this.todo(path, 'a think time from a variable')];
      return [{ think: t }];
    }
    if (step.loop !== undefined) {
      if (step.whileTrue !== undefined)
        return [this.todo(path, `a loop whileTrue ${String(step.whileTrue)} (a processor function)`)];
      const over = step.over;
      const as = over !== undefined ? 'item' : undefined;
      const body = this.flow(step.loop as unknown[], [...path, 'loop'], as ?? loopAs);
      const loop: Json = { loop: body };
      if (step.count !== undefined)
        loop.count = typeof step.count === 'string' ? this.tpl(step.count, [...path, 'count']) : step.count;
      if (typeof over === 'string')
        loop.over = this.fields.has(over) ? over : over.replace(/^\{\{\s*|\s*\}\}$/g, '');
      else if (Array.isArray(over)) loop.over = this.deep(over, [...path, 'over']);
      if (as) loop.as = as;
      this.translated.push(
        `loop (line ${this.lineOf(path)}) → loop:${loop.count !== undefined ? ` count ${String(loop.count)}` : ''}${loop.over !== undefined ? ' over' : ''}`,
      );
      if (JSON.stringify(step.loop).includes('$loopCount'))
        return [this.todo(path, 'the loop reads $loopCount: squall loops have no counter'), loop];
      return [loop];
    }
    if (step.function !== undefined)
      return [this.todo(path, `the processor function ${String(step.function)}`)];
    if (step.log !== undefined) return [new Note(`log: ${String(step.log)}`)];
    if (step.parallel !== undefined && Array.isArray(step.parallel)) {
      return [
        new Note(
          `parallel (line ${this.lineOf(path)}): Artillery sent these at once; squall sends them in turn`,
        ),
        ...this.flow(step.parallel, [...path, 'parallel'], loopAs),
      ];
    }
    return [this.todo(path, `the step ${Object.keys(step)[0] ?? ''}`)];
  }

  private request(method: string, spec: unknown, path: Path, loopAs?: string): Step[] {
    const r: Json = typeof spec === 'string' ? { url: spec } : ((spec ?? {}) as Json);
    if (typeof r.url !== 'string') return [this.todo(path, 'a request without a url')];
    const before: Step[] = [];
    const step: Json = { [method]: this.tpl(r.url, [...path, 'url'], loopAs) };
    const t = (k: string) => this.deep(r[k], [...path, k], loopAs);
    // Captures before expects: an equals expectation reads what the request captures.
    const entries = Object.entries(r).sort(([a], [b]) => Number(b === 'capture') - Number(a === 'capture'));
    for (const [k, v] of entries) {
      switch (k) {
        case 'url':
          break;
        case 'name':
          step.name = v;
          break;
        case 'headers':
          step.headers = t(k);
          break;
        case 'qs':
          step.query = t(k);
          break;
        case 'json':
          step.json = t(k);
          break;
        case 'body':
          step.body = typeof v === 'string' ? t(k) : JSON.stringify(v);
          break;
        case 'form':
          step.form = t(k);
          break;
        case 'formData': {
          const parts: Json = {};
          for (const [name, val] of Object.entries((v ?? {}) as Json)) {
            const at = [...path, k, name];
            if (val !== null && typeof val === 'object' && typeof (val as Json).fromFile === 'string') {
              const f = val as Json;
              parts[name] = {
                file: this.rebase(this.tpl(String(f.fromFile), at)),
                ...(typeof f.filename === 'string' ? { filename: f.filename } : {}),
                ...(typeof f.contentType === 'string' ? { contentType: f.contentType } : {}),
              };
            } else if (val !== null && typeof val === 'object') {
              parts[name] = this.deep((val as Json).value ?? val, at, loopAs);
            } else parts[name] = this.deep(val, at, loopAs);
          }
          step.multipart = parts;
          break;
        }
        case 'capture': {
          const caps: Json[] = [];
          ([] as unknown[]).concat(v).forEach((c, i) => {
            const at = Array.isArray(v) ? [...path, k, i] : [...path, k];
            const cap = c as Json;
            const src = ['json', 'header', 'regexp'].find((x) => typeof cap[x] === 'string');
            if (!src || typeof cap.as !== 'string') {
              before.push(this.todo(at, 'a capture squall cannot read (xpath, selector or a transform)'));
              return;
            }
            const out: Json = { [src]: cap[src], as: cap.as };
            if (src === 'regexp' && cap.group !== undefined) out.group = cap.group;
            caps.push(out);
          });
          if (caps.length > 0) step.capture = caps.length === 1 ? caps[0] : caps;
          break;
        }
        case 'expect': {
          const expect = this.expect(v, [...path, k], step, before);
          if (expect) step.expect = expect;
          break;
        }
        case 'ifTrue':
          step.if = this.condition(String(v), [...path, k]);
          this.translated.push(`ifTrue (line ${this.lineOf([...path, k])}) → if:`);
          break;
        case 'followRedirect':
          if (v === false) step.redirects = 0;
          break;
        case 'beforeRequest':
        case 'afterResponse':
          before.push(
            this.todo(
              [...path, k],
              `${k} runs the processor function ${([] as unknown[]).concat(v).join(', ')}`,
            ),
          );
          break;
        default:
          before.push(this.todo([...path, k], `the request option ${k}`));
      }
    }
    return [...before, step];
  }

  /** Artillery's expect list → squall's expect map (status, header, json, bodyContains). */
  private expect(v: unknown, path: Path, step: Json, todos: Step[]): Json | undefined {
    const out: Json = {};
    const json: Json = {};
    const header: Json = {};
    const captures = ([] as unknown[]).concat(step.capture ?? []) as Json[];
    ([] as unknown[]).concat(v).forEach((item, i) => {
      const at = Array.isArray(v) ? [...path, i] : path;
      const [[k, val]] = Object.entries((item ?? {}) as Json) as [[string, unknown]];
      if (k === 'statusCode') out.status = val;
      else if (k === 'contentType') header['content-type'] = val === 'json' ? '/json/' : String(val);
      else if (k === 'hasProperty')
        json[`$.${String(val)}`] = { ...(json[`$.${String(val)}`] as Json), exists: true };
      else if (k === 'hasHeader') header[String(val)] = '/.*/';
      else if (k === 'equals' && Array.isArray(val) && val.length === 2) {
        // equals: ["{{ captured }}", "value"] on a value this request captures from its JSON.
        const name =
          /^\{\{\s*(\w+)\s*\}\}$/.exec(String(val[0]))?.[1] ??
          /^\{\{\s*(\w+)\s*\}\}$/.exec(String(val[1]))?.[1];
        const other = name && String(val[0]).includes(name) ? val[1] : val[0];
        const cap = captures.find((c) => c.as === name && typeof c.json === 'string');
        if (cap) json[cap.json as string] = { ...(json[cap.json as string] as Json), equals: other };
        else
          todos.push(
            this.todo(at, 'an equals expectation on values this request does not capture from its JSON'),
          );
      } else todos.push(this.todo(at, `the expectation ${k}`));
    });
    if (Object.keys(header).length > 0) out.header = header;
    if (Object.keys(json).length > 0) out.json = json;
    if (Object.keys(out).length > 0)
      this.translated.push(`expect (line ${this.lineOf(path)}) → expect: ${Object.keys(out).join(', ')}`);
    return Object.keys(out).length > 0 ? out : undefined;
  }
}
