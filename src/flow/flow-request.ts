import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { FormValue, HttpResponse, MultipartFile, RequestOptions } from '../script-api/vu-context.js';
import { encodeRequestPath } from '../util/url-path.js';
import type {
  CaptureSpec,
  Captures,
  CheckSpec,
  ExpectSpec,
  FilePartSpec,
  FormScalar,
  JsonCheck,
  RequestStep,
  SubmitFormStep,
} from './flow-schema.js';
import type { FlowScope } from './flow-scope.js';
import { type At, at, invalid, isPlainObject, keyPath, show } from './flow-shape.js';
import {
  compileTemplate,
  type Getter,
  type Run,
  routeOf,
  type StepRun,
  stringify,
  type Template,
  TemplateError,
  type TemplateOptions,
  type TemplatePart,
  urlSafe,
} from './flow-template.js';
import { NOT_FOUND } from './json-path.js';

/**
 * Request steps: `- get: /path` with options beside it (`name`, `json`, `check` … as DESIGN.md
 * writes them) or inside it (`- get: { url, name, … }`, as Artillery writes them). Compiled once
 * into a function that renders the templates, sends, runs the checks through ctx.check, and
 * stores captures in ctx.vu.state.
 */

/**
 * What a flow's requests can be tagged with, gathered while compiling: the names (each a function
 * of the run's env, which `${env.X}` in a URL depends on), the methods and the extra tag keys.
 * Thresholds' tag filters are checked against it before the load (`{name:GET /x}` of no request).
 */
export interface RequestFacts {
  names: Array<(env: Readonly<Record<string, string>>) => string>;
  methods: Set<string>;
  tagKeys: Set<string>;
  /** The URLs of the requests, as written (`/a?x=1`, `http://…`), for `{url:…}` filters. */
  urls: string[];
  /** Set when some request's URL is known only at run time (a template, `query:`, a `url` tag). */
  urlsUnknown?: boolean;
  /** Set when a flow did not compile: some of its requests are missing from the lists. */
  incomplete?: boolean;
}

/**
 * The client's own default names of a constant URL: the method and the path, encoded as sent,
 * without the query; an absolute URL's also with its origin (the client names requests to an
 * origin other than the test's first one so).
 */
function constantNames(METHOD: string, source: string): string[] {
  if (/^https?:\/\//i.test(source)) {
    try {
      const u = new URL(source);
      return [`${METHOD} ${u.pathname}`, `${METHOD} ${u.origin}${u.pathname}`];
    } catch {
      // A URL the client will refuse at run time: no name to offer.
    }
  }
  return [`${METHOD} ${encodeRequestPath(source).replace(/[?#].*$/s, '')}`];
}

/** Compiles a request step (its shape checked by flow-schema.ts) at `where` (the step's path). */
export function compileRequest(
  step: RequestStep,
  where: At,
  scope: FlowScope,
  facts?: RequestFacts,
  custom?: CustomSend,
): StepRun {
  const { method, options } = step;
  const optionsAt = custom?.at ?? (step.inside ? at(where, `.${method}`) : where);
  const urlAt = step.inside ? at(optionsAt, '.url') : at(where, `.${method}`);
  const METHOD = method.toUpperCase();
  const url = template(step.url, urlAt, scope, { escape: urlSafe });
  const setters: Array<(opts: RequestOptions, run: Run) => void> = [];

  const name = options.name;
  const nameOf = name !== undefined ? () => name : url.constant ? undefined : routeName(METHOD, url.parts);
  if (nameOf) setters.push((o, run) => (o.name = nameOf(run)));
  if (options.headers !== undefined)
    setters.push(compileHeaders(options.headers, at(optionsAt, '.headers'), scope));
  if (options.query !== undefined) setters.push(compileQuery(options.query, at(optionsAt, '.query'), scope));
  if (options.json !== undefined) {
    const json = compileJson(options.json, at(optionsAt, '.json'), scope);
    setters.push((o, run) => (o.json = json(run)));
  }
  if (options.body !== undefined) {
    const body = template(options.body, at(optionsAt, '.body'), scope);
    setters.push((o, run) => (o.body = body.render(run)));
  }
  if (options.form !== undefined) {
    const form = compileForm(options.form, at(optionsAt, '.form'), scope);
    setters.push((o, run) => (o.form = form(run)));
  }
  if (options.multipart !== undefined)
    setters.push(compileMultipart(options.multipart, at(optionsAt, '.multipart'), scope));
  if (options.redirects !== undefined) {
    const n = options.redirects;
    setters.push((o) => (o.redirects = n));
  }
  const { expect, timeout, responseType, stream, llm, tags } = options;
  let expectItems: CheckItem[] = [];
  if (typeof expect === 'object' && !Array.isArray(expect)) {
    const status = expect.status;
    if (status !== undefined) setters.push((o) => (o.expect = status));
    expectItems = compileExpect(expect, at(optionsAt, '.expect'), scope);
  } else if (expect !== undefined) setters.push((o) => (o.expect = expect));
  if (timeout !== undefined) setters.push((o) => (o.timeout = timeout.ms));
  if (responseType !== undefined) setters.push((o) => (o.responseType = responseType));
  if (stream !== undefined) setters.push((o) => (o.stream = stream));
  if (llm !== undefined) setters.push((o) => (o.llm = llm));
  if (tags !== undefined) setters.push((o) => (o.tags = { ...tags }));
  const checks =
    options.check === undefined ? [] : compileChecks(options.check, at(optionsAt, '.check'), scope);
  // Captures last: a step's own templates must not see what it captures.
  const captures =
    options.capture === undefined
      ? []
      : compileCaptures(options.capture, at(optionsAt, '.capture'), scope, captureItem);
  const label = custom?.label ?? name ?? `${METHOD} ${url.source}`;
  if (facts) {
    const fixed = name !== undefined ? [name] : url.constant ? constantNames(METHOD, url.source) : undefined;
    if (fixed !== undefined) for (const n of fixed) facts.names.push(() => n);
    else facts.names.push(routeNameIn(METHOD, url.parts), routeNameIn(METHOD, url.parts, true));
    facts.methods.add(METHOD);
    if (tags) for (const k of Object.keys(tags)) facts.tagKeys.add(k);
    const ownUrlTag = tags?.url !== undefined;
    if (url.constant && options.query === undefined && !ownUrlTag) facts.urls.push(url.source);
    else facts.urlsUnknown = true;
  }

  return async (run) => {
    const opts: RequestOptions = {};
    for (const set of setters) set(opts, run);
    const res = await (custom ? custom.send(run, opts) : run.ctx.http.request(METHOD, url.render(run), opts));
    lastResponses.set(run.ctx.vu.state, res);
    const body =
      checks.length > 0 || captures.length > 0 || expectItems.length > 0 ? new ResponseJson(res) : undefined;
    // An unmet expect marks the request failed (once: the first unmet item is the reason).
    if (!res.failed) {
      for (const e of expectItems) {
        if (e.test(res, run, body!)) continue;
        res.fail(`expect ${e.label}`);
        break;
      }
    }
    if (checks.length > 0) {
      const record: Record<string, (r: HttpResponse) => boolean> = {};
      for (const c of checks) record[c.label] = (r) => c.test(r, run, body!);
      run.ctx.check(res, record);
    }
    for (const c of captures) {
      const value = c.read(res, body!);
      if (value === NOT_FOUND) {
        const why = res.status === 0 ? `no response: ${res.error ?? 'error'}` : `status ${res.status}`;
        throw new Error(
          `capture '${c.as}' failed: ${c.describe} found nothing in the response to ${label} (${why})`,
        );
      }
      run.ctx.vu.state[c.as] = value;
    }
  };
}

/** A step that sends its own way (submitForm), with a request step's options, checks and captures. */
interface CustomSend {
  /** Where its options are written. */
  at: At;
  /** What its messages call it. */
  label: string;
  send(run: Run, o: RequestOptions): Promise<HttpResponse>;
}

/**
 * `- submitForm: { selector, fields, … }`: k6's submitForm on the VU's last response (the page a
 * request step got, in this iteration or an earlier one, or in onStart), with the options,
 * checks and captures of a request step.
 */
export function compileSubmitForm(
  step: SubmitFormStep,
  where: At,
  scope: FlowScope,
  facts?: RequestFacts,
): StepRun {
  const w = at(where, '.submitForm');
  const fields = step.fields === undefined ? undefined : compileForm(step.fields, at(w, '.fields'), scope);
  const { selector, submitSelector } = step;
  const name = step.options.name;
  if (facts) {
    // Its URL and method come from the page: known only at run time.
    if (name !== undefined) facts.names.push(() => name);
    else facts.incomplete = true;
    facts.methods.add('GET').add('POST');
    facts.urlsUnknown = true;
    for (const k of Object.keys(step.options.tags ?? {})) facts.tagKeys.add(k);
  }
  return compileRequest(
    { kind: 'request', method: 'post', url: '/', inside: true, options: step.options },
    where,
    scope,
    undefined,
    {
      at: w,
      label: name ?? 'submitForm',
      send: (run, o) => {
        const last = lastResponses.get(run.ctx.vu.state);
        if (last === undefined) {
          throw new Error(
            'submitForm: this VU has no response yet; put it after the request that gets the page with the form',
          );
        }
        return last.submitForm({
          ...o,
          ...(selector === undefined ? {} : { selector }),
          ...(submitSelector === undefined ? {} : { submitSelector }),
          ...(fields === undefined ? {} : { fields: fields(run) as Record<string, FormValue> }),
        });
      },
    },
  );
}

/** Each VU's last response (by its state, which lasts as long as the VU), for a submitForm step. */
const lastResponses = new WeakMap<object, HttpResponse>();

/** A form's fields, text values rendered as templates each request. */
function compileForm(
  map: Readonly<Record<string, FormScalar | FormScalar[]>>,
  where: At,
  scope: FlowScope,
): (run: Run) => Record<string, FormValue | FormValue[]> {
  const value = (v: FormScalar, w: At): ((run: Run) => FormValue) => {
    if (typeof v !== 'string') return () => v;
    const t = template(v, w, scope);
    return (run) => t.render(run);
  };
  const entries = Object.entries(map).map(([key, v]) => {
    const w = at(where, keyPath(key));
    if (!Array.isArray(v)) return [key, value(v, w)] as const;
    const items = v.map((item, i) => value(item, at(w, `[${i}]`)));
    return [key, (run: Run) => items.map((get) => get(run))] as const;
  });
  return (run) => {
    const out: Record<string, FormValue | FormValue[]> = {};
    for (const [key, get] of entries) out[key] = get(run);
    return out;
  };
}

/**
 * A multipart body: text fields rendered each request, files read now (a missing file is a
 * problem of the test file, before any load) and their bytes sent by every request.
 */
function compileMultipart(
  map: Readonly<Record<string, FormScalar | FilePartSpec>>,
  where: At,
  scope: FlowScope,
): (o: RequestOptions, run: Run) => void {
  const fields = compileForm(
    Object.fromEntries(Object.entries(map).filter(([, v]) => typeof v !== 'object')) as Record<
      string,
      FormScalar
    >,
    where,
    scope,
  );
  const files: Array<[string, MultipartFile]> = [];
  for (const [key, v] of Object.entries(map)) {
    if (typeof v !== 'object') continue;
    const full = resolve(dirname(where.file), v.file);
    let data: Buffer;
    try {
      data = readFileSync(full);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw invalid(
        at(at(where, keyPath(key)), '.file'),
        `multipart file ${show(v.file)} cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}): looked for ${full}`,
        'a path is relative to the folder of the test file',
      );
    }
    files.push([
      key,
      {
        data,
        filename: v.filename ?? basename(v.file),
        ...(v.contentType ? { contentType: v.contentType } : {}),
      },
    ]);
  }
  return (o, run) => {
    const parts: Record<string, FormValue | FormValue[] | MultipartFile> = fields(run);
    for (const [key, f] of files) parts[key] = f;
    o.multipart = parts;
  };
}

/** Compiles a template, turning TemplateError into SQ_CONFIG_INVALID at `where`. */
export function template(text: string, where: At, scope: FlowScope, options?: TemplateOptions): Template {
  try {
    return compileTemplate(text, (ref) => scope.resolve(ref), options);
  } catch (e) {
    if (e instanceof TemplateError) throw invalid(where, e.message, e.hint);
    throw e;
  }
}

/**
 * The default request name of a templated URL: `GET /prompts/:id`, so stats group by endpoint
 * rather than one line per id. Env values are constant in a run, so they are substituted (once
 * per env object); the scheme and host, and the query string, are dropped as the client's own
 * default name drops them.
 */
/** The name of a templated URL's route; `withOrigin`: an absolute URL's name with its origin. */
function routeNameIn(METHOD: string, parts: readonly TemplatePart[], withOrigin = false) {
  return (env: Readonly<Record<string, string>>): string => {
    const route = routeOf(parts, (ref) =>
      ref.head === 'env' ? (env[ref.path[0]!] ?? ref.fallback) : undefined,
    );
    const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(route)?.[0] ?? '';
    const path = encodeRequestPath(route.slice(origin.length)).replace(/[?#].*$/s, '');
    return `${METHOD} ${withOrigin ? origin : ''}${path === '' ? '/' : path}`;
  };
}

function routeName(METHOD: string, parts: readonly TemplatePart[]): (run: Run) => string {
  const build = routeNameIn(METHOD, parts);
  if (!parts.some((p) => typeof p !== 'string' && p.head === 'env')) {
    const fixed = build({});
    return () => fixed;
  }
  let lastEnv: unknown;
  let last = '';
  return (run) => {
    if (run.ctx.env !== lastEnv) {
      lastEnv = run.ctx.env;
      last = build(run.ctx.env);
    }
    return last;
  };
}

function compileHeaders(
  map: Readonly<Record<string, string>>,
  where: At,
  scope: FlowScope,
): (o: RequestOptions, run: Run) => void {
  const entries = Object.entries(map).map(([key, v]): [string, Template] => [
    key,
    template(v, at(where, keyPath(key)), scope),
  ]);
  return (o, run) => {
    // A fresh object per request: the client may add to it.
    const headers: Record<string, string> = {};
    for (const [key, t] of entries) headers[key] = t.render(run);
    o.headers = headers;
  };
}

function compileQuery(
  map: Readonly<Record<string, string | number | boolean>>,
  where: At,
  scope: FlowScope,
): (o: RequestOptions, run: Run) => void {
  const entries = Object.entries(map).map(([key, v]): [string, Getter] => {
    if (typeof v !== 'string') return [key, () => v];
    const t = template(v, at(where, keyPath(key)), scope);
    return [key, (run) => t.value(run)];
  });
  return (o, run) => {
    const query: Record<string, string | number | boolean> = {};
    for (const [key, get] of entries) {
      const v = get(run);
      query[key] = typeof v === 'number' || typeof v === 'boolean' ? v : stringify(v);
    }
    o.query = query;
  };
}

/**
 * A JSON body whose string leaves may hold templates. A leaf that is exactly `"${name}"` keeps the
 * variable's type (`{ id: "${id}" }` sends a captured number as a number). Keys are not templated.
 * A body without templates is built once and frozen, and every request sends that same value.
 */
export function compileJson(value: unknown, where: At, scope: FlowScope): Getter {
  const build = jsonBuilder(value, where, scope);
  if (build) return build;
  const fixed = deepFreeze(value);
  return () => fixed;
}

// Undefined when the subtree holds no template (the caller reuses the value itself).
function jsonBuilder(value: unknown, where: At, scope: FlowScope): Getter | undefined {
  if (typeof value === 'string') {
    const t = template(value, where, scope);
    return t.constant ? undefined : (run) => t.value(run);
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => jsonBuilder(v, at(where, `[${i}]`), scope));
    if (items.every((b) => b === undefined)) return undefined;
    const fixed = value.map((v, i) => (items[i] ? undefined : deepFreeze(v)));
    return (run) => items.map((b, i) => (b ? b(run) : fixed[i]));
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(
      ([k, v]) => [k, v, jsonBuilder(v, at(where, keyPath(k)), scope)] as const,
    );
    if (entries.every(([, , b]) => b === undefined)) return undefined;
    const frozen = entries.map(([k, v, b]) => [k, b ? undefined : deepFreeze(v), b] as const);
    return (run) => {
      const out: Record<string, unknown> = {};
      for (const [k, v, b] of frozen) out[k] = b ? b(run) : v;
      return out;
    };
  }
  // null, a number or a boolean (flow-schema.ts refuses anything else).
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A response body parsed as JSON once, however many checks and captures read it. */
class ResponseJson {
  private parsed: unknown = NOT_FOUND;
  private tried = false;
  constructor(private readonly res: HttpResponse) {}

  /** The parsed body, or NOT_FOUND when there is none or it is not JSON. */
  get(): unknown {
    if (!this.tried) {
      this.tried = true;
      try {
        if (this.res.text !== '') this.parsed = this.res.json();
      } catch {
        // Not JSON: every JSON check fails and every JSON capture finds nothing.
      }
    }
    return this.parsed;
  }
}

interface CheckItem {
  label: string;
  test(res: HttpResponse, run: Run, body: ResponseJson): boolean;
}

function compileChecks(spec: CheckSpec, where: At, scope: FlowScope): CheckItem[] {
  const items: CheckItem[] = [];
  const statuses = spec.status;
  if (statuses !== undefined) {
    const only = statuses.length === 1 ? statuses[0] : undefined;
    items.push(
      only !== undefined
        ? { label: `status is ${only}`, test: (r) => r.status === only }
        : { label: `status in [${statuses.join(', ')}]`, test: (r) => statuses.includes(r.status) },
    );
  }
  if (spec.maxDuration !== undefined) {
    const { ms, text } = spec.maxDuration;
    items.push({ label: `duration < ${text}`, test: (r) => r.timings.duration < ms });
  }
  for (const c of spec.json ?? [])
    items.push(...jsonCheckItems(c, at(at(where, '.json'), keyPath(c.source)), scope));
  if (spec.bodyContains !== undefined) {
    const w = at(where, '.bodyContains');
    const { texts, list } = spec.bodyContains;
    texts.forEach((text, i) => {
      const t = template(text, list ? at(w, `[${i}]`) : w, scope);
      items.push({
        label: `body contains ${JSON.stringify(t.source)}`,
        test: (r, run) => r.text.includes(t.render(run)),
      });
    });
  }
  return items;
}

function compileExpect(spec: ExpectSpec, where: At, scope: FlowScope): CheckItem[] {
  const items: CheckItem[] = [];
  for (const h of spec.header ?? []) {
    const { name, regex, equals } = h;
    items.push({
      label: `header ${name} ${regex ? `matches ${h.source}` : `is ${JSON.stringify(equals)}`}`,
      test: (r) => {
        const v = headerOf(r, name);
        if (v === NOT_FOUND) return false;
        const text = String(v);
        return regex ? regex.test(text) : text.toLowerCase() === equals!.toLowerCase();
      },
    });
  }
  for (const c of spec.json ?? [])
    items.push(...jsonCheckItems(c, at(at(where, '.json'), keyPath(c.source)), scope));
  const texts = spec.bodyContains ?? [];
  texts.forEach((text, i) => {
    const t = template(
      text,
      texts.length > 1 ? at(at(where, '.bodyContains'), `[${i}]`) : at(where, '.bodyContains'),
      scope,
    );
    items.push({
      label: `body contains ${JSON.stringify(t.source)}`,
      test: (r, run) => r.text.includes(t.render(run)),
    });
  });
  return items;
}

function jsonCheckItems({ source, path, exists, equals }: JsonCheck, w: At, scope: FlowScope): CheckItem[] {
  const items: CheckItem[] = [];
  if (exists !== undefined) {
    items.push({
      label: `${source} ${exists ? 'exists' : 'does not exist'}`,
      test: (_r, _run, body) => {
        const json = body.get();
        return json !== NOT_FOUND && (path.query(json) !== NOT_FOUND) === exists;
      },
    });
  }
  if (equals !== undefined) items.push(equalsCheck(source, path.query, equals, at(w, '.equals'), scope));
  return items;
}

function equalsCheck(
  source: string,
  query: (root: unknown) => unknown,
  expected: unknown,
  where: At,
  scope: FlowScope,
): CheckItem {
  const t = typeof expected === 'string' ? template(expected, where, scope) : undefined;
  const test = (actual: unknown, want: unknown, fromTemplate: boolean): boolean =>
    jsonEqual(actual, want) ||
    // A CSV field or env value is text; let it match the number or boolean the API returns.
    (fromTemplate &&
      typeof want === 'string' &&
      (typeof actual === 'number' || typeof actual === 'boolean') &&
      String(actual) === want);
  if (t && !t.constant) {
    return {
      label: `${source} equals ${t.source}`,
      test: (_r, run, body) => {
        const json = body.get();
        return json !== NOT_FOUND && test(query(json), t.value(run), true);
      },
    };
  }
  // A constant template is its one literal part (or nothing, for '').
  const want = t ? ((t.parts[0] as string | undefined) ?? '') : expected;
  return {
    label: `${source} equals ${JSON.stringify(want)}`,
    test: (_r, _run, body) => {
      const json = body.get();
      return json !== NOT_FOUND && test(query(json), want, false);
    },
  };
}

/** Structural equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a);
  const bo = b as Record<string, unknown>;
  return (
    ka.length === Object.keys(bo).length &&
    ka.every((k) => Object.hasOwn(bo, k) && jsonEqual((a as Record<string, unknown>)[k], bo[k]))
  );
}

interface CaptureItem {
  as: string;
  /** `$.id`, `header location`, `regexp /…/`: for the failure message. */
  describe: string;
  read(res: HttpResponse, body: ResponseJson): unknown;
}

/** Declares each capture's name (refusing one the flow cannot take) and makes its reader with `item`. */
export function compileCaptures<T>(
  { items: specs, list }: Captures,
  where: At,
  scope: FlowScope,
  item: (spec: CaptureSpec) => T,
): T[] {
  return specs.map((spec, i) => {
    const w = at(list ? at(where, `[${i}]`) : where, '.as');
    const problem = scope.nameProblem(spec.as, 'capture');
    if (problem) throw invalid(w, `capture as: ${problem}`);
    scope.addCapture(spec.as, where.path);
    return item(spec);
  });
}

function captureItem(spec: CaptureSpec): CaptureItem {
  const { as } = spec;
  if ('path' in spec) {
    const { path } = spec;
    return {
      as,
      describe: spec.json,
      read: (_res, body) => {
        const json = body.get();
        return json === NOT_FOUND ? NOT_FOUND : path.query(json);
      },
    };
  }
  if ('header' in spec) {
    const name = spec.header;
    return { as, describe: `header ${name}`, read: (res) => headerOf(res, name) };
  }
  const { regexp: re, group } = spec;
  return {
    as,
    describe: `regexp /${spec.source}/`,
    read: (res) => {
      const m = re.exec(res.text);
      const v = m?.[group];
      return v === undefined ? NOT_FOUND : v;
    },
  };
}

function headerOf(res: HttpResponse, lower: string): unknown {
  const direct = res.headers[lower];
  if (direct !== undefined) return direct;
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === lower) return v;
  return NOT_FOUND;
}
