/**
 * The built-in demo API: a small prompt store to point squall at. It is a separate program
 * (see main.ts) and imports nothing from the rest of squall, so it stays a fair, independent target.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { type DemoLlmOptions, isLlmPath, llmTiming, serveLlm } from './llm.js';
import { type PromptInput, PromptStore, seededRandom, validatePromptInput } from './store.js';

export interface DemoServerOptions {
  /** Simulated storage latency, uniform in [min, max] milliseconds; default [2, 6]. */
  latencyMs?: [number, number];
  /** Seeds the latency draws, so two runs of a seeded server behave the same. */
  seed?: number;
  /** Most prompts kept before the oldest created one is dropped; default 10,000. */
  maxPrompts?: number;
  /** The OpenAI-compatible completions' timing (llm.ts). */
  llm?: DemoLlmOptions;
}

const MAX_BODY_BYTES = 1024 * 1024;
// An oversized body is read and thrown away so the client gets its 413 on a live connection;
// past this much we stop reading and close instead.
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Context {
  store: PromptStore;
  startedAt: number;
}

type Target =
  | { kind: 'health' }
  | { kind: 'collection' }
  | { kind: 'item'; id: number | undefined; raw: string };

const ALLOW: Record<Target['kind'], readonly string[]> = {
  health: ['GET', 'HEAD'],
  collection: ['GET', 'HEAD', 'POST'],
  item: ['GET', 'HEAD', 'PUT', 'DELETE'],
};

export function createDemoServer(opts: DemoServerOptions = {}): http.Server {
  const latencyMs = checkLatency(opts.latencyMs ?? [2, 6]);
  const random = seededRandom(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
  const store = new PromptStore({ latencyMs, random, maxPrompts: opts.maxPrompts ?? 10_000 });
  const ctx: Context = { store, startedAt: performance.now() };
  const timing = llmTiming(opts.llm);

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'POST' && isLlmPath(path)) {
      // Timed from the request's arrival, so a slow body upload does not shift the tokens.
      const arrivedAt = performance.now();
      readBody(req)
        .then((raw) => {
          if (typeof raw === 'string') send(res, error(413, 'request body too large'));
          else serveLlm(req, res, path, raw, timing, arrivedAt);
        })
        .catch(() => res.destroy());
      return;
    }
    handle(req, res, ctx).catch(() => res.destroy());
  });
  // Longer than any think time, so clients that ignore the Keep-Alive hint do not race our close.
  server.keepAliveTimeout = 30_000;
  server.on('clientError', answerClientError);
  return server;
}

function checkLatency(latency: readonly number[]): [number, number] {
  const [min, max] = latency;
  if (
    latency.length !== 2 ||
    min === undefined ||
    max === undefined ||
    !Number.isFinite(min) ||
    !Number.isFinite(max) ||
    min < 0 ||
    max < min
  ) {
    throw new RangeError(`latencyMs must be [min, max] with 0 <= min <= max, got ${JSON.stringify(latency)}`);
  }
  return [min, max];
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, ctx: Context): Promise<void> {
  let reply: Reply;
  try {
    reply = await dispatch(req, ctx);
  } catch {
    // Usually the client went away mid-body; otherwise a bug, which must cost one request, not the server.
    reply = { status: 500, body: { error: 'internal error' } };
  }
  if (res.headersSent || res.destroyed) return;
  send(res, reply);
}

async function dispatch(req: http.IncomingMessage, ctx: Context): Promise<Reply> {
  const { path, query } = splitUrl(req.url ?? '/');
  const target = matchPath(path);
  if (!target) return error(404, `no route for ${clip(path)}; try GET /prompts`);
  // HEAD runs the GET handler; node drops the body and keeps the headers.
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
  const allow = ALLOW[target.kind];
  if (!allow.includes(method)) {
    return {
      ...error(405, `${method} is not allowed on ${clip(path)}`),
      headers: { allow: allow.join(', ') },
    };
  }
  if (target.kind === 'health') return health(ctx);
  if (target.kind === 'collection') return method === 'GET' ? list(query, ctx) : create(req, ctx);
  if (target.id === undefined) return notFound(target.raw);
  if (method === 'GET') return read(target.id, ctx);
  if (method === 'PUT') return update(req, target.id, ctx);
  return remove(target.id, ctx);
}

function splitUrl(url: string): { path: string; query: URLSearchParams } {
  // Proxies send the absolute form (GET http://host/path); everyone else sends the path.
  if (!url.startsWith('/')) {
    try {
      const parsed = new URL(url);
      url = parsed.pathname + parsed.search;
    } catch {
      return { path: url, query: new URLSearchParams() };
    }
  }
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  return { path: path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path, query };
}

function matchPath(path: string): Target | undefined {
  if (path === '/health') return { kind: 'health' };
  if (path === '/prompts') return { kind: 'collection' };
  const m = /^\/prompts\/([^/]+)$/.exec(path);
  if (!m) return undefined;
  const raw = m[1]!;
  // Ids are positive integers; anything else cannot name a prompt, so it is a plain 404.
  const id = /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : undefined;
  return { kind: 'item', id, raw };
}

function health(ctx: Context): Reply {
  const uptimeSec = Math.round(performance.now() - ctx.startedAt) / 1000;
  return { status: 200, body: { status: 'ok', uptimeSec } };
}

async function list(query: URLSearchParams, ctx: Context): Promise<Reply> {
  const limit = intParam(query, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT);
  if (typeof limit === 'string') return error(400, limit);
  const offset = intParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  if (typeof offset === 'string') return error(400, offset);
  const page = await ctx.store.list(limit, offset);
  return { status: 200, body: { ...page, limit, offset } };
}

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number) {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max))
    return `${name} must be an integer from ${min} to ${max}, got '${clip(value)}'`;
  return n;
}

async function create(req: http.IncomingMessage, ctx: Context): Promise<Reply> {
  const input = await readInput(req);
  if (isReply(input)) return input;
  const prompt = await ctx.store.create(input);
  return { status: 201, body: prompt, headers: { location: `/prompts/${prompt.id}` } };
}

async function read(id: number, ctx: Context): Promise<Reply> {
  const prompt = await ctx.store.get(id);
  return prompt ? { status: 200, body: prompt } : notFound(String(id));
}

async function update(req: http.IncomingMessage, id: number, ctx: Context): Promise<Reply> {
  const input = await readInput(req);
  if (isReply(input)) return input;
  const prompt = await ctx.store.update(id, input);
  return prompt ? { status: 200, body: prompt } : notFound(String(id));
}

async function remove(id: number, ctx: Context): Promise<Reply> {
  return (await ctx.store.delete(id)) ? { status: 204 } : notFound(String(id));
}

/** Reads and validates a prompt body; a Reply means the request was bad. */
async function readInput(req: http.IncomingMessage): Promise<PromptInput | Reply> {
  const body = await readBody(req);
  if (body === 'too-large') {
    return error(413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  if (body === 'far-too-large') {
    return {
      ...error(413, `request body is larger than ${MAX_BODY_BYTES} bytes`),
      headers: { connection: 'close' },
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return error(400, 'request body is not valid JSON');
  }
  const input = validatePromptInput(parsed);
  return typeof input === 'string' ? error(400, input) : input;
}

function isReply(value: PromptInput | Reply): value is Reply {
  return 'status' in value;
}

function readBody(req: http.IncomingMessage): Promise<Buffer | 'too-large' | 'far-too-large'> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > MAX_DRAIN_BYTES) {
      resolve('far-too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) {
        req.pause();
        resolve('far-too-large');
      }
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks, size)));
    req.on('error', reject);
    // A client that disconnects mid-body ends here, with no 'end'; settle so nothing dangles.
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

function send(res: http.ServerResponse, reply: Reply): void {
  if (reply.status === 204) {
    // A 204 has no body by definition, and HTTP forbids a Content-Length on it.
    res.writeHead(204, reply.headers);
    res.end();
    return;
  }
  const body = JSON.stringify(reply.body ?? {});
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...reply.headers,
  });
  res.end(body);
}

function error(status: number, message: string): Reply {
  return { status, body: { error: message } };
}

function notFound(id: string): Reply {
  return error(404, `prompt ${clip(id)} not found`);
}

/** Keeps echoed client input short, so an error message cannot be made huge. */
function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

const CLIENT_ERROR_STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/** Malformed HTTP never reaches a handler; answer it in JSON like everything else, then close. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] = CLIENT_ERROR_STATUS[err.code ?? ''] ?? [400, 'Bad Request'];
  const body = JSON.stringify({ error: `malformed HTTP request (${err.code ?? 'unknown'})` });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
