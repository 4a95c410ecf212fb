import { parseDocument } from 'yaml';
import { z } from 'zod';
import { emitYaml } from './emit-yaml.js';
import {
  durationText,
  hasTemplateTrap,
  ImportError,
  type Imported,
  isJsonMime,
  literal,
  literalDeep,
} from './import-types.js';

/**
 * `squall import har FILE`: a browser recording (HTTP Archive 1.2, as the devtools' "Save all as
 * HAR" writes it) → a YAML test with one user whose flow replays the recorded requests in order,
 * with the recording's pauses as think times. Static assets (images, CSS, fonts, scripts, media)
 * are left out unless asked for; headers the browser or the transport adds are dropped.
 */

export interface HarOptions {
  /** The file's name as shown in messages and the output's header. */
  file: string;
  /** Keep images, CSS, fonts, scripts and media. */
  keepStatic?: boolean;
  /** The test's target instead of the recording's main origin (its requests become paths). */
  host?: string;
  /** Leave out the requests to origins other than the main one (analytics, CDNs). */
  sameOrigin?: boolean;
}

/** A pause shorter than this is the browser firing requests together, not a person thinking. */
export const MIN_THINK_MS = 100;

const header = z.object({ name: z.string(), value: z.string() });
const harSchema = z.object({
  log: z.object({
    pages: z.array(z.object({ id: z.string().optional(), title: z.string().optional() })).optional(),
    entries: z.array(
      z.object({
        startedDateTime: z
          .string()
          .refine(
            (s) => !Number.isNaN(Date.parse(s)),
            'expected an ISO 8601 date such as 2026-12-05T09:00:00.000Z',
          ),
        time: z.number().optional(),
        request: z.object({
          method: z.string().min(1),
          url: z.string().min(1),
          headers: z.array(header),
          postData: z
            .object({
              mimeType: z.string().optional(),
              text: z.string().optional(),
              params: z
                .array(
                  z.object({
                    name: z.string(),
                    value: z.string().optional(),
                    fileName: z.string().optional(),
                  }),
                )
                .optional(),
            })
            .optional(),
        }),
        response: z
          .object({
            status: z.number(),
            content: z.object({ mimeType: z.string().optional() }).optional(),
          })
          .optional(),
        _resourceType: z.string().optional(),
      }),
    ),
  }),
});
type HarEntry = z.infer<typeof harSchema>['log']['entries'][number];

/** Request headers a browser or the connection adds, which squall sets itself or must not replay. */
const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'upgrade',
  'content-length',
  'cookie', // the VU's cookie jar holds the cookies the replayed responses set
  'accept-encoding',
  'priority',
  'upgrade-insecure-requests',
  'if-none-match', // cache validators: the recording's cache state, answered 304
  'if-modified-since',
  'cache-control',
  'pragma',
  'dnt',
]);
const DROPPED_PREFIXES = [':', 'sec-fetch-', 'sec-ch-', 'x-devtools-'];

const STATIC_RESOURCE_TYPES = new Set([
  'image',
  'stylesheet',
  'script',
  'font',
  'media',
  'manifest',
  'texttrack',
]);
const STATIC_EXTENSION =
  /\.(png|jpe?g|gif|svg|ico|webp|avif|bmp|tiff?|css|js|mjs|map|woff2?|ttf|otf|eot|mp4|webm|mp3|wav|ogg|m4a|flac|avi|mov)$/i;
const STATIC_MIME =
  /^(image\/|font\/|audio\/|video\/|text\/css|text\/javascript|application\/(x-)?javascript|application\/font|application\/x-font|application\/vnd\.ms-fontobject)/i;

const FLOW_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);

/** The HAR file's text → the squall YAML test. Throws ImportError when it is not a valid HAR. */
export function importHar(text: string, options: HarOptions): Imported {
  const har = readHar(text, options.file);
  const entries = har.log.entries;
  if (entries.length === 0) throw new ImportError(`${options.file} holds no requests (log.entries is empty)`);
  const skipped: string[] = [];
  const skip = new Map<string, number>();
  const count = (why: string) => skip.set(why, (skip.get(why) ?? 0) + 1);

  // Replayed in the order the browser started them.
  const ordered = entries
    .map((e, i) => ({ e, i, at: Date.parse(e.startedDateTime) }))
    .sort((a, b) => a.at - b.at || a.i - b.i);
  const kept: Array<{ e: HarEntry; url: URL; at: number }> = [];
  for (const { e, at } of ordered) {
    let url: URL;
    try {
      url = new URL(e.request.url);
    } catch {
      count('URLs that do not parse');
      continue;
    }
    const method = e.request.method.toUpperCase();
    if (url.protocol !== 'http:' && url.protocol !== 'https:') count(`${url.protocol} URLs (not HTTP)`);
    else if (method === 'OPTIONS') count("OPTIONS requests (CORS preflights: the browser's own)");
    else if (!FLOW_METHODS.has(method))
      count(`${method} requests (a flow sends GET, POST, PUT, PATCH, DELETE, HEAD)`);
    else if (!options.keepStatic && isStatic(e, url))
      count('static assets (images, CSS, fonts, scripts, media; --keep-static keeps them)');
    else kept.push({ e, url, at });
  }
  // The main origin's requests become paths on the target (the recording's origin, or --host).
  const main = mainOrigin(kept);
  const target = options.host ?? main;
  const onTarget = (url: URL) => url.origin === main;
  const steps = options.sameOrigin ? kept.filter((k) => onTarget(k.url)) : kept;
  if (options.sameOrigin && steps.length < kept.length)
    skip.set(`requests to other origins (--same-origin)`, kept.length - steps.length);
  for (const [why, n] of skip) skipped.push(`${why}: ${n}`);
  if (steps.length === 0)
    throw new ImportError(
      `${options.file} has ${entries.length} request${entries.length === 1 ? '' : 's'} but none to replay: ${skipped.join('; ')}`,
    );

  const headersOf = steps.map((s) => requestHeaders(s.e));
  const common = commonHeaders(headersOf);
  const flow: unknown[] = [];
  let thinks = 0;
  let trapped = 0;
  let checks = 0;
  for (const [i, s] of steps.entries()) {
    if (i > 0) {
      // The pause the person took: from the end of the previous request to this one's start.
      const prev = steps[i - 1]!;
      const gap = s.at - (prev.at + Math.max(0, prev.e.time ?? 0));
      if (gap >= MIN_THINK_MS) {
        flow.push({ think: durationText(gap) });
        thinks++;
      }
    }
    const relative = onTarget(s.url);
    const where = relative ? `${s.url.pathname}${s.url.search}` : s.url.href;
    const step: Record<string, unknown> = { [s.e.request.method.toLowerCase()]: literal(where) };
    const own = Object.entries(headersOf[i]!).filter(([k]) => !(k in common));
    const body = bodyOf(s.e);
    const headers = Object.fromEntries(
      own
        .filter(([k]) => !(body.dropContentType && k.toLowerCase() === 'content-type'))
        .map(([k, v]) => [k, literal(v)]),
    );
    const mime = s.e.request.postData?.mimeType;
    if (body.key === 'body' && mime && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
      headers['Content-Type'] = mime;
    if (Object.keys(headers).length > 0) step.headers = headers;
    if (body.key !== undefined) step[body.key] = body.value;
    if (hasTemplateTrap(where) || hasTemplateTrap(body.value)) trapped++;
    const status = s.e.response?.status;
    // 304 answered the recording's cache validators, which are not replayed.
    if (status !== undefined && status >= 100 && status <= 599 && status !== 304) {
      step.check = { status };
      checks++;
    }
    // Each hop of a redirect is its own entry in the recording: replay them one by one.
    step.redirects = 0;
    flow.push(step);
  }
  if (trapped > 0)
    skipped.push(
      `${trapped} request${trapped === 1 ? '' : 's'} with a {{ … }} in the URL or body: squall flows read it as a template; edit it before running`,
    );

  const model: Record<string, unknown> = {};
  if (target !== undefined) model.target = target;
  if (Object.keys(common).length > 0)
    model.defaults = { headers: Object.fromEntries(Object.entries(common).map(([k, v]) => [k, literal(v)])) };
  const title = har.log.pages?.find((p) => p.title)?.title;
  model.users = [{ name: userName(title), flow }];

  const origins = new Set(steps.map((s) => s.url.origin));
  const translated = [
    `${steps.length} request${steps.length === 1 ? '' : 's'} of ${entries.length} recorded, in the order the browser started them`,
    `${thinks} think time${thinks === 1 ? '' : 's'} (pauses of ${MIN_THINK_MS}ms or more between one request's end and the next one's start)`,
    `${checks} status check${checks === 1 ? '' : 's'} (the recorded status)`,
  ];
  if (target !== undefined)
    translated.push(
      `target ${target}${options.host === undefined ? ' (the recording’s main origin)' : ' (--host)'}; its requests as paths`,
    );
  if (origins.size > 1)
    translated.push(
      `${origins.size - 1} other origin${origins.size === 2 ? '' : 's'} kept as full URLs (--same-origin leaves them out)`,
    );
  if (Object.keys(common).length > 0)
    translated.push(
      `${Object.keys(common).length} header${Object.keys(common).length === 1 ? '' : 's'} every request sent → defaults.headers`,
    );
  const yaml = emitYaml(model, [
    `imported from ${options.file} by squall import har`,
    'one user replays the recording once per iteration; size the load with flags:',
    `  squall run THIS_FILE --vus 10 --duration 1m`,
  ]);
  return { source: 'har', text: yaml, translated, skipped };
}

function readHar(text: string, file: string): z.infer<typeof harSchema> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    // V8 names the position for some errors only; the yaml parser (JSON is YAML) finds the line.
    const line = pos
      ? text.slice(0, Number(pos[1])).split('\n').length
      : parseDocument(text).errors[0]?.linePos?.[0].line;
    const what = msg
      .replace(/,\s*(?:\.\.\.)?"[\s\S]*is not valid JSON$/, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    throw new ImportError(
      `${file} is not a HAR file: it is not JSON (${what}${line === undefined ? '' : `, line ${line}`})`,
      line,
    );
  }
  const r = harSchema.safeParse(data);
  if (r.success) return r.data;
  const shown = r.error.issues.slice(0, 3).map((i) => {
    const path = i.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    return `${path || '(top)'}: ${i.message}`;
  });
  const more = r.error.issues.length - shown.length;
  throw new ImportError(
    `${file} is not a valid HAR file (HTTP Archive 1.2: { log: { entries: [{ startedDateTime, request: { method, url, headers }, response }] } }): ` +
      `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
  );
}

function isStatic(e: HarEntry, url: URL): boolean {
  if (e._resourceType !== undefined && STATIC_RESOURCE_TYPES.has(e._resourceType)) return true;
  if (STATIC_EXTENSION.test(url.pathname)) return true;
  const mime = e.response?.content?.mimeType;
  return mime !== undefined && STATIC_MIME.test(mime) && e.request.method.toUpperCase() === 'GET';
}

/** The origin of the page: the first HTML document's, else the one most requests went to. */
function mainOrigin(kept: ReadonlyArray<{ e: HarEntry; url: URL }>): string | undefined {
  const doc = kept.find((k) => /text\/html/i.test(k.e.response?.content?.mimeType ?? ''));
  if (doc) return doc.url.origin;
  const counts = new Map<string, number>();
  for (const k of kept) counts.set(k.url.origin, (counts.get(k.url.origin) ?? 0) + 1);
  let best: string | undefined;
  for (const [o, n] of counts) if (best === undefined || n > counts.get(best)!) best = o;
  return best;
}

/** The headers worth replaying, names as recorded; repeated names joined with ', '. */
function requestHeaders(e: HarEntry): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const { name, value } of e.request.headers) {
    const lower = name.toLowerCase();
    if (DROPPED_HEADERS.has(lower) || DROPPED_PREFIXES.some((p) => lower.startsWith(p))) continue;
    const as = seen.get(lower) ?? name;
    seen.set(lower, as);
    out[as] = as in out ? `${out[as]}, ${value}` : value;
  }
  return out;
}

/** Headers every request sent with the same value (not Content-Type): the test's defaults. */
function commonHeaders(all: ReadonlyArray<Record<string, string>>): Record<string, string> {
  if (all.length < 2) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all[0]!)) {
    if (k.toLowerCase() === 'content-type') continue;
    if (all.every((h) => h[k] === v)) out[k] = v;
  }
  return out;
}

/** The step's body key: json for a JSON body, form for a plain URL-encoded one, body otherwise. */
function bodyOf(e: HarEntry): {
  key?: 'json' | 'form' | 'multipart' | 'body';
  value?: unknown;
  dropContentType?: boolean;
} {
  const pd = e.request.postData;
  if (!pd) return {};
  const mime = pd.mimeType ?? '';
  const text = pd.text ?? '';
  if (isJsonMime(mime) && text !== '') {
    try {
      const parsed = JSON.parse(text) as unknown;
      // A JSON body squall sends with Content-Type: application/json; a variant (charset, +json) is kept.
      return {
        key: 'json',
        value: literalDeep(parsed),
        dropContentType: /^application\/json\s*$/i.test(mime),
      };
    } catch {
      return { key: 'body', value: literal(text) };
    }
  }
  if (/^application\/x-www-form-urlencoded/i.test(mime)) {
    // The text, decoded: browsers differ on whether params hold decoded or encoded values.
    const pairs =
      text !== '' || !pd.params
        ? [...new URLSearchParams(text)]
        : pd.params.map((p) => [p.name, p.value ?? ''] as const);
    const names = new Set(pairs.map(([k]) => k));
    if (names.size === pairs.length && pairs.length > 0)
      return {
        key: 'form',
        value: Object.fromEntries(pairs.map(([k, v]) => [k, literal(v)])),
        dropContentType: true,
      };
  }
  if (text === '' && pd.params && pd.params.length > 0) {
    // A multipart form recorded as params only (the browser keeps no file bytes).
    return {
      key: 'multipart',
      value: Object.fromEntries(pd.params.map((p) => [p.name, literal(p.value ?? '')])),
      dropContentType: true,
    };
  }
  return { key: 'body', value: literal(text) };
}

function userName(title: string | undefined): string {
  const t = title?.trim().replace(/\s+/g, ' ');
  return t !== undefined && t !== '' && t.length <= 60 ? t : 'recording';
}
