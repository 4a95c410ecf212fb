/**
 * The demo API's OpenAI-compatible completions (`POST /v1/chat/completions`, `POST
 * /v1/completions`): a stub with known timing, so `squall llm` can be tried with no API key and
 * its figures checked against truth. Token i is sent at arrival + firstTokenMs + i × tokenMs,
 * never sooner (whenDue: within microseconds of it when the machine lets the process run). The
 * schedule is fixed from the arrival, so a token sent late does not delay the ones after it:
 * the end-to-end time stays the truth under load, at the cost of one short gap after a late one.
 */
import type http from 'node:http';

export interface DemoLlmOptions {
  /** Tokens in an answer when the request gives no `max_tokens`; default 50. */
  tokens?: number;
  /** Delay before the first token, ms; default 200. */
  firstTokenMs?: number;
  /** Delay between tokens, ms; default 20. */
  tokenMs?: number;
}

export interface LlmTiming {
  tokens: number;
  firstTokenMs: number;
  tokenMs: number;
}

/** Answers longer than this are cut to it: the stub's answers are for measuring, not for reading. */
const MAX_TOKENS = 4096;
const WORDS = ['squall', 'measures', 'the', 'time', 'to', 'first', 'token', 'and', 'between', 'tokens'];

export function llmTiming(o: DemoLlmOptions = {}): LlmTiming {
  const t = { tokens: o.tokens ?? 50, firstTokenMs: o.firstTokenMs ?? 200, tokenMs: o.tokenMs ?? 20 };
  for (const [k, v] of Object.entries(t)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${k} must be a number >= 0, got ${v}`);
  }
  return t;
}

export function isLlmPath(path: string): boolean {
  return path === '/v1/chat/completions' || path === '/v1/completions';
}

interface LlmRequest {
  model: string;
  stream: boolean;
  usage: boolean;
  tokens: number;
  promptTokens: number;
}

/** The request's fields that matter here, or the OpenAI-style 400 message. */
function parseRequest(body: unknown, chat: boolean, timing: LlmTiming): LlmRequest | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'the body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return "'model' is required (a string)";
  let text: string;
  if (chat) {
    if (!Array.isArray(b.messages) || b.messages.length === 0)
      return "'messages' is required: a non-empty list of {role, content}";
    text = b.messages.map((m) => (typeof m?.content === 'string' ? m.content : '')).join(' ');
  } else {
    if (typeof b.prompt !== 'string') return "'prompt' is required (a string)";
    text = b.prompt;
  }
  const max = b.max_tokens ?? b.max_completion_tokens;
  if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 1))
    return "'max_tokens' must be an integer >= 1";
  const opts = b.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: b.model,
    stream: b.stream === true,
    usage: opts?.include_usage === true,
    tokens: Math.min((max as number | undefined) ?? timing.tokens, MAX_TOKENS),
    // Words stand in for tokens: the stub has no tokenizer, and its counts need only be consistent.
    promptTokens: text.split(/\s+/).filter((w) => w !== '').length,
  };
}

function word(i: number): string {
  return `${i === 0 ? '' : ' '}${WORDS[i % WORDS.length]}`;
}

/** Serves one completion request whose body has been read (a 400 for what is not a valid request). */
export function serveLlm(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  raw: Buffer,
  timing: LlmTiming,
  arrivedAt: number,
): void {
  const chat = path === '/v1/chat/completions';
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    answer(res, 400, { error: { message: 'request body is not valid JSON', type: 'invalid_request_error' } });
    return;
  }
  const r = parseRequest(body, chat, timing);
  if (typeof r === 'string') {
    answer(res, 400, { error: { message: r, type: 'invalid_request_error' } });
    return;
  }
  const id = `cmpl-demo-${Math.floor(arrivedAt * 1000).toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const object = chat ? 'chat.completion' : 'text_completion';
  const usage = {
    prompt_tokens: r.promptTokens,
    completion_tokens: r.tokens,
    total_tokens: r.promptTokens + r.tokens,
  };
  let cancelled = false;
  req.socket.once('close', () => {
    cancelled = true;
  });
  if (!r.stream) {
    const text = Array.from({ length: r.tokens }, (_, i) => word(i)).join('');
    const choice = chat
      ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'length' }
      : { index: 0, text, finish_reason: 'length' };
    const at = arrivedAt + timing.firstTokenMs + (r.tokens - 1) * timing.tokenMs;
    whenDue(
      at,
      () => cancelled,
      () => answer(res, 200, { id, object, created, model: r.model, choices: [choice], usage }),
    );
    return;
  }
  res.socket?.setNoDelay(true);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // The head goes now, as a real server's does: the client's time to first byte is not its TTFT.
  res.flushHeaders();
  const chunkObject = chat ? 'chat.completion.chunk' : 'text_completion';
  let i = 0;
  const due = (n: number) => arrivedAt + timing.firstTokenMs + n * timing.tokenMs;
  const gone = () => cancelled || res.destroyed;
  const next = () => {
    const last = i === r.tokens - 1;
    const finish = last ? 'length' : null;
    const choice = chat
      ? {
          index: 0,
          delta: i === 0 ? { role: 'assistant', content: word(i) } : { content: word(i) },
          finish_reason: finish,
        }
      : { index: 0, text: word(i), finish_reason: finish };
    // The last token, the usage and [DONE] go in one write, as servers send them together.
    let out = `data: ${JSON.stringify({ id, object: chunkObject, created, model: r.model, choices: [choice] })}\n\n`;
    if (last) {
      if (r.usage)
        out += `data: ${JSON.stringify({ id, object: chunkObject, created, model: r.model, choices: [], usage })}\n\n`;
      out += 'data: [DONE]\n\n';
      res.end(out);
      return;
    }
    res.write(out);
    i++;
    whenDue(due(i), gone, next);
  };
  whenDue(due(0), gone, next);
}

/** Timers fire up to a millisecond early or late (the loop's cached clock); the last stretch is polled. */
const POLL_MS = 4;

/**
 * Runs `fn` at `at` (performance.now() ms), never before and within a few microseconds after:
 * a timer brings it near, then setImmediate polls (I/O still runs between polls), so the stub's
 * delays are a truth a client can be held to within a millisecond.
 */
function whenDue(at: number, cancelled: () => boolean, fn: () => void): void {
  const step = () => {
    if (cancelled()) return;
    const left = at - performance.now();
    if (left > POLL_MS) setTimeout(step, left - POLL_MS);
    else if (left > 0) setImmediate(step);
    else fn();
  };
  step();
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
