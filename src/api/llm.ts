import { parseHeader, parsePositiveInt, parseTargetUrl } from '../config/parse-flags.js';
import { badFlag } from '../errors/index.js';
import { goodputSlos } from '../metrics/llm-completion.js';
import type { ResultDocument } from '../result/schema.js';
import type { TestDefinition } from '../script-api/test-definition.js';
import type { VuContext } from '../script-api/vu-context.js';
import { type ParsedThreshold, parseThreshold, parseThresholdFlag } from '../thresholds/index.js';
import { libraryIO, type SessionIO } from './io.js';
import { DEFAULT_PROMPT, type Prompt, promptFields, readPrompts } from './llm-prompts.js';
import type { RunSessionFlags } from './run.js';
import type { HistoryFlags, Judge } from './run-history.js';
import { unwrap } from './session-options.js';

/**
 * `squall llm URL --model M`: a load of an OpenAI-compatible completions endpoint with
 * `stream: true`, measured as the LLM serving benchmarks measure it (metrics/llm-completion.ts). It is a
 * `run` of a one-scenario test built here (constant-vus for -c, constant-arrival-rate for -R),
 * so outputs, --json, thresholds (exit 99), --save and the summary are run's own.
 */

export interface LlmFlags extends HistoryFlags {
  model?: string;
  prompts?: string;
  maxTokens?: string;
  connections?: string;
  rate?: string;
  duration?: string;
  requests?: string;
  header?: string[];
  apiKey?: string;
  timeout?: string;
  threshold?: string[];
  out?: string[];
  reportDir?: string;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** Without -d or -n: a short look, as quick's default. */
const DEFAULT_DURATION = '10s';
/** A completion takes seconds: a longer per-request timeout than a plain request's 10s. */
const DEFAULT_TIMEOUT = '60s';

/** The completions URL: the one given, or the chat endpoint under a base URL (`http://h:8000`, `…/v1`). */
export function completionsUrl(text: string): { url: URL; chat: boolean } {
  const url = parseTargetUrl('<url>', text);
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/chat/completions')) return { url, chat: true };
  if (path.endsWith('/completions')) return { url, chat: false };
  url.pathname = `${path.endsWith('/v1') ? path : `${path}/v1`}/chat/completions`;
  return { url, chat: true };
}

/** The goodput SLOs: --threshold budgets on the per-request time metrics (`llm_ttft:p(95)<500ms`). */
function slosOf(thresholds: readonly string[]): ParsedThreshold[] {
  return goodputSlos(
    thresholds.map((text) => {
      const { key, expr } = parseThresholdFlag(text);
      return parseThreshold(key, expr, { where: { flag: '--threshold' } });
    }),
  );
}

export async function llmSession(
  target: string | undefined,
  o: LlmFlags,
  io: SessionIO,
  more: { judge?: Judge; signal?: AbortSignal } = {},
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  if (!target)
    throw badFlag(
      '<url>',
      'squall llm needs the completions URL, e.g. squall llm http://127.0.0.1:8000/v1/chat/completions --model M',
    );
  const { url, chat } = completionsUrl(target);
  if (o.model === undefined || o.model.trim() === '')
    throw badFlag(
      '--model',
      'squall llm needs --model NAME: the model the endpoint serves (its "model" field)',
    );
  const maxTokens =
    o.maxTokens === undefined ? undefined : parsePositiveInt('--max-tokens', o.maxTokens, 1_000_000);
  if (o.connections !== undefined) parsePositiveInt('--connections', o.connections, 100_000);
  if (o.requests !== undefined) parsePositiveInt('--requests', o.requests);
  const prompts: Prompt[] = o.prompts === undefined ? [{ prompt: DEFAULT_PROMPT }] : readPrompts(o.prompts);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
  const apiKey = o.apiKey ?? io.env.OPENAI_API_KEY;
  if (apiKey !== undefined && apiKey !== '') headers.Authorization = `Bearer ${apiKey}`;
  for (const h of o.header ?? []) {
    const [k, v] = parseHeader(h);
    headers[k] = v;
  }
  const slos = slosOf(o.threshold ?? []);
  // The bodies are made once: the load sends the same bytes for each prompt.
  const bodies = prompts.map((p) =>
    JSON.stringify({
      model: o.model,
      ...promptFields(p, chat),
      ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
      stream: true,
      stream_options: { include_usage: true },
    }),
  );
  const name = `POST ${url.pathname}`;
  const href = url.href;
  const timeout = o.timeout ?? DEFAULT_TIMEOUT;
  let next = 0;
  const definition: TestDefinition = {
    name: `llm ${o.model}`,
    target: url.origin,
    defaults: { timeout },
    users: [
      {
        name: 'llm',
        async run({ http }: VuContext) {
          const body = bodies[next++ % bodies.length]!;
          // The run holds each answer to the --threshold SLOs (goodput) as any test's `llm` request.
          await http.post(href, { body, headers, name, llm: chat ? 'chat' : 'completions' });
        },
      },
    ],
  };
  const bounded = o.duration !== undefined || o.requests !== undefined;
  const flags: RunSessionFlags = {
    vus: o.rate === undefined ? (o.connections ?? '1') : o.connections,
    rate: o.rate,
    duration: bounded ? o.duration : DEFAULT_DURATION,
    iterations: o.requests,
    threshold: o.threshold,
    out: o.out,
    reportDir: o.reportDir,
    json: o.json,
    quiet: o.quiet,
    color: o.color,
  };
  if (!o.quiet && !o.json) {
    const shape = o.rate === undefined ? `${flags.vus} concurrent` : `${o.rate} requests/s`;
    const length = [
      flags.duration ? `for ${flags.duration}` : '',
      o.requests ? `up to ${o.requests} requests` : '',
    ]
      .filter(Boolean)
      .join(', ');
    io.stderr.write(
      `squall llm: ${o.model} at ${href} — ${shape}, ${length}, ${prompts.length} prompt${prompts.length === 1 ? '' : 's'}` +
        `${slos.length === 0 ? '' : `, goodput SLOs: ${slos.map((s) => `${s.metric}${s.op}${s.value}ms`).join(' ')}`}\n`,
    );
  }
  const { runSession } = await import('./run.js');
  const config = {
    command: 'llm',
    llm: {
      url: href,
      api: chat ? 'chat/completions' : 'completions',
      model: o.model,
      maxTokens: maxTokens ?? null,
      prompts: o.prompts ?? null,
      promptCount: prompts.length,
      // Names only: a header's value may be a secret (the API key is one).
      headers: Object.keys(headers),
      slos: slos.map((s) => `${s.metric}:${s.expr}`),
    },
  };
  return runSession(definition, flags, io, {
    judge: more.judge,
    signal: more.signal,
    definitionName: `(squall llm ${o.model})`,
    config,
  });
}

/** The options of `llm()`: `squall llm`'s flags, typed for a program. */
export interface LlmOptions {
  /** The chat/completions (or completions) URL, or the base URL. */
  url: string;
  model: string;
  /** A JSONL file of prompts (`--prompts`); default one built-in prompt. */
  prompts?: string;
  maxTokens?: number;
  /** Concurrent requests (`-c`; default 1). */
  connections?: number;
  /** Open model: requests started per second (`-R`). */
  rate?: number;
  /** `'30s'` (`-d`; default 10s unless `requests`). */
  duration?: string;
  /** Stop after N requests (`-n`). */
  requests?: number;
  headers?: Record<string, string>;
  /** Sent as a Bearer token; default env OPENAI_API_KEY of `io.env`. */
  apiKey?: string;
  timeout?: string;
  /** Budgets; those on llm_ttft, llm_itl, llm_tpot, llm_e2e are also goodput SLOs. */
  thresholds?: string[];
  out?: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
  io?: Partial<SessionIO>;
  signal?: AbortSignal;
}

/**
 * Runs `squall llm` from code and returns the result document (thresholds evaluated: see
 * `passed`). Throws a SquallError for bad options, as the CLI exits 2 for them.
 */
export async function llm(o: LlmOptions): Promise<ResultDocument> {
  const num = (n: number | undefined) => (n === undefined ? undefined : String(n));
  const flags: LlmFlags = {
    model: o.model,
    prompts: o.prompts,
    maxTokens: num(o.maxTokens),
    connections: num(o.connections),
    rate: num(o.rate),
    duration: o.duration,
    requests: num(o.requests),
    header: Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    apiKey: o.apiKey,
    timeout: o.timeout,
    threshold: o.thresholds,
    out: o.out,
    json: o.json,
    quiet: o.quiet ?? true,
    color: o.color,
  };
  return unwrap(await llmSession(o.url, flags, libraryIO(o.io), { signal: o.signal }));
}
