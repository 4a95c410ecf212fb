import { z } from 'zod';
import { parseDurationMs } from '../util/duration.js';
import { TOKEN } from '../util/http-token.js';
import { type Condition, ConditionError, parseCondition } from './flow-condition.js';
import { didYouMean, isPlainObject, show } from './flow-shape.js';
import { parseTemplate, TemplateError } from './flow-template.js';
import { compileJsonPath, type JsonPath, JsonPathError } from './json-path.js';

/**
 * The zod schema of one flow step: its kind, its keys and the shape of every value, each problem
 * a custom issue whose message names the key, what was given and what is expected (paths are
 * relative to the step; the compiler adds the flow's). What needs the flow around the step (a
 * `${name}` set earlier, a declared feeder, a name already taken) is the compiler's (flow.ts).
 */

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
/** WebSocket steps: only their kind is read here; flow-ws.ts parses and compiles them. */
export const WS_STEP_KINDS = ['ws', 'send', 'receive', 'close'] as const;
export const STEP_KINDS = [
  ...HTTP_METHODS,
  'think',
  'loop',
  'feed',
  'submitForm',
  'if',
  ...WS_STEP_KINDS,
] as const;

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
  'stream',
  'llm',
  'form',
  'multipart',
  'redirects',
] as const;
/** A multipart file part's keys. */
const FILE_PART_KEYS = ['file', 'filename', 'contentType'] as const;
/** A request's bodies: one at most. */
const BODY_KEYS = ['json', 'body', 'form', 'multipart'] as const;
/** submitForm's own keys, and the request options it takes (its URL and body come from the form). */
const SUBMIT_FORM_KEYS = ['selector', 'fields', 'submitSelector'] as const;
const SUBMIT_OPTION_KEYS = [
  'name',
  'headers',
  'expect',
  'check',
  'capture',
  'timeout',
  'tags',
  'responseType',
  'stream',
  'redirects',
] as const;
export const CHECK_KEYS = ['status', 'maxDuration', 'json', 'bodyContains'] as const;
const MATCHER_KEYS = ['exists', 'equals'] as const;
const CAPTURE_SOURCES = ['json', 'header', 'regexp'] as const;
const CAPTURE_KEYS = [...CAPTURE_SOURCES, 'group', 'as'] as const;
const LOOP_KEYS = ['loop', 'count', 'over', 'as'] as const;
const IF_KEYS = ['if', 'then', 'else'] as const;
export const EXPECT_KEYS = ['status', 'header', 'json', 'bodyContains'] as const;
const EXPECT_ALIASES = {
  statusCode: 'status',
  headers: 'header',
  contains: 'bodyContains',
  hasHeader: 'header',
};
const FEED_KEYS = ['from', 'as', 'per'] as const;
const FEED_PER = ['iteration', 'vu'] as const;

// What Artillery and k6 users will write, mapped to our key.
const CHECK_ALIASES = { statusCode: 'status', maxResponseTime: 'maxDuration', contains: 'bodyContains' };
const REQUEST_ALIASES = { qs: 'query', formData: 'multipart' };

type Key = string | number;
/** Reports a problem at `path` (relative to the value being checked). */
type Report = (message: string, hint?: string, path?: Key[]) => void;

/** What a flow issue carries besides its message. */
export interface FlowIssueParams {
  flow: { hint?: string };
}

/**
 * A value checked by `check`, which returns what the value resolves to and calls `report` for
 * each problem (the value is then refused).
 */
function leaf<T>(check: (value: unknown, report: Report) => T) {
  return z.unknown().transform((value, ctx): T => {
    let failed = false;
    const out = check(value, (message, hint, path = []) => {
      failed = true;
      const params: FlowIssueParams = { flow: hint === undefined ? {} : { hint } };
      ctx.issues.push({ code: 'custom', message, input: value, path, params });
    });
    return failed ? z.NEVER : out;
  });
}

/** Parses `value` with `schema`, reporting its issues under `prefix`; undefined when refused. */
function sub<T>(schema: z.ZodType<T>, value: unknown, report: Report, prefix: Key[] = []): T | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const i of r.error.issues) {
    report(i.message, (i as { params?: Partial<FlowIssueParams> }).params?.flow?.hint, [
      ...prefix,
      ...(i.path as Key[]),
    ]);
  }
  return undefined;
}

/**
 * Refuses keys outside `allowed`, suggesting the nearest one for a typo, or the key another tool
 * uses for the same thing (`aliases`: Artillery's `statusCode` → `status`).
 */
function unknownKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  what: string,
  report: Report,
  aliases: Readonly<Record<string, string>> = {},
  ignore?: string,
): boolean {
  let found = false;
  for (const key of Object.keys(obj)) {
    if (key === ignore || allowed.includes(key)) continue;
    const alias = Object.hasOwn(aliases, key) ? aliases[key] : undefined;
    const hint = alias ? `did you mean '${alias}'?` : didYouMean(key, allowed);
    report(
      `unknown key '${key}' in ${what}${hint ? ` — ${hint}` : ''}`,
      `valid keys: ${allowed.join(', ')}`,
      [key],
    );
    found = true;
  }
  return found;
}

function asMap(value: unknown, what: string, report: Report): Record<string, unknown> | undefined {
  if (isPlainObject(value)) return value;
  report(`${what} must be a map, given ${show(value)}`);
  return undefined;
}

const nonEmptyString = (what: string) =>
  leaf((v, report) => {
    if (typeof v === 'string' && v !== '') return v;
    report(`${what} must be a non-empty string, given ${show(v)}`);
    return '';
  });

/**
 * A duration with a unit (`500ms`, `2s`). Bare numbers are refused where they would be ambiguous
 * (a check's `maxDuration: 500` reads as milliseconds to a k6 user and as seconds to squall's parser).
 */
const durationWithUnit = (what: string) =>
  leaf((v, report) => {
    const ms = typeof v === 'string' && !/^\s*\d+(\.\d+)?\s*$/.test(v) ? parseDurationMs(v) : undefined;
    if (ms === undefined)
      report(`${what} must be a duration with a unit such as 500ms or 2s, given ${show(v)}`);
    return { ms: ms ?? 0, text: String(v).trim() };
  });

/** Think time: `1s`, `250ms`, a number of seconds, or a range `1s..3s`. Resolves to [min, max] in ms. */
const thinkTime = leaf((v, report): [number, number] => {
  const bad = (): [number, number] => {
    report(
      `think must be a duration (1s, 250ms, a number of seconds) or a range such as 1s..3s, given ${show(v)}`,
    );
    return [0, 0];
  };
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? [v * 1000, v * 1000] : bad();
  if (typeof v !== 'string') return bad();
  const parts = v.split('..');
  if (parts.length > 2) return bad();
  const [lo, hi] = parts.map((p) => parseDurationMs(p));
  if (lo === undefined || (parts.length === 2 && hi === undefined)) return bad();
  const max = hi ?? lo;
  if (max < lo) report(`think range ${show(v)} ends before it starts; write the smaller bound first`);
  return [lo, max];
});

/** HTTP statuses: one or a list, each an integer 100–599. */
function statuses(value: unknown, what: string, report: Report, hint?: string): number[] {
  const list = Array.isArray(value) ? value : [value];
  const ok = list.length > 0 && list.every((s) => Number.isInteger(s) && s >= 100 && s <= 599);
  if (!ok) report(`${what} must be a status (100–599) or a list of them, given ${show(value)}`, hint);
  return list as number[];
}

function jsonPath(source: string, report: Report, path: Key[] = []): JsonPath | undefined {
  try {
    return compileJsonPath(source);
  } catch (e) {
    if (e instanceof JsonPathError) report(e.message, undefined, path);
    else throw e;
    return undefined;
  }
}

/** A URL: a path on the target or an http(s) URL; a leading `${…}` is checked when it renders. */
const url = leaf((v, report) => {
  if (typeof v !== 'string' || v === '') {
    report(`url must be a non-empty string, given ${show(v)}`);
    return '';
  }
  let first: unknown;
  try {
    first = parseTemplate(v)[0];
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    // The compiler reports a broken template, with its scope.
  }
  if (typeof first === 'string' && !first.startsWith('/') && !/^https?:\/\//i.test(first)) {
    report(
      `url must be a path starting with / (on the target) or an http(s):// URL, given ${show(v)}`,
      first.includes('://') ? 'only http and https are supported' : `write /${v}`,
    );
  }
  return v;
});

const headers = leaf((v, report) => {
  const map = asMap(v, 'headers', report) ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (!TOKEN.test(key)) report(`${show(key)} is not a valid header name`, undefined, [key]);
    else if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      report(`header ${key} must be text, given ${show(value)}`, undefined, [key]);
    else out[key] = String(value);
  }
  return out;
});

const query = leaf((v, report) => {
  const map = asMap(v, 'query', report) ?? {};
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      out[key] = value;
    else
      report(`query value ${key} must be text, a number or a boolean, given ${show(value)}`, undefined, [
        key,
      ]);
  }
  return out;
});

/** Any JSON value (its string leaves may hold templates, which the compiler reads). */
const json = leaf((v, report) => {
  const visit = (value: unknown, path: Key[]): void => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, [...path, i]);
    } else if (isPlainObject(value)) for (const [k, item] of Object.entries(value)) visit(item, [...path, k]);
    else if (value !== null && !['string', 'number', 'boolean'].includes(typeof value))
      report(`json holds ${show(value)}, which is not a JSON value`, undefined, path);
  };
  visit(v, []);
  return v;
});

const body = leaf((v, report) => {
  if (typeof v === 'string') return v;
  report(
    `body is sent as text and must be a string, given ${show(v)}`,
    isPlainObject(v) || Array.isArray(v) ? 'to send JSON, write json: instead of body:' : undefined,
  );
  return '';
});

/** A form field's value: text (a template), a number or a boolean; a list repeats the field. */
function formValue(v: unknown, what: string, report: Report, path: Key[], list = true): boolean {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
  if (list && Array.isArray(v) && v.length > 0)
    return v.every((item, i) => formValue(item, what, report, [...path, i], false));
  report(
    `${what} must be text, a number or a boolean${list ? ' (or a list of them)' : ''}, given ${show(v)}`,
    undefined,
    path,
  );
  return false;
}

const form = leaf((v, report) => {
  const map = asMap(v, 'form (a map of field → value)', report) ?? {};
  for (const [key, value] of Object.entries(map)) formValue(value, `form field ${key}`, report, [key]);
  return map as Record<string, FormScalar | FormScalar[]>;
});

export type FormScalar = string | number | boolean;
/** A multipart file part: the path as written (relative to the test file), and its headers' values. */
export interface FilePartSpec {
  file: string;
  filename?: string;
  contentType?: string;
}

const multipart = leaf((v, report) => {
  const map = asMap(v, 'multipart (a map of field → text or { file: PATH })', report) ?? {};
  const out: Record<string, FormScalar | FilePartSpec> = {};
  for (const [key, value] of Object.entries(map)) {
    if (!isPlainObject(value)) {
      if (formValue(value, `multipart field ${key}`, report, [key], false)) out[key] = value as FormScalar;
      continue;
    }
    const at: Report = (m, h, p = []) => report(m, h, [key, ...p]);
    if (unknownKeys(value, FILE_PART_KEYS, `the file part ${key}`, at)) continue;
    const file = sub(nonEmptyString('file (a path, relative to the test file)'), value.file, at, ['file']);
    const filename =
      value.filename === undefined
        ? undefined
        : sub(nonEmptyString('filename'), value.filename, at, ['filename']);
    const contentType =
      value.contentType === undefined
        ? undefined
        : sub(nonEmptyString('contentType'), value.contentType, at, ['contentType']);
    if (file === undefined) continue;
    out[key] = {
      file,
      ...(filename === undefined ? {} : { filename }),
      ...(contentType === undefined ? {} : { contentType }),
    };
  }
  return out;
});

const redirects = leaf((v, report) => {
  if (Number.isInteger(v) && (v as number) >= 0) return v as number;
  report(
    `redirects must be a whole number, 0 or more, given ${show(v)}`,
    '0 follows none; the default is 10',
  );
  return 0;
});

/** `bodyContains`: one text or a list of them (`list` says which, for paths), each non-empty. */
function bodyTexts(value: unknown, what: string, report: Report): { texts: string[]; list: boolean } {
  const list = Array.isArray(value);
  const texts: unknown[] = list ? (value as unknown[]) : [value];
  if (texts.length === 0)
    report('bodyContains must be text or a list of texts, given []', undefined, ['bodyContains']);
  for (const [i, t] of texts.entries())
    sub(nonEmptyString(what), t, report, ['bodyContains', ...(list ? [i] : [])]);
  return { texts: texts as string[], list };
}

/** One `expect: { header: … }` item: the value equals (case-insensitive name), or matches /regex/. */
export interface ExpectHeader {
  name: string;
  equals?: string;
  regex?: RegExp;
  source: string;
}

/** `expect:` as a map: every unmet item marks the request failed (http_req_failed, errors[]). */
export interface ExpectSpec {
  status?: number[];
  header?: ExpectHeader[];
  json?: JsonCheck[];
  bodyContains?: string[];
}

const expectMap = (map: Record<string, unknown>, report: Report): ExpectSpec => {
  if (unknownKeys(map, EXPECT_KEYS, 'expect', report, EXPECT_ALIASES)) return {};
  const out: ExpectSpec = {};
  if (map.status !== undefined)
    out.status = statuses(map.status, 'expect status', (m, h, p = []) => report(m, h, ['status', ...p]));
  if (map.header !== undefined) {
    const at: Report = (m, h, p = []) => report(m, h, ['header', ...p]);
    const headersMap = asMap(map.header, 'expect header (a map of header name → value or /regex/)', at) ?? {};
    out.header = [];
    for (const [name, value] of Object.entries(headersMap)) {
      if (!TOKEN.test(name)) {
        at(`${show(name)} is not a valid header name`, undefined, [name]);
        continue;
      }
      if (typeof value !== 'string' && typeof value !== 'number') {
        at(`expect header ${name} must be text or /regex/, given ${show(value)}`, undefined, [name]);
        continue;
      }
      const text = String(value);
      const re = /^\/(.*)\/([a-z]*)$/s.exec(text);
      if (re) {
        try {
          out.header.push({ name: name.toLowerCase(), regex: new RegExp(re[1]!, re[2]), source: text });
        } catch (e) {
          at(`expect header ${name}: ${show(text)} does not compile: ${(e as Error).message}`, undefined, [
            name,
          ]);
        }
      } else out.header.push({ name: name.toLowerCase(), equals: text, source: text });
    }
  }
  if (map.json !== undefined) {
    const j = sub(jsonChecks, map.json, report, ['json']);
    if (j) out.json = j;
  }
  if (map.bodyContains !== undefined)
    out.bodyContains = bodyTexts(map.bodyContains, 'expect bodyContains', report).texts;
  const items =
    (out.status ? 1 : 0) +
    (out.header?.length ?? 0) +
    (out.json?.length ?? 0) +
    (out.bodyContains?.length ?? 0);
  if (items === 0 && Object.keys(map).length === 0)
    report('expect is empty', `expect: a status, a list of statuses, or a map of ${EXPECT_KEYS.join(', ')}`);
  return out;
};

const expect = leaf((v, report): number | number[] | ExpectSpec => {
  if (isPlainObject(v)) return expectMap(v, report);
  const artillery = Array.isArray(v) && v.some(isPlainObject);
  const list = statuses(
    v,
    'expect',
    report,
    artillery
      ? 'expect lists the statuses that count as success (expect: [200, 201]); to verify, write check: { status: 200 }'
      : undefined,
  );
  return Array.isArray(v) ? list : list[0]!;
});

const responseType = leaf((v, report) => {
  if (v !== 'text' && v !== 'none')
    report(
      `responseType must be text or none, given ${show(v)}`,
      'none reads the body and counts it without keeping it (k6); text keeps it',
    );
  return v as 'text' | 'none';
});

const stream = leaf((v, report) => {
  if (v !== true && v !== false && v !== 'chunks' && v !== 'sse')
    report(
      `stream must be true, chunks or sse, given ${show(v)}`,
      'true (or chunks) times the body as it arrives (stream_* metrics); sse parses server-sent events (sse_* metrics)',
    );
  return v as boolean | 'chunks' | 'sse';
});

const llm = leaf((v, report) => {
  if (v !== true && v !== false && v !== 'chat' && v !== 'completions')
    report(
      `llm must be true, chat or completions, given ${show(v)}`,
      'reads the answer as a streamed OpenAI-compatible completion (llm_* metrics); true picks chat or completions by the URL',
    );
  return v as boolean | 'chat' | 'completions';
});

const tags = leaf((v, report) => {
  const map = asMap(v, 'tags', report) ?? {};
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(map)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      report(`tag ${k} must be text, given ${show(value)}`, undefined, [k]);
    else out[k] = String(value);
  }
  return out;
});

/** One JSON check: the path, and `exists` and/or `equals` (a template when it is text). */
export interface JsonCheck {
  source: string;
  path: JsonPath;
  exists?: boolean;
  equals?: unknown;
}

const jsonChecks = leaf((v, report): JsonCheck[] => {
  const map = asMap(v, 'check json (a map of JSON path → { exists } or { equals })', report) ?? {};
  const out: JsonCheck[] = [];
  for (const [source, matcher] of Object.entries(map)) {
    const at = (message: string, hint?: string, path: Key[] = []) => report(message, hint, [source, ...path]);
    const path = jsonPath(source, at);
    if (!path) continue;
    const m = asMap(matcher, `the check of ${source} ({ exists: true } or { equals: value })`, at);
    if (!m || unknownKeys(m, MATCHER_KEYS, `the check of ${source}`, at)) continue;
    if (m.exists === undefined && m.equals === undefined) {
      at(`the check of ${source} is empty`, 'write { exists: true } or { equals: value }');
      continue;
    }
    if (m.exists !== undefined && typeof m.exists !== 'boolean') {
      at(`exists must be true or false, given ${show(m.exists)}`, undefined, ['exists']);
      continue;
    }
    out.push({
      source,
      path,
      ...(m.exists === undefined ? {} : { exists: m.exists as boolean }),
      ...(m.equals === undefined ? {} : { equals: m.equals }),
    });
  }
  return out;
});

/** A step's checks; `bodyContains.list` says whether it was written as a list (for paths). */
export interface CheckSpec {
  status?: number[];
  maxDuration?: { ms: number; text: string };
  json?: JsonCheck[];
  bodyContains?: { texts: string[]; list: boolean };
}

const check = leaf((v, outer): CheckSpec => {
  let failed = false;
  const report: Report = (m, h, p) => {
    failed = true;
    outer(m, h, p);
  };
  const spec = asMap(v, 'check', report);
  if (!spec || unknownKeys(spec, CHECK_KEYS, 'check', report, CHECK_ALIASES)) return {};
  const out: CheckSpec = {};
  if (spec.status !== undefined)
    out.status = statuses(spec.status, 'check status', (m, h, p = []) => report(m, h, ['status', ...p]));
  if (spec.maxDuration !== undefined) {
    const d = sub(durationWithUnit('maxDuration'), spec.maxDuration, report, ['maxDuration']);
    if (d) out.maxDuration = d;
  }
  if (spec.json !== undefined) {
    const j = sub(jsonChecks, spec.json, report, ['json']);
    if (j) out.json = j;
  }
  if (spec.bodyContains !== undefined)
    out.bodyContains = bodyTexts(spec.bodyContains, 'bodyContains', report);
  const items =
    (out.status ? 1 : 0) +
    (out.maxDuration ? 1 : 0) +
    (out.json?.length ?? 0) +
    (out.bodyContains?.texts.length ?? 0);
  if (items === 0 && !failed) report('check is empty', `checks: ${CHECK_KEYS.join(', ')}`);
  return out;
});

/** What a capture reads, and the name it stores the value under. */
export type CaptureSpec = { as: string } & (
  | { json: string; path: JsonPath }
  | { header: string }
  | { regexp: RegExp; source: string; group: number }
);

const captureOne = leaf((v, report): CaptureSpec => {
  const none = { as: '', header: '' };
  const spec = asMap(v, 'a capture ({ json: "$.id", as: id })', report);
  if (!spec || unknownKeys(spec, CAPTURE_KEYS, 'capture', report)) return none;
  const sources = CAPTURE_SOURCES.filter((k) => spec[k] !== undefined);
  if (sources.length !== 1) {
    report(
      sources.length === 0
        ? 'a capture reads json: "$.path", header: name or regexp: pattern'
        : `a capture reads one thing; found ${sources.join(' and ')}`,
    );
    return none;
  }
  const as = sub(nonEmptyString('capture as (the variable name)'), spec.as, report, ['as']);
  if (as === undefined) return none;
  if (spec.group !== undefined && sources[0] !== 'regexp') {
    report('group goes with regexp', undefined, ['group']);
    return none;
  }
  switch (sources[0]!) {
    case 'json': {
      const source = sub(nonEmptyString('capture json'), spec.json, report, ['json']);
      const path = source === undefined ? undefined : jsonPath(source, report, ['json']);
      return path ? { as, json: source!, path } : none;
    }
    case 'header': {
      const name = sub(nonEmptyString('capture header'), spec.header, report, ['header']);
      return name === undefined ? none : { as, header: name.toLowerCase() };
    }
    case 'regexp': {
      const source = sub(nonEmptyString('capture regexp'), spec.regexp, report, ['regexp']);
      if (source === undefined) return none;
      let re: RegExp;
      try {
        re = new RegExp(source);
      } catch (e) {
        report(`capture regexp ${show(source)} does not compile: ${(e as Error).message}`, undefined, [
          'regexp',
        ]);
        return none;
      }
      const groups = new RegExp(`${source}|`).exec('')!.length - 1;
      const group = spec.group ?? (groups > 0 ? 1 : 0);
      if (!Number.isInteger(group) || (group as number) < 0 || (group as number) > groups) {
        report(
          `group must be 0..${groups} (the pattern has ${groups} groups), given ${show(spec.group)}`,
          undefined,
          ['group'],
        );
        return none;
      }
      return { as, regexp: re, source, group: group as number };
    }
  }
});

/** A step's captures; `list` says whether they were written as a list (for paths). */
export interface Captures {
  items: CaptureSpec[];
  list: boolean;
}

const capture = leaf((v, report): Captures => {
  const list = Array.isArray(v);
  const specs: unknown[] = list ? v : [v];
  if (specs.length === 0) report('capture is an empty list');
  const items = specs.map((c, i) => sub(captureOne, c, report, list ? [i] : []));
  const names = new Set<string>();
  items.forEach((item, i) => {
    if (!item) return;
    if (names.has(item.as))
      report(`'${item.as}' is captured twice in one step`, undefined, [...(list ? [i] : []), 'as']);
    names.add(item.as);
  });
  return { items: items.filter((i) => i !== undefined), list };
});

// In the order the compiler reads them, so a step's problems are listed in that order.
const OPTION_SCHEMAS = {
  name: nonEmptyString('name'),
  headers,
  query,
  json,
  body,
  form,
  multipart,
  expect,
  timeout: durationWithUnit('timeout'),
  redirects,
  responseType,
  stream,
  llm,
  tags,
  check,
  capture,
};

export type RequestOptionsSpec = {
  [K in keyof typeof OPTION_SCHEMAS]?: z.output<(typeof OPTION_SCHEMAS)[K]>;
};

export interface RequestStep {
  kind: 'request';
  method: HttpMethod;
  /** `if:` beside the method: the request is sent only when it holds. */
  if?: Condition;
  url: string;
  /** The options sit inside the method (`get: { url, … }`) rather than beside it. */
  inside: boolean;
  options: RequestOptionsSpec;
}

function requestOptions(map: Record<string, unknown>, report: Report): RequestOptionsSpec {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(OPTION_SCHEMAS)) {
    if (map[key] === undefined) continue;
    const value = sub(schema as z.ZodType, map[key], report, [key]);
    if (value !== undefined) out[key] = value;
  }
  const bodies = BODY_KEYS.filter((k) => map[k] !== undefined);
  if (bodies.length > 1)
    report(
      `a request has one body: ${bodies.join(' or ')}, not ${bodies.length === 2 ? 'both' : 'several'}`,
      'json sends JSON; body sends text as is; form sends a URL-encoded form; multipart sends fields and files',
      [bodies[1]!],
    );
  return out as RequestOptionsSpec;
}

/** A condition (`if:`): text parsed now, its names resolved by the compiler. */
export const condition = leaf((v, report): Condition => {
  const none = { source: 'false', node: { kind: 'literal', value: false } } as Condition;
  if (typeof v === 'boolean' || typeof v === 'number')
    return { source: String(v), node: { kind: 'literal', value: v } };
  if (typeof v !== 'string' || v.trim() === '') {
    report(`if must be a condition such as "\${status} == 'active'", given ${show(v)}`);
    return none;
  }
  try {
    return parseCondition(v);
  } catch (e) {
    if (!(e instanceof ConditionError)) throw e;
    report(e.message, e.hint);
    return none;
  }
});

function request(method: HttpMethod, step: Record<string, unknown>, report: Report): RequestStep | undefined {
  const head = step[method];
  const at = (m: string, h?: string, p: Key[] = []) => report(m, h, [method, ...p]);
  if (typeof head === 'string') {
    const allowed = REQUEST_KEYS.filter((k) => k !== 'url');
    if (unknownKeys(step, allowed, `a ${method} step`, report, REQUEST_ALIASES, method)) return undefined;
    const u = sub(url, head, at);
    const options = requestOptions(step, report);
    return u === undefined ? undefined : { kind: 'request', method, url: u, inside: false, options };
  }
  if (isPlainObject(head)) {
    const beside = Object.keys(step).find((k) => k !== method);
    if (beside !== undefined) {
      report(
        `'${beside}' sits beside ${method}: { … }; write the options either all inside ${method}: { url, … } or beside ${method}: /path`,
        undefined,
        [beside],
      );
      return undefined;
    }
    if (unknownKeys(head, REQUEST_KEYS, `a ${method} request`, at, REQUEST_ALIASES)) return undefined;
    if (head.url === undefined) {
      at(`${method}: { … } needs url: /path`, undefined, ['url']);
      return undefined;
    }
    const u = sub(url, head.url, at, ['url']);
    const options = requestOptions(head, at);
    return u === undefined ? undefined : { kind: 'request', method, url: u, inside: true, options };
  }
  at(`${method} takes a URL (/path) or a map { url, name, … }, given ${show(head)}`);
  return undefined;
}

export interface ThinkStep {
  kind: 'think';
  /** [min, max] in ms. */
  think: [number, number];
}

export interface FeedStep {
  kind: 'feed';
  from: string;
  /** `feed: name` rather than `feed: { from: name }` (for paths). */
  short: boolean;
  as: string;
  per: (typeof FEED_PER)[number];
}

export interface LoopStep {
  kind: 'loop';
  /** The body's steps, each still to be parsed with stepSchema (as the compiler reaches it). */
  loop: unknown[];
  /** A number, or a template (`"${n}"`) giving a whole number when the loop starts. */
  count?: number | string;
  /** A feeder or capture name, or a literal list. */
  over?: string | unknown[];
  as: string;
}

/** k6's submitForm on the VU's last response. */
export interface SubmitFormStep {
  kind: 'submitForm';
  selector?: string;
  fields?: Record<string, FormScalar>;
  submitSelector?: string;
  options: RequestOptionsSpec;
}

function submitForm(step: Record<string, unknown>, report: Report): SubmitFormStep | undefined {
  const beside = Object.keys(step).find((k) => k !== 'submitForm');
  if (beside !== undefined) {
    report(`'${beside}' sits beside submitForm: { … }; write it inside`, undefined, [beside]);
    return undefined;
  }
  const at: Report = (m, h, p = []) => report(m, h, ['submitForm', ...p]);
  const spec =
    step.submitForm === null
      ? {}
      : asMap(step.submitForm, 'submitForm (a map: selector, fields, name, check, capture, expect …)', at);
  if (
    !spec ||
    unknownKeys(spec, [...SUBMIT_FORM_KEYS, ...SUBMIT_OPTION_KEYS], 'submitForm', at, REQUEST_ALIASES)
  )
    return undefined;
  const selector =
    spec.selector === undefined
      ? undefined
      : sub(nonEmptyString('selector (CSS)'), spec.selector, at, ['selector']);
  const submitSelector =
    spec.submitSelector === undefined
      ? undefined
      : sub(nonEmptyString('submitSelector (CSS)'), spec.submitSelector, at, ['submitSelector']);
  let fields: Record<string, FormScalar> | undefined;
  if (spec.fields !== undefined) {
    const map = asMap(spec.fields, 'fields (a map of field → value)', (m, h) => at(m, h, ['fields']));
    if (map === undefined) return undefined;
    let ok = true;
    for (const [k, v] of Object.entries(map)) ok = formValue(v, `field ${k}`, at, ['fields', k], false) && ok;
    if (!ok) return undefined;
    fields = map as Record<string, FormScalar>;
  }
  const options = requestOptions(spec, at);
  return {
    kind: 'submitForm',
    ...(selector === undefined ? {} : { selector }),
    ...(fields === undefined ? {} : { fields }),
    ...(submitSelector === undefined ? {} : { submitSelector }),
    options,
  };
}

export interface IfStep {
  kind: 'if';
  if: Condition;
  /** The branches' steps, each still to be parsed with stepSchema. */
  then: unknown[];
  else?: unknown[];
}

/** A WebSocket step as written (flow-ws.ts). */
export interface WsRawStep {
  kind: 'ws-step';
  type: (typeof WS_STEP_KINDS)[number];
  step: Record<string, unknown>;
}

export type FlowStep = RequestStep | ThinkStep | FeedStep | LoopStep | SubmitFormStep | IfStep | WsRawStep;

/** A list of steps (a flow, or a loop's body); each step is parsed on its own by stepSchema. */
export const stepList = leaf((v, report): unknown[] => {
  if (!Array.isArray(v)) report(`a flow is a list of steps, given ${show(v)}`);
  else if (v.length === 0) report('a flow needs at least one step', 'for example: - get: /health');
  return Array.isArray(v) ? v : [];
});

function feed(step: Record<string, unknown>, report: Report): FeedStep | undefined {
  if (unknownKeys(step, ['feed'], 'a feed step', report)) return undefined;
  const at = (m: string, h?: string, p: Key[] = []) => report(m, h, ['feed', ...p]);
  const short = typeof step.feed === 'string';
  const spec = short
    ? { from: step.feed }
    : asMap(step.feed, 'feed (a feeder name or { from, as, per })', at);
  if (!spec || unknownKeys(spec, FEED_KEYS, 'feed', at)) return undefined;
  const from = sub(nonEmptyString('feed from (a feeder name)'), spec.from, at, short ? [] : ['from']);
  const as = spec.as === undefined ? 'row' : sub(nonEmptyString('feed as'), spec.as, at, ['as']);
  const per = spec.per ?? 'iteration';
  if (!(FEED_PER as readonly unknown[]).includes(per)) {
    at(
      `per must be iteration (a new row each iteration) or vu (one row per VU), given ${show(per)}`,
      undefined,
      ['per'],
    );
    return undefined;
  }
  if (from === undefined || as === undefined) return undefined;
  return { kind: 'feed', from, short, as, per: per as FeedStep['per'] };
}

function loop(step: Record<string, unknown>, report: Report): LoopStep | undefined {
  if (unknownKeys(step, LOOP_KEYS, 'a loop step', report)) return undefined;
  let count = step.count;
  if (typeof count === 'string' && /^\s*\d+\s*$/.test(count)) count = Number(count);
  const templated = typeof count === 'string' && (count.includes('${') || count.includes('{{'));
  if (count !== undefined && !templated && (!Number.isInteger(count) || (count as number) < 1)) {
    report(
      `count must be a whole number of rounds, 1 or more, or a template giving one ("\${n}"), given ${show(count)}`,
      undefined,
      ['count'],
    );
    return undefined;
  }
  if (count === undefined && step.over === undefined) {
    report('a loop needs count: N or over: a feeder (or a list)', 'for example: loop: [ … ], count: 3');
    return undefined;
  }
  if (step.as !== undefined && step.over === undefined) {
    report('as names the items of over:, and this loop has no over', undefined, ['as']);
    return undefined;
  }
  let over: LoopStep['over'];
  if (Array.isArray(step.over)) {
    if (step.over.length === 0)
      report('over is an empty list; the loop would never run', undefined, ['over']);
    over = step.over;
  } else if (step.over !== undefined) {
    over = sub(nonEmptyString('over (a feeder name or a list)'), step.over, report, ['over']);
  }
  const as = step.as === undefined ? 'item' : sub(nonEmptyString('loop as'), step.as, report, ['as']);
  const body = sub(stepList, step.loop, report, ['loop']);
  if (body === undefined || as === undefined || (step.over !== undefined && over === undefined))
    return undefined;
  return {
    kind: 'loop',
    loop: body,
    ...(count === undefined ? {} : { count: count as number | string }),
    ...(over === undefined ? {} : { over }),
    as,
  };
}

function ifStep(step: Record<string, unknown>, report: Report): IfStep | undefined {
  if (unknownKeys(step, IF_KEYS, 'an if step', report, { ifTrue: 'if', else_: 'else' })) return undefined;
  if (step.then === undefined) {
    report('an if step needs then: [ … steps … ]', 'for example: { if: token, then: [ { get: /me } ] }');
    return undefined;
  }
  const cond = sub(condition, step.if, report, ['if']);
  const then = sub(stepList, step.then, report, ['then']);
  const otherwise = step.else === undefined ? undefined : sub(stepList, step.else, report, ['else']);
  if (cond === undefined || then === undefined || (step.else !== undefined && otherwise === undefined))
    return undefined;
  return { kind: 'if', if: cond, then, ...(otherwise === undefined ? {} : { else: otherwise }) };
}

/** One step of a flow: its kind, then that kind's keys and values. */
export const stepSchema = leaf((v, report): FlowStep => {
  const none = { kind: 'think', think: [0, 0] } as ThinkStep;
  if (!isPlainObject(v)) {
    report(
      `a step is a map such as { get: /path }, given ${show(v)}`,
      typeof v === 'string' ? `write - get: ${v.replace(/^\s*GET\s+/i, '')}` : undefined,
    );
    return none;
  }
  const keys = Object.keys(v);
  let kinds = keys.filter((k): k is (typeof STEP_KINDS)[number] =>
    (STEP_KINDS as readonly string[]).includes(k),
  );
  // `if:` beside a method is that request's condition, not a second kind of step.
  const method = kinds.find((k) => (HTTP_METHODS as readonly string[]).includes(k));
  if (method !== undefined && kinds.includes('if') && v.then === undefined && v.else === undefined) {
    kinds = kinds.filter((k) => k !== 'if');
    const { if: raw, ...rest } = v;
    const cond = sub(condition, raw, report, ['if']);
    if (kinds.length === 1) {
      const req = request(method as HttpMethod, rest, report);
      return req && cond ? { ...req, if: cond } : none;
    }
  }
  if (kinds.length === 0) {
    if (keys.length === 0) {
      report('empty step', `a step is one of: ${STEP_KINDS.join(', ')}`);
      return none;
    }
    const key = keys[0]!;
    const hint =
      didYouMean(key, STEP_KINDS) ??
      (key === 'function' ? 'squall runs functions from TypeScript tests' : undefined);
    report(`unknown step '${key}'${hint ? ` — ${hint}` : ''}`, `steps: ${STEP_KINDS.join(', ')}`, [key]);
    return none;
  }
  if (kinds.length > 1) {
    report(
      `a step does one thing; this one has ${kinds.map((k) => `'${k}'`).join(' and ')}`,
      'split it into two steps',
    );
    return none;
  }
  const kind = kinds[0]!;
  switch (kind) {
    case 'think': {
      if (unknownKeys(v, ['think'], 'a think step', report)) return none;
      const think = sub(thinkTime, v.think, report, ['think']);
      return think ? { kind: 'think', think } : none;
    }
    case 'feed':
      return feed(v, report) ?? none;
    case 'loop':
      return loop(v, report) ?? none;
    case 'submitForm':
      return submitForm(v, report) ?? none;
    case 'if':
      return ifStep(v, report) ?? none;
    case 'ws':
    case 'send':
    case 'receive':
    case 'close':
      return { kind: 'ws-step', type: kind, step: v };
    default:
      return request(kind, v, report) ?? none;
  }
});

// The pieces flow-ws.ts builds the WebSocket steps' schema from.
export {
  asMap,
  capture as captureSchema,
  durationWithUnit,
  headers as headersSchema,
  json as jsonSchema,
  jsonChecks,
  type Key,
  leaf,
  nonEmptyString,
  type Report,
  sub,
  unknownKeys,
};
