import type { HttpResponse, RequestOptions } from '../script-api/vu-context.js';
import { TOKEN } from '../util/http-token.js';
import { encodeRequestPath } from '../util/url-path.js';
import type { FlowScope } from './flow-scope.js';
import {
  type At,
  at,
  checkKeys,
  expectDurationWithUnit,
  expectObject,
  expectStatuses,
  expectString,
  invalid,
  isPlainObject,
  keyPath,
  show,
} from './flow-shape.js';
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
import { compileJsonPath, JsonPathError, NOT_FOUND } from './json-path.js';

/**
 * Request steps: `- get: /path` with options beside it (`name`, `json`, `check` … as DESIGN.md
 * writes them) or inside it (`- get: { url, name, … }`, as Artillery writes them). Compiled once
 * into a function that renders the templates, sends, runs the checks through ctx.check, and
 * stores captures in ctx.vu.state.
 */

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export const REQUEST_KEYS = [
  'url',
  'name',
  'headers',
  'query',
  'json',
  'body',
  'expect',
  'check',
  'capture',
  'timeout',
  'tags',
  'responseType',
] as const;
export const CHECK_KEYS = ['status', 'maxDuration', 'json', 'bodyContains'] as const;
const MATCHER_KEYS = ['exists', 'equals'] as const;
const CAPTURE_SOURCES = ['json', 'header', 'regexp'] as const;
const CAPTURE_KEYS = [...CAPTURE_SOURCES, 'group', 'as'] as const;

// What Artillery and k6 users will write, mapped to our key.
const CHECK_ALIASES = { statusCode: 'status', maxResponseTime: 'maxDuration', contains: 'bodyContains' };
const REQUEST_ALIASES = { qs: 'query', form: 'body' };

const HEADER_NAME = TOKEN;

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

/** Compiles `step` (whose kind is `method`) at `where` (the step's path). */
export function compileRequest(
  method: HttpMethod,
  step: Record<string, unknown>,
  where: At,
  scope: FlowScope,
  facts?: RequestFacts,
): StepRun {
  const { options, optionsAt, url: rawUrl, urlAt } = splitForms(method, step, where);
  const METHOD = method.toUpperCase();
  const url = compileUrl(rawUrl, urlAt, scope);
  const setters: Array<(opts: RequestOptions, run: Run) => void> = [];

  const name =
    options.name === undefined ? undefined : expectString(options.name, at(optionsAt, '.name'), 'name');
  const nameOf = name !== undefined ? () => name : url.constant ? undefined : routeName(METHOD, url.parts);
  if (nameOf) setters.push((o, run) => (o.name = nameOf(run)));
  if (options.headers !== undefined)
    setters.push(compileHeaders(options.headers, at(optionsAt, '.headers'), scope));
  if (options.query !== undefined) setters.push(compileQuery(options.query, at(optionsAt, '.query'), scope));
  if (options.json !== undefined && options.body !== undefined) {
    throw invalid(
      at(optionsAt, '.body'),
      'a request has json or body, not both',
      'json sends JSON; body sends text as is',
    );
  }
  if (options.json !== undefined) {
    const json = compileJson(options.json, at(optionsAt, '.json'), scope);
    setters.push((o, run) => (o.json = json(run)));
  }
  if (options.body !== undefined) {
    const body = compileBody(options.body, at(optionsAt, '.body'), scope);
    setters.push((o, run) => (o.body = body.render(run)));
  }
  if (options.expect !== undefined) {
    const expect = compileExpect(options.expect, at(optionsAt, '.expect'));
    setters.push((o) => (o.expect = expect));
  }
  if (options.timeout !== undefined) {
    const timeout = expectDurationWithUnit(options.timeout, at(optionsAt, '.timeout'), 'timeout');
    setters.push((o) => (o.timeout = timeout));
  }
  if (options.responseType !== undefined) {
    const w = at(optionsAt, '.responseType');
    const type = options.responseType;
    if (type !== 'text' && type !== 'none') {
      throw invalid(
        w,
        `responseType must be text or none, given ${show(type)}`,
        'none reads the body and counts it without keeping it (k6); text keeps it',
      );
    }
    setters.push((o) => (o.responseType = type));
  }
  if (options.tags !== undefined) {
    const tags = compileTags(options.tags, at(optionsAt, '.tags'));
    setters.push((o) => (o.tags = { ...tags }));
  }
  const checks =
    options.check === undefined ? [] : compileChecks(options.check, at(optionsAt, '.check'), scope);
  // Captures last: a step's own templates must not see what it captures.
  const captures =
    options.capture === undefined ? [] : compileCaptures(options.capture, at(optionsAt, '.capture'), scope);
  const label = name ?? `${METHOD} ${url.source}`;
  if (facts) {
    const fixed = name !== undefined ? [name] : url.constant ? constantNames(METHOD, url.source) : undefined;
    if (fixed !== undefined) for (const n of fixed) facts.names.push(() => n);
    else facts.names.push(routeNameIn(METHOD, url.parts), routeNameIn(METHOD, url.parts, true));
    facts.methods.add(METHOD);
    if (isPlainObject(options.tags)) for (const k of Object.keys(options.tags)) facts.tagKeys.add(k);
    const ownUrlTag = isPlainObject(options.tags) && options.tags.url !== undefined;
    if (url.constant && options.query === undefined && !ownUrlTag) facts.urls.push(url.source);
    else facts.urlsUnknown = true;
  }

  return async (run) => {
    const opts: RequestOptions = {};
    for (const set of setters) set(opts, run);
    const res = await run.ctx.http.request(METHOD, url.render(run), opts);
    const body = checks.length > 0 || captures.length > 0 ? new ResponseJson(res) : undefined;
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

interface Forms {
  options: Record<string, unknown>;
  /** Where the options sit: the step itself (beside form) or `step.get` (inside form). */
  optionsAt: At;
  url: unknown;
  urlAt: At;
}

function splitForms(method: HttpMethod, step: Record<string, unknown>, where: At): Forms {
  const head = step[method];
  const headAt = at(where, `.${method}`);
  if (typeof head === 'string') {
    const { [method]: _, ...options } = step;
    checkKeys(
      options,
      REQUEST_KEYS.filter((k) => k !== 'url'),
      where,
      `a ${method} step`,
      REQUEST_ALIASES,
    );
    return { options, optionsAt: where, url: head, urlAt: headAt };
  }
  if (isPlainObject(head)) {
    const beside = Object.keys(step).find((k) => k !== method);
    if (beside !== undefined) {
      throw invalid(
        at(where, keyPath(beside)),
        `'${beside}' sits beside ${method}: { … }; write the options either all inside ${method}: { url, … } or beside ${method}: /path`,
      );
    }
    checkKeys(head, REQUEST_KEYS, headAt, `a ${method} request`, REQUEST_ALIASES);
    const { url, ...options } = head;
    if (url === undefined) throw invalid(at(headAt, '.url'), `${method}: { … } needs url: /path`);
    return { options, optionsAt: headAt, url, urlAt: at(headAt, '.url') };
  }
  throw invalid(headAt, `${method} takes a URL (/path) or a map { url, name, … }, given ${show(head)}`);
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

function compileUrl(value: unknown, where: At, scope: FlowScope): Template {
  const text = expectString(value, where, 'url');
  const url = template(text, where, scope, { escape: urlSafe });
  const first = url.parts[0];
  if (typeof first === 'string' && !first.startsWith('/') && !/^https?:\/\//i.test(first)) {
    throw invalid(
      where,
      `url must be a path starting with / (on the target) or an http(s):// URL, given ${show(text)}`,
      first.includes('://') ? 'only http and https are supported' : `write /${text}`,
    );
  }
  return url;
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

function compileHeaders(value: unknown, where: At, scope: FlowScope): (o: RequestOptions, run: Run) => void {
  const map = expectObject(value, where, 'headers');
  const entries = Object.entries(map).map(([key, v]): [string, Template] => {
    const w = at(where, keyPath(key));
    if (!HEADER_NAME.test(key)) throw invalid(w, `${show(key)} is not a valid header name`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw invalid(w, `header ${key} must be text, given ${show(v)}`);
    }
    return [key, template(String(v), w, scope)];
  });
  return (o, run) => {
    // A fresh object per request: the client may add to it.
    const headers: Record<string, string> = {};
    for (const [key, t] of entries) headers[key] = t.render(run);
    o.headers = headers;
  };
}

function compileQuery(value: unknown, where: At, scope: FlowScope): (o: RequestOptions, run: Run) => void {
  const map = expectObject(value, where, 'query');
  const entries = Object.entries(map).map(([key, v]): [string, Getter] => {
    const w = at(where, keyPath(key));
    if (typeof v === 'number' || typeof v === 'boolean') return [key, () => v];
    if (typeof v !== 'string')
      throw invalid(w, `query value ${key} must be text, a number or a boolean, given ${show(v)}`);
    const t = template(v, w, scope);
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
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return undefined;
  throw invalid(where, `json holds ${show(value)}, which is not a JSON value`);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function compileBody(value: unknown, where: At, scope: FlowScope): Template {
  if (typeof value !== 'string') {
    throw invalid(
      where,
      `body is sent as text and must be a string, given ${show(value)}`,
      isPlainObject(value) || Array.isArray(value) ? 'to send JSON, write json: instead of body:' : undefined,
    );
  }
  return template(value, where, scope);
}

function compileExpect(value: unknown, where: At): number | number[] {
  const artillery = Array.isArray(value) && value.some(isPlainObject);
  const statuses = expectStatuses(
    value,
    where,
    'expect',
    artillery
      ? 'expect lists the statuses that count as success (expect: [200, 201]); to verify, write check: { status: 200 }'
      : undefined,
  );
  return Array.isArray(value) ? statuses : statuses[0]!;
}

function compileTags(value: unknown, where: At): Record<string, string> {
  const map = expectObject(value, where, 'tags');
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw invalid(at(where, keyPath(k)), `tag ${k} must be text, given ${show(v)}`);
    }
    tags[k] = String(v);
  }
  return tags;
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

function compileChecks(value: unknown, where: At, scope: FlowScope): CheckItem[] {
  const spec = expectObject(value, where, 'check');
  checkKeys(spec, CHECK_KEYS, where, 'check', CHECK_ALIASES);
  const items: CheckItem[] = [];
  if (spec.status !== undefined) {
    const statuses = expectStatuses(spec.status, at(where, '.status'), 'check status');
    const only = statuses.length === 1 ? statuses[0] : undefined;
    items.push(
      only !== undefined
        ? { label: `status is ${only}`, test: (r) => r.status === only }
        : { label: `status in [${statuses.join(', ')}]`, test: (r) => statuses.includes(r.status) },
    );
  }
  if (spec.maxDuration !== undefined) {
    const ms = expectDurationWithUnit(spec.maxDuration, at(where, '.maxDuration'), 'maxDuration');
    items.push({
      label: `duration < ${String(spec.maxDuration).trim()}`,
      test: (r) => r.timings.duration < ms,
    });
  }
  if (spec.json !== undefined) items.push(...compileJsonChecks(spec.json, at(where, '.json'), scope));
  if (spec.bodyContains !== undefined) {
    const w = at(where, '.bodyContains');
    const list = Array.isArray(spec.bodyContains) ? spec.bodyContains : [spec.bodyContains];
    if (list.length === 0) throw invalid(w, 'bodyContains must be text or a list of texts, given []');
    list.forEach((text, i) => {
      const wi = Array.isArray(spec.bodyContains) ? at(w, `[${i}]`) : w;
      const t = template(expectString(text, wi, 'bodyContains'), wi, scope);
      items.push({
        label: `body contains ${JSON.stringify(t.source)}`,
        test: (r, run) => r.text.includes(t.render(run)),
      });
    });
  }
  if (items.length === 0) throw invalid(where, 'check is empty', `checks: ${CHECK_KEYS.join(', ')}`);
  return items;
}

function compileJsonChecks(value: unknown, where: At, scope: FlowScope): CheckItem[] {
  const map = expectObject(value, where, 'check json (a map of JSON path → { exists } or { equals })');
  const items: CheckItem[] = [];
  for (const [source, matcher] of Object.entries(map)) {
    const w = at(where, keyPath(source));
    const path = jsonPath(source, w);
    const m = expectObject(matcher, w, `the check of ${source} ({ exists: true } or { equals: value })`);
    checkKeys(m, MATCHER_KEYS, w, `the check of ${source}`);
    if (m.exists === undefined && m.equals === undefined) {
      throw invalid(w, `the check of ${source} is empty`, 'write { exists: true } or { equals: value }');
    }
    if (m.exists !== undefined) {
      if (typeof m.exists !== 'boolean')
        throw invalid(at(w, '.exists'), `exists must be true or false, given ${show(m.exists)}`);
      const want = m.exists;
      items.push({
        label: `${source} ${want ? 'exists' : 'does not exist'}`,
        test: (_r, _run, body) => {
          const json = body.get();
          return json !== NOT_FOUND && (path.query(json) !== NOT_FOUND) === want;
        },
      });
    }
    if (m.equals !== undefined)
      items.push(equalsCheck(source, path.query, m.equals, at(w, '.equals'), scope));
  }
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

function jsonPath(source: string, where: At) {
  try {
    return compileJsonPath(source);
  } catch (e) {
    if (e instanceof JsonPathError) throw invalid(where, e.message);
    throw e;
  }
}

interface CaptureItem {
  as: string;
  /** `$.id`, `header location`, `regexp /…/`: for the failure message. */
  describe: string;
  read(res: HttpResponse, body: ResponseJson): unknown;
}

function compileCaptures(value: unknown, where: At, scope: FlowScope): CaptureItem[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw invalid(where, 'capture is an empty list');
  const items = list.map((c, i) => compileCapture(c, Array.isArray(value) ? at(where, `[${i}]`) : where));
  const names = new Set<string>();
  items.forEach((item, i) => {
    const w = at(Array.isArray(value) ? at(where, `[${i}]`) : where, '.as');
    if (names.has(item.as)) throw invalid(w, `'${item.as}' is captured twice in one step`);
    names.add(item.as);
    const problem = scope.nameProblem(item.as, 'capture');
    if (problem) throw invalid(w, `capture as: ${problem}`);
    scope.addCapture(item.as, where.path);
  });
  return items;
}

function compileCapture(value: unknown, where: At): CaptureItem {
  const spec = expectObject(value, where, 'a capture ({ json: "$.id", as: id })');
  checkKeys(spec, CAPTURE_KEYS, where, 'capture');
  const sources = CAPTURE_SOURCES.filter((k) => spec[k] !== undefined);
  if (sources.length !== 1) {
    throw invalid(
      where,
      sources.length === 0
        ? 'a capture reads json: "$.path", header: name or regexp: pattern'
        : `a capture reads one thing; found ${sources.join(' and ')}`,
    );
  }
  const as = expectString(spec.as, at(where, '.as'), 'capture as (the variable name)');
  if (spec.group !== undefined && sources[0] !== 'regexp')
    throw invalid(at(where, '.group'), 'group goes with regexp');
  switch (sources[0]!) {
    case 'json': {
      const source = expectString(spec.json, at(where, '.json'), 'capture json');
      const path = jsonPath(source, at(where, '.json'));
      return {
        as,
        describe: source,
        read: (_res, body) => {
          const json = body.get();
          return json === NOT_FOUND ? NOT_FOUND : path.query(json);
        },
      };
    }
    case 'header': {
      const name = expectString(spec.header, at(where, '.header'), 'capture header').toLowerCase();
      return { as, describe: `header ${name}`, read: (res) => headerOf(res, name) };
    }
    case 'regexp':
      return regexpCapture(spec, as, where);
  }
}

function regexpCapture(spec: Record<string, unknown>, as: string, where: At): CaptureItem {
  const source = expectString(spec.regexp, at(where, '.regexp'), 'capture regexp');
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (e) {
    throw invalid(
      at(where, '.regexp'),
      `capture regexp ${show(source)} does not compile: ${(e as Error).message}`,
    );
  }
  const groups = new RegExp(`${source}|`).exec('')!.length - 1;
  const group = spec.group ?? (groups > 0 ? 1 : 0);
  if (!Number.isInteger(group) || (group as number) < 0 || (group as number) > groups) {
    throw invalid(
      at(where, '.group'),
      `group must be 0..${groups} (the pattern has ${groups} groups), given ${show(spec.group)}`,
    );
  }
  return {
    as,
    describe: `regexp /${source}/`,
    read: (res) => {
      const m = re.exec(res.text);
      const v = m?.[group as number];
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
