import { emitYaml, Note } from './emit-yaml.js';
import { ImportError, type Imported, isJsonMime, literal, literalDeep } from './import-types.js';
import { documentedValue, sampleOf } from './schema-sample.js';

/**
 * `squall import openapi SPEC`: a validated, dereferenced OpenAPI 3.x or Swagger 2.0 document →
 * a YAML test whose `smoke` scenario calls every operation once (one VU, parameters and bodies
 * from the spec's examples, defaults and enums, or made up from the schema) and checks the
 * documented success status, plus a load skeleton (one task per operation, weights to set),
 * written commented out below it. Parsing, validation and $ref resolution are the caller's (a
 * real OpenAPI parser, in the api layer); this is the pure translation.
 */

export interface OpenApiOptions {
  /** The spec's name as shown in the output's header. */
  file: string;
  /** The test's target instead of the spec's first server (its base path is kept). */
  host?: string;
}

type Obj = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const FLOW_METHODS = new Set(['get', 'put', 'post', 'delete', 'head', 'patch']);

/** The environment variables an imported test reads its credentials from. */
export const TOKEN_ENV = 'API_TOKEN';
export const KEY_ENV = 'API_KEY';

interface Operation {
  method: string;
  /** The path template, base path included: /v1/pets/{petId}. */
  template: string;
  step: Obj;
  /** Why it has no status check, when it has none. */
  noCheck?: string;
}

/** The dereferenced document → the squall YAML test. */
export function importOpenApi(doc: unknown, options: OpenApiOptions): Imported {
  if (doc === null || typeof doc !== 'object')
    throw new ImportError(`${options.file} is not an OpenAPI document`);
  const d = doc as Obj;
  const swagger = typeof d.swagger === 'string';
  const skipped: string[] = [];
  const translated: string[] = [];
  const server = serverOf(d, swagger);
  const target = options.host ?? server.origin;
  const basePath = server.basePath;
  if (target === undefined)
    skipped.push('target: the spec gives no absolute server URL; pass --host here, or to squall run');

  const globalSecurity = Array.isArray(d.security) ? (d.security as Obj[]) : undefined;
  const schemes = securitySchemes(d, swagger);
  const globalAuth = authFor(globalSecurity, schemes, skipped);

  const ops: Operation[] = [];
  const paths = (d.paths ?? {}) as Obj;
  for (const [path, itemRaw] of Object.entries(paths)) {
    const item = (itemRaw ?? {}) as Obj;
    const shared = Array.isArray(item.parameters) ? (item.parameters as Obj[]) : [];
    for (const method of METHODS) {
      const op = item[method] as Obj | undefined;
      if (op === undefined || op === null) continue;
      const name = `${method.toUpperCase()} ${basePath}${path}`;
      if (!FLOW_METHODS.has(method)) {
        skipped.push(`${name}: a flow sends GET, POST, PUT, PATCH, DELETE and HEAD`);
        continue;
      }
      ops.push(operation(method, path, basePath, op, shared, d, swagger, schemes, globalSecurity, skipped));
    }
  }
  if (ops.length === 0)
    throw new ImportError(`${options.file} has no operation a squall flow can call (paths is empty)`);
  // DELETEs last: a smoke run that deletes the example resource first would fail the reads after it.
  const ordered = [...ops.filter((o) => o.method !== 'delete'), ...ops.filter((o) => o.method === 'delete')];
  const checked = ordered.filter((o) => o.noCheck === undefined).length;
  for (const o of ordered) if (o.noCheck) skipped.push(`${o.step.name}: no status check (${o.noCheck})`);

  const model: Obj = {};
  if (target !== undefined) model.target = target;
  if (Object.keys(globalAuth.headers).length > 0) model.defaults = { headers: globalAuth.headers };
  model.thresholds = { 'checks{scenario:smoke}': ['rate==1'] };
  model.scenarios = {
    smoke: {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 1,
      users: [{ name: 'smoke', flow: ordered.map((o) => o.step) }],
    },
  };
  const info = (d.info ?? {}) as Obj;
  const title = typeof info.title === 'string' ? info.title : options.file;
  const smoke = emitYaml(model, [
    `imported from ${options.file} (${title}${typeof info.version === 'string' ? ` ${info.version}` : ''}) by squall import openapi`,
    `smoke: one VU calls each of the ${ordered.length} operations once and checks the documented status;`,
    'the run fails (exit 99) unless every check passes:  squall run THIS_FILE',
    'load: the skeleton at the end, commented out: set the weights, uncomment it (and drop smoke), then',
    '  squall run THIS_FILE --vus 20 --duration 5m',
  ]);
  const load = emitYaml({
    load: {
      executor: 'ramping-vus',
      stages: [
        { duration: '30s', target: 10 },
        { duration: '2m', target: 10 },
        { duration: '10s', target: 0 },
      ],
      users: [
        {
          name: 'api',
          think: '1s..3s',
          tasks: [
            new Note(
              "weight: each task's share of the iterations; reads start at 3 and writes at 1 — set them to your traffic",
            ),
            ...ordered.map((o) => ({
              name: o.step.name,
              weight: o.method === 'get' || o.method === 'head' ? 3 : 1,
              flow: [o.step],
            })),
          ],
        },
      ],
    },
  });
  const commented = load
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `  # ${l}`.trimEnd());
  const text = `${smoke.replace(/\n+$/, '')}\n# --- the load skeleton: to use it, remove the "# " after the two leading spaces of each line below ---\n${commented.join('\n')}\n`;

  translated.push(
    `${ordered.length} operation${ordered.length === 1 ? '' : 's'} → the smoke flow (DELETEs last), ${checked} with a status check`,
  );
  translated.push(
    `the load skeleton: ${ordered.length} task${ordered.length === 1 ? '' : 's'}, commented out`,
  );
  if (target !== undefined)
    translated.push(
      `target ${target}${options.host === undefined ? ' (the first server)' : ' (--host)'}${basePath ? `, base path ${basePath}` : ''}`,
    );
  if (globalAuth.described.length > 0) translated.push(`auth: ${globalAuth.described.join(', ')}`);
  return { source: 'openapi', text, translated, skipped };
}

/** The origin and base path of the first server (3.x) or host + basePath (2.0). */
function serverOf(d: Obj, swagger: boolean): { origin?: string; basePath: string } {
  if (swagger) {
    const base = typeof d.basePath === 'string' ? d.basePath.replace(/\/+$/, '') : '';
    if (typeof d.host !== 'string') return { basePath: base };
    const schemes = Array.isArray(d.schemes) ? (d.schemes as string[]) : [];
    const scheme = schemes.includes('http') || schemes.length === 0 ? 'http' : schemes[0]!;
    return { origin: new URL(`${scheme}://${d.host}`).origin, basePath: base };
  }
  const servers = Array.isArray(d.servers) ? (d.servers as Obj[]) : [];
  const first = servers[0];
  if (!first || typeof first.url !== 'string') return { basePath: '' };
  const vars = (first.variables ?? {}) as Record<string, Obj>;
  const url = first.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const v = vars[name]?.default;
    return v === undefined ? whole : String(v);
  });
  try {
    const u = new URL(url);
    return { origin: u.origin, basePath: u.pathname.replace(/\/+$/, '') };
  } catch {
    // A relative server URL ("/v1"): the path is known, the host is not.
    return { basePath: url.startsWith('/') ? url.replace(/\/+$/, '') : '' };
  }
}

function securitySchemes(d: Obj, swagger: boolean): Record<string, Obj> {
  if (swagger) return (d.securityDefinitions ?? {}) as Record<string, Obj>;
  return (((d.components ?? {}) as Obj).securitySchemes ?? {}) as Record<string, Obj>;
}

interface Auth {
  headers: Record<string, string>;
  query: Array<[string, string]>;
  described: string[];
}

/** The credentials a security requirement asks for, read from env values with empty fallbacks. */
function authFor(requirements: Obj[] | undefined, schemes: Record<string, Obj>, skipped: string[]): Auth {
  const auth: Auth = { headers: {}, query: [], described: [] };
  const first = requirements?.[0];
  if (!first) return auth;
  for (const name of Object.keys(first)) {
    const s = schemes[name];
    if (!s) continue;
    const type = String(s.type);
    const bearer = `Bearer \${env.${TOKEN_ENV}:-}`;
    if (
      (type === 'http' && String(s.scheme).toLowerCase() === 'bearer') ||
      type === 'oauth2' ||
      type === 'openIdConnect'
    ) {
      auth.headers.Authorization = bearer;
      auth.described.push(`${name} → Authorization: Bearer \${env.${TOKEN_ENV}}`);
    } else if (type === 'apiKey' && typeof s.name === 'string') {
      const value = `\${env.${KEY_ENV}:-}`;
      if (s.in === 'header') auth.headers[s.name] = value;
      else if (s.in === 'query') auth.query.push([s.name, value]);
      else if (s.in === 'cookie') auth.headers.Cookie = `${s.name}=${value}`;
      auth.described.push(`${name} → ${s.in} ${s.name} from \${env.${KEY_ENV}}`);
    } else {
      skipped.push(
        `security scheme ${name} (${type}${s.scheme ? ` ${String(s.scheme)}` : ''}): set its header in defaults.headers by hand`,
      );
    }
  }
  return auth;
}

function operation(
  method: string,
  path: string,
  basePath: string,
  op: Obj,
  shared: Obj[],
  d: Obj,
  swagger: boolean,
  schemes: Record<string, Obj>,
  globalSecurity: Obj[] | undefined,
  skipped: string[],
): Operation {
  const template = `${basePath}${path}`;
  const name = `${method.toUpperCase()} ${template}`;
  const params = mergeParams(shared, Array.isArray(op.parameters) ? (op.parameters as Obj[]) : []);
  let url = template;
  const query: Array<[string, string]> = [];
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  let body: { key: string; value: unknown; contentType?: string } | undefined;
  const formFields: Obj = {};
  let formFile = false;

  for (const p of params) {
    const where = String(p.in);
    if (where === 'body') {
      body = { key: 'json', value: literalDeep(sampleFor(p.schema as Obj, undefined)) };
      continue;
    }
    const required = p.required === true || where === 'path';
    const explicit = explicitValue(p, swagger);
    if (!required && explicit === undefined) continue;
    const value = explicit ?? { value: sampleFor(swagger ? p : (p.schema as Obj), undefined) };
    if (where === 'formData') {
      if (p.type === 'file') formFile = true;
      else formFields[String(p.name)] = literal(scalarText(value.value));
      continue;
    }
    const texts = Array.isArray(value.value) ? value.value.map(scalarText) : [scalarText(value.value)];
    if (where === 'path') url = url.replace(`{${String(p.name)}}`, texts.map(encodeURIComponent).join(','));
    else if (where === 'query') for (const t of texts) query.push([String(p.name), t]);
    else if (where === 'header') headers[String(p.name)] = literal(texts.join(','));
    else if (where === 'cookie') cookies.push(`${String(p.name)}=${texts.join(',')}`);
  }
  if (cookies.length > 0) headers.Cookie = literal(cookies.join('; '));

  if (!swagger && op.requestBody && typeof op.requestBody === 'object') {
    body = requestBody(op.requestBody as Obj, name, skipped);
  } else if (swagger && Object.keys(formFields).length > 0) {
    const consumes = (op.consumes ?? d.consumes ?? []) as string[];
    body = consumes.includes('multipart/form-data')
      ? { key: 'multipart', value: formFields }
      : { key: 'form', value: formFields };
  }
  if (formFile)
    skipped.push(`${name}: a file upload field is left out (add it as multipart: { field: { file: PATH } })`);

  // An operation's own security replaces the global one; [] means none.
  const authQuery: Array<[string, string]> = [];
  const own = Array.isArray(op.security) ? (op.security as Obj[]) : undefined;
  if (own !== undefined && JSON.stringify(own) !== JSON.stringify(globalSecurity)) {
    const a = authFor(own, schemes, skipped);
    Object.assign(headers, a.headers);
    authQuery.push(...a.query);
  } else if (own === undefined && globalSecurity !== undefined) {
    authQuery.push(...authFor(globalSecurity, schemes, []).query);
  }

  // Encoded values hold no `${`; the credentials' own templates are added as they are.
  const qs = [
    ...query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
    ...authQuery.map(([k, v]) => `${encodeURIComponent(k)}=${v}`),
  ].join('&');
  const step: Obj = { [method]: `${literal(url)}${qs === '' ? '' : `?${qs}`}` };
  step.name = name;
  if (body?.contentType !== undefined) headers['Content-Type'] = body.contentType;
  if (Object.keys(headers).length > 0) step.headers = headers;
  if (body) step[body.key] = body.value;
  const status = successStatus(op.responses as Obj | undefined);
  if (status.code !== undefined) {
    step.check = { status: status.code };
    // A documented redirect is checked as it is, not followed.
    if (status.code >= 300 && status.code < 400) step.redirects = 0;
  }
  return { method, template, step, noCheck: status.why };
}

/** Path-item parameters, overridden by the operation's of the same name and location. */
function mergeParams(shared: Obj[], own: Obj[]): Obj[] {
  const key = (p: Obj) => `${String(p.in)}:${String(p.name)}`;
  const out = new Map<string, Obj>();
  for (const p of [...shared, ...own]) if (p && typeof p === 'object') out.set(key(p), p);
  return [...out.values()];
}

/** A parameter's example or examples, or its schema's documented value (not made up). */
function explicitValue(p: Obj, swagger: boolean): { value: unknown } | undefined {
  if (p.example !== undefined) return { value: p.example };
  if (p['x-example'] !== undefined) return { value: p['x-example'] };
  if (p.examples && typeof p.examples === 'object') {
    const first = Object.values(p.examples as Obj)[0] as Obj | undefined;
    if (first && 'value' in first) return { value: first.value };
  }
  const schema = (swagger ? p : p.schema) as Obj | undefined;
  if (!schema || typeof schema !== 'object') return undefined;
  const documented = documentedValue(schema);
  if (documented && !Array.isArray(schema.enum)) return documented;
  if (documented && p.required === true) return documented;
  return schema.default !== undefined ? { value: schema.default } : undefined;
}

function sampleFor(schema: Obj | undefined, fallback: unknown): unknown {
  if (!schema || typeof schema !== 'object') return fallback ?? 'string';
  return sampleOf(schema, 'request');
}

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** OpenAPI 3's requestBody → the step's body: JSON, a form, multipart fields or text. */
function requestBody(
  rb: Obj,
  name: string,
  skipped: string[],
): { key: string; value: unknown; contentType?: string } | undefined {
  const content = (rb.content ?? {}) as Record<string, Obj>;
  const types = Object.keys(content);
  if (types.length === 0) return undefined;
  const pick =
    types.find((t) => isJsonMime(t)) ??
    types.find((t) => /x-www-form-urlencoded/i.test(t)) ??
    types.find((t) => /multipart\/form-data/i.test(t)) ??
    types[0]!;
  const media = content[pick] ?? {};
  let value: unknown;
  if (media.example !== undefined) value = media.example;
  else if (media.examples && typeof media.examples === 'object') {
    const first = Object.values(media.examples as Obj)[0] as Obj | undefined;
    value = first && 'value' in first ? first.value : undefined;
  }
  if (value === undefined) value = sampleFor(media.schema as Obj | undefined, {});
  if (isJsonMime(pick))
    return {
      key: 'json',
      value: literalDeep(value),
      contentType: /^application\/json$/i.test(pick) ? undefined : pick,
    };
  if (
    /x-www-form-urlencoded|multipart\/form-data/i.test(pick) &&
    value !== null &&
    typeof value === 'object'
  ) {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(value as Obj)) {
      const schema = ((media.schema as Obj | undefined)?.properties as Record<string, Obj> | undefined)?.[k];
      if (schema?.format === 'binary' || schema?.format === 'base64') {
        skipped.push(
          `${name}: the file field ${k} is left out (add it as multipart: { ${k}: { file: PATH } })`,
        );
        continue;
      }
      fields[k] = literal(scalarText(v));
    }
    return { key: /multipart/i.test(pick) ? 'multipart' : 'form', value: fields };
  }
  return { key: 'body', value: literal(scalarText(value)), contentType: pick };
}

/** The documented success status: the lowest 2xx (2XX is 200), else the lowest 3xx. */
function successStatus(responses: Obj | undefined): { code?: number; why?: string } {
  const keys = Object.keys(responses ?? {});
  const codes = keys
    .map((k) => (/^[1-5]XX$/i.test(k) ? Number(k[0]) * 100 : Number(k)))
    .filter((n) => Number.isInteger(n) && n >= 100 && n <= 599)
    .sort((a, b) => a - b);
  const ok = codes.find((c) => c >= 200 && c < 300) ?? codes.find((c) => c >= 300 && c < 400);
  if (ok !== undefined) return { code: ok };
  return { why: keys.length === 0 ? 'no responses documented' : `only ${keys.join(', ')} documented` };
}
