import type { LoadPlan, PreparedRequest } from '../engine/load-plan.js';
import type { ParsedThreshold } from '../thresholds/index.js';
import { parseThreshold } from '../thresholds/index.js';
import { encodeRequest, isIdempotent } from '../transports/http/prepare.js';
import { parseDurationFlag, parseOutput, parsePositiveInt } from './parse-flags.js';
import { DEFAULT_TIMEOUT_MS, QUICK_OUTPUT_KINDS } from './quick.js';

export const DEMO_DURATION_MS = 15_000;
export const DEMO_CONNECTIONS = 10;
export const DEMO_RESULT_PATH = '.squall/demo-result.json';
export const DEMO_REPORT_PATH = '.squall/demo-report.html';

/** The budgets the demo shows off: what a team would write for such an API. */
const DEMO_THRESHOLDS: Array<[string, string]> = [
  ['http_req_failed', 'rate<0.01'],
  ['http_req_duration', 'p(95)<100'],
  ['http_req_duration{name:GET /health}', 'p(95)<50'],
  ['http_req_duration{name:GET /prompts/:id}', 'p(99)<200'],
];

export interface DemoOptions {
  duration?: string;
  connections?: string;
  out?: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
  ui?: boolean;
}

/** A realistic mix over the demo API: mostly reads, some writes. */
function demoRequests(base: URL, version: string): PreparedRequest[] {
  const userAgent = `squall/${version}`;
  const json = [['Content-Type', 'application/json']] as Array<[string, string]>;
  const body = (title: string) =>
    Buffer.from(JSON.stringify({ title, text: 'Summarise the clause in two sentences.', tags: ['demo'] }));
  const req = (name: string, method: string, path: string, weight: number, b?: Buffer): PreparedRequest => ({
    name,
    method,
    weight,
    expectBody: true,
    retryable: isIdempotent(method),
    bytes: encodeRequest({ method, url: new URL(path, base), headers: b ? json : [], body: b, userAgent }),
  });
  return [
    req('GET /health', 'GET', '/health', 3),
    req('GET /prompts', 'GET', '/prompts?limit=10', 2),
    // Several ids, one name: stats group by route, not by URL.
    ...[1, 4, 7, 12, 19].map((id) => req('GET /prompts/:id', 'GET', `/prompts/${id}`, 1)),
    req('POST /prompts', 'POST', '/prompts', 1, body('load test prompt')),
    req('PUT /prompts/:id', 'PUT', '/prompts/3', 1, body('updated prompt')),
  ];
}

export function resolveDemo(base: string, o: DemoOptions, version: string) {
  const url = new URL(base);
  const durationMs = o.duration === undefined ? DEMO_DURATION_MS : parseDurationFlag('-d', o.duration);
  const connections =
    o.connections === undefined ? DEMO_CONNECTIONS : parsePositiveInt('-c', o.connections, 10_000);
  const outputs = (o.out ?? []).map((t) => parseOutput(t, QUICK_OUTPUT_KINDS));
  if (!outputs.some((x) => x.kind === 'json')) outputs.push({ kind: 'json', path: DEMO_RESULT_PATH });
  if (!outputs.some((x) => x.kind === 'html')) outputs.push({ kind: 'html', path: DEMO_REPORT_PATH });
  const thresholds: ParsedThreshold[] = DEMO_THRESHOLDS.map(([k, e]) => parseThreshold(k, e));
  const load: LoadPlan = {
    endpoint: { host: url.hostname, port: Number(url.port), tls: false },
    requests: demoRequests(url, version),
    connections,
    durationMs,
    timeoutMs: DEFAULT_TIMEOUT_MS,
  };
  const config: Record<string, unknown> = {
    command: 'demo',
    url: url.href,
    model: 'closed',
    connections,
    durationMs,
    requests: load.requests.map((r) => ({ name: r.name, weight: r.weight })),
    thresholds: thresholds.map((t) => `${t.key}:${t.expr}`),
  };
  return { load, thresholds, outputs, json: !!o.json, quiet: !!o.quiet, ui: !!o.ui, config };
}
