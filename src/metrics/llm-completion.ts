import type { HttpResponse } from '../script-api/vu-context.js';
import { compare, isTimeAggregation, type ParsedThreshold } from '../thresholds/index.js';
import { Counter, Rate, Trend } from './custom.js';

/**
 * One streamed completion read as the LLM serving benchmarks read it (vLLM's benchmark_serving,
 * LLMPerf, GenAI-Perf): a token is an SSE event whose choice carries non-empty text; TTFT is the
 * send to the first one, ITL the gaps between the following ones, TPOT (e2e − TTFT) / (tokens −
 * 1), e2e the send to the stream's end. Token counts come from the `usage` the server sends at
 * the end when it does, else from the content events counted (llm_usage_reported says which).
 * `squall llm` and the request option `llm` (a test file's requests) both read answers here.
 */

/** The LLM metrics, kept in the custom registry: thresholds, reports, history and worker merge as any metric. */
interface LlmMetrics {
  ttft: Trend;
  itl: Trend;
  tpot: Trend;
  e2e: Trend;
  inputTokens: Counter;
  outputTokens: Counter;
  /** Output tokens per request, for their spread (the counter gives the total and its rate). */
  outputPerRequest: Trend;
  goodput: Rate;
  usageReported: Rate;
}

/** The per-request time metrics a goodput SLO may name, and what each request is held to. */
export const SLO_METRICS = ['llm_ttft', 'llm_itl', 'llm_tpot', 'llm_e2e'] as const;

export const LLM_METRIC_KINDS: ReadonlyMap<string, 'trend' | 'counter' | 'rate'> = new Map([
  ['llm_ttft', 'trend'],
  ['llm_itl', 'trend'],
  ['llm_tpot', 'trend'],
  ['llm_e2e', 'trend'],
  ['llm_input_tokens', 'counter'],
  ['llm_output_tokens', 'counter'],
  ['llm_output_tokens_per_request', 'trend'],
  ['llm_goodput', 'rate'],
  ['llm_usage_reported', 'rate'],
]);

let declared: LlmMetrics | undefined;

/** The LLM metrics, declared in the custom registry on the first completion read (as the stream metrics). */
function llmMetrics(): LlmMetrics {
  declared ??= {
    ttft: new Trend('llm_ttft', true),
    itl: new Trend('llm_itl', true),
    tpot: new Trend('llm_tpot', true),
    e2e: new Trend('llm_e2e', true),
    inputTokens: new Counter('llm_input_tokens'),
    outputTokens: new Counter('llm_output_tokens'),
    outputPerRequest: new Trend('llm_output_tokens_per_request'),
    goodput: new Rate('llm_goodput'),
    usageReported: new Rate('llm_usage_reported'),
  };
  return declared;
}

/**
 * The goodput SLOs among a run's thresholds: those on the per-request time metrics
 * (`llm_ttft:p(95)<500ms` holds each request's TTFT to < 500 ms, as vLLM's --goodput does).
 */
export function goodputSlos(thresholds: readonly ParsedThreshold[]): ParsedThreshold[] {
  return thresholds.filter(
    (t) => (SLO_METRICS as readonly string[]).includes(t.metric) && isTimeAggregation(t.aggregation),
  );
}

/**
 * Whether the request option `llm` reads a chat completion (`choices[].delta.content`) or a
 * text completion (`choices[].text`): said, or from the URL (`…/completions` but not
 * `…/chat/completions` is text). Anything else is the script's mistake.
 */
export function isChatCompletion(name: string, llm: unknown, url: string): boolean {
  if (llm === 'chat') return true;
  if (llm === 'completions') return false;
  if (llm !== true)
    throw new Error(`${name}: llm must be true, 'chat' or 'completions', given ${JSON.stringify(llm)}`);
  const path = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  return !(path.endsWith('/completions') && !path.endsWith('/chat/completions'));
}

/** One request's own figures, ms. */
export interface LlmFigures {
  ttft: number;
  /** The mean of its gaps between tokens; undefined with one token. */
  itl: number | undefined;
  tpot: number | undefined;
  e2e: number;
  inputTokens: number | undefined;
  outputTokens: number;
  usage: boolean;
}

interface Chunk {
  choices?: { delta?: { content?: unknown }; text?: unknown }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  error?: unknown;
}

/**
 * Reads a streamed completion's events and records it; a response that is no good stream
 * (no [DONE], no token, a chunk that is not JSON, an error in the stream) is marked failed under
 * a reason that says so, and counts against goodput.
 */
export function recordCompletion(
  res: HttpResponse,
  chat: boolean,
  slos: readonly ParsedThreshold[],
): LlmFigures | undefined {
  const m = llmMetrics();
  const f = res.failed ? undefined : readCompletion(res, chat, m);
  if (f === undefined) {
    m.goodput.add(false);
    return undefined;
  }
  m.ttft.add(f.ttft);
  if (f.tpot !== undefined) m.tpot.add(f.tpot);
  m.e2e.add(f.e2e);
  m.outputTokens.add(f.outputTokens);
  m.outputPerRequest.add(f.outputTokens);
  if (f.inputTokens !== undefined) m.inputTokens.add(f.inputTokens);
  m.usageReported.add(f.usage);
  m.goodput.add(meetsSlos(f, slos));
  return f;
}

function readCompletion(res: HttpResponse, chat: boolean, m: LlmMetrics): LlmFigures | undefined {
  const events = res.events ?? [];
  let done = false;
  let tokens = 0;
  let first = 0;
  let last = 0;
  let usage: Chunk['usage'];
  for (const e of events) {
    if (e.data === '[DONE]') {
      done = true;
      continue;
    }
    let c: Chunk;
    try {
      c = JSON.parse(e.data) as Chunk;
    } catch {
      res.fail('llm: a stream chunk is not JSON');
      return undefined;
    }
    if (typeof c !== 'object' || c === null) {
      res.fail('llm: a stream chunk is not a JSON object');
      return undefined;
    }
    if (c.error !== undefined && c.error !== null) {
      res.fail('llm: the server sent an error in the stream');
      return undefined;
    }
    if (c.usage !== undefined && c.usage !== null) usage = c.usage;
    const choice = c.choices?.[0];
    const text = chat ? choice?.delta?.content : choice?.text;
    if (typeof text !== 'string' || text === '') continue;
    if (tokens === 0) first = e.t;
    else m.itl.add(e.t - last);
    last = e.t;
    tokens++;
  }
  if (!done) {
    res.fail('llm: the stream ended without [DONE]');
    return undefined;
  }
  if (tokens === 0) {
    res.fail('llm: the stream carried no token');
    return undefined;
  }
  const e2e = res.stream?.duration ?? res.timings.duration;
  const reported = typeof usage?.completion_tokens === 'number' && usage.completion_tokens > 0;
  const outputTokens = reported ? (usage!.completion_tokens as number) : tokens;
  const input = usage?.prompt_tokens;
  return {
    ttft: first,
    itl: tokens > 1 ? (last - first) / (tokens - 1) : undefined,
    tpot: outputTokens > 1 ? (e2e - first) / (outputTokens - 1) : undefined,
    e2e,
    inputTokens: typeof input === 'number' ? input : undefined,
    outputTokens,
    usage: reported,
  };
}

/** Whether the request's own TTFT, mean ITL, TPOT and e2e each meet the SLOs on them (vLLM's goodput). */
function meetsSlos(f: LlmFigures, slos: readonly ParsedThreshold[]): boolean {
  for (const s of slos) {
    const v =
      s.metric === 'llm_ttft'
        ? f.ttft
        : s.metric === 'llm_itl'
          ? f.itl
          : s.metric === 'llm_tpot'
            ? f.tpot
            : f.e2e;
    // A request with one token has no ITL or TPOT: nothing to miss.
    if (v !== undefined && !compare(v, s.op, s.value)) return false;
  }
  return true;
}
