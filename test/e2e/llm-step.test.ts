import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStackTrace, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFile, runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * The request option `llm` (issue 20, "the same as a YAML/TS step"): a test file's request read
 * as a streamed completion records the llm_* metrics `squall llm` records, from a YAML step and
 * a TypeScript flow, against a server that streams a known number of tokens. Goodput is held to
 * the test's own thresholds. Counts and SLO verdicts only; the timing truth is llm-timing's.
 */

const dir = tempDir();
let server: http.Server;
let base = '';
const hits: Record<string, number> = {};
/** The chat answer's tokens, and the usage it reports (a prompt of 7 tokens). */
const CHAT_TOKENS = 5;
const PROMPT_TOKENS = 7;
/** The text completion's tokens; it reports no usage, so they are counted from the chunks. */
const TEXT_TOKENS = 3;

const sse = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;

beforeAll(async () => {
  requireBuiltCli();
  server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    req.resume();
    req.on('end', () => {
      if (path === '/v1/chat/completions') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < CHAT_TOKENS; i++)
          res.write(sse({ choices: [{ index: 0, delta: { content: `t${i}` } }] }));
        res.write(
          sse({ choices: [], usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: CHAT_TOKENS } }),
        );
        res.end('data: [DONE]\n\n');
      } else if (path === '/v1/completions') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < TEXT_TOKENS; i++) res.write(sse({ choices: [{ index: 0, text: `w${i}` }] }));
        res.end('data: [DONE]\n\n');
      } else if (path === '/old') {
        // A redirect first: the completion is the answer that ends the request.
        res.writeHead(307, { location: '/v1/chat/completions' });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"choices": [{"index": 0, "message": {"content": "not streamed"}}]}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  dir.remove();
});

type Metrics = Record<string, Record<string, number>>;

const CHAT_BODY = `{ model: demo, messages: [{ role: user, content: hi }], stream: true }`;

describe('the request option llm', () => {
  it('a YAML step with llm: true records TTFT, ITL, tokens and goodput; usage counts the tokens', async () => {
    for (const k of Object.keys(hits)) delete hits[k];
    const file = writeTestFile(
      dir.path,
      'chat.yaml',
      `target: ${base}
vus: 1
iterations: 3
thresholds:
  llm_ttft: ['p(95)<30000']
users:
  - name: Chat
    flow:
      - post: /v1/chat/completions
        json: ${CHAT_BODY}
        llm: true
      - post: /old
        json: ${CHAT_BODY}
        llm: chat
`,
    );
    const { run, result: r, why } = await runFileOk(file);
    expect(run.code, why).toBe(0);
    const m = r.metrics as unknown as Metrics;
    const answers = hits['/v1/chat/completions']!;
    expect(hits, why).toEqual({ '/v1/chat/completions': 6, '/old': 3 });
    expect(m.llm_ttft!.count, why).toBe(answers);
    expect(m.llm_e2e!.count, why).toBe(answers);
    expect(m.llm_itl!.count, why).toBe(answers * (CHAT_TOKENS - 1));
    expect(m.llm_output_tokens!.count, why).toBe(answers * CHAT_TOKENS);
    expect(m.llm_input_tokens!.count, why).toBe(answers * PROMPT_TOKENS);
    expect(m.llm_usage_reported!.rate, why).toBe(1);
    expect(m.llm_goodput!.rate, why).toBe(1);
    // The redirect's 307 is a request of its own, not a completion.
    expect(m.http_reqs!.count, why).toBe(answers + hits['/old']!);
    expect(m.http_req_failed!.fails, why).toBe(0);
  });

  it('goodput holds each request to the thresholds on llm_*: none meets an impossible TTFT, exit 99', async () => {
    const file = writeTestFile(
      dir.path,
      'slo.yaml',
      `target: ${base}
vus: 1
iterations: 2
thresholds:
  llm_ttft: ['max<0.001']
users:
  - name: Chat
    flow:
      - post: /v1/chat/completions
        json: ${CHAT_BODY}
        llm: true
`,
    );
    const { run, result: r, why } = await runFile(file);
    expect(run.code, why).toBe(99);
    const m = r!.metrics as unknown as Metrics;
    expect(m.llm_ttft!.count, why).toBe(2);
    expect(m.llm_goodput!.rate, why).toBe(0);
  });

  it('a TypeScript flow: llm picks text completions by the URL; a JSON answer fails as not a stream', async () => {
    for (const k of Object.keys(hits)) delete hits[k];
    const file = writeTestFile(
      dir.path,
      'text.ts',
      `import { defineTest } from 'squall';

export default defineTest({
  target: '${base}',
  vus: 1,
  iterations: 2,
  users: [{
    name: 'Writer',
    async run({ http, check }) {
      const res = await http.post('/v1/completions', { json: { model: 'demo', prompt: 'hi', stream: true }, llm: true });
      check(res, { 'three events and [DONE]': (r) => r.events?.length === 4 });
      await http.post('/v1/plain', { json: { model: 'demo', prompt: 'hi' }, llm: 'completions' });
    },
  }],
});
`,
    );
    const { result: r, why } = await runFileOk(file);
    const m = r.metrics as unknown as Metrics;
    expect(hits, why).toEqual({ '/v1/completions': 2, '/v1/plain': 2 });
    expect(
      r.checks!.map((c) => [c.name, c.passes, c.fails]),
      why,
    ).toEqual([['three events and [DONE]', 2, 0]]);
    expect(m.llm_output_tokens!.count, why).toBe(2 * TEXT_TOKENS);
    expect(m.llm_usage_reported!.rate, why).toBe(0);
    expect(m.llm_ttft!.count, why).toBe(2);
    // The JSON answers: failed, and they miss goodput.
    expect(m.llm_goodput!.rate, why).toBeCloseTo(0.5, 9);
    expect(m.http_req_failed!.fails, why).toBe(2);
    expect(r.errors.map((e) => [e.kind, e.count])).toEqual([
      ['sse: not an event stream (content-type application/json)', 2],
    ]);
  });

  it('llm: maybe in a YAML step is exit 2 naming the file, the step and what llm takes', async () => {
    const file = writeTestFile(
      dir.path,
      'bad.yaml',
      `target: ${base}
vus: 1
iterations: 1
users:
  - name: Chat
    flow:
      - post: /v1/chat/completions
        llm: maybe
`,
    );
    const { run } = await runFile(file);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml/);
    expect(run.stderr).toMatch(/llm must be true, chat or completions, given .?maybe/);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(hits['/v1/chat/completions'] ?? 0).toBe(0);
  });
});
