import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llm } from '../../src/index.js';
import { explain, hasStackTrace, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * `squall llm` against answers that are no good stream: each is a failed request counted under a
 * reason that says what was wrong, and the run goes on; bad input is exit 2 naming the flag or
 * the file and line. Counts only (no timings).
 */

const dir = tempDir();
let server: http.Server;
let base = '';
let served = 0;

const token = (text: string) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text } }] })}\n\n`;

/** The answers, in the order a single connection's requests get them. */
const ANSWERS: ((res: http.ServerResponse) => void)[] = [
  // Not streamed: the JSON answer of "stream": false.
  (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }] }));
  },
  // Called an event stream, but its lines are not SSE.
  (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('{"choices": []}\n\n');
  },
  // Tokens, then the end of the body with no [DONE].
  (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(token('a') + token('b'));
  },
  // A data line that is not JSON.
  (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`${token('a')}data: not json\n\ndata: [DONE]\n\n`);
  },
  // Good, with no usage: its three tokens are counted from the chunks.
  (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`${token('one')}${token(' two')}${token(' three')}data: [DONE]\n\n`);
  },
];

beforeAll(async () => {
  requireBuiltCli();
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => ANSWERS[served++ % ANSWERS.length]!(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  dir.remove();
});

describe('squall llm: bad answers and bad input', () => {
  it('counts a non-streamed, a malformed and an unfinished answer as failed requests, by reason', async () => {
    served = 0;
    const out = join(dir.path, 'bad.json');
    const run = await runCli([
      'llm',
      `${base}/v1/chat/completions`,
      '--model',
      'm',
      '-c',
      '1',
      '-n',
      '5',
      '-q',
      '-o',
      `json=${out}`,
    ]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    const m = r.metrics as unknown as Record<string, Record<string, number>>;
    const why = `${JSON.stringify(r.errors)}\n${explain(run)}`;
    expect(m.http_reqs!.count, why).toBe(served);
    expect(served, why).toBe(5);
    expect(m.http_req_failed!.fails, why).toBe(4);
    const kinds = Object.fromEntries(r.errors.map((e) => [e.kind, e.count]));
    expect(kinds, why).toEqual({
      'sse: not an event stream (content-type application/json)': 1,
      'sse: malformed event stream': 1,
      'llm: the stream ended without [DONE]': 1,
      'llm: a stream chunk is not JSON': 1,
    });
    // The good answer: three tokens, counted from its chunks (it sent no usage).
    expect(m.llm_output_tokens!.count, why).toBe(3);
    expect(m.llm_usage_reported!.rate, why).toBe(0);
    expect(m.llm_goodput!.rate, why).toBeCloseTo(1 / 5, 6);
    expect(m.llm_ttft!.count, why).toBe(1);
  });

  it('exits 2 without --model, and names the file and line of a bad prompt', async () => {
    const noModel = await runCli(['llm', `${base}/v1/chat/completions`, '-n', '1']);
    expect(noModel.code, explain(noModel)).toBe(2);
    expect(noModel.stderr).toContain('--model');
    expect(hasStackTrace(noModel.stderr), explain(noModel)).toBe(false);

    const file = join(dir.path, 'prompts.jsonl');
    writeFileSync(file, '{"prompt": "hello"}\n{"messages": "not a list"}\n');
    const badLine = await runCli(['llm', base, '--model', 'm', '-n', '1', '--prompts', file]);
    expect(badLine.code, explain(badLine)).toBe(2);
    expect(badLine.stderr).toContain(`${file}:2`);
    expect(badLine.stderr).toContain('"messages"');
    expect(hasStackTrace(badLine.stderr), explain(badLine)).toBe(false);
    // Nothing was sent for bad input.
    expect(served).toBe(5);
  });

  it('llm() from code: the same counts in the returned document; no model is a SquallError', async () => {
    served = 0;
    const doc = await llm({ url: `${base}/v1/chat/completions`, model: 'm', connections: 1, requests: 5 });
    const m = doc.metrics as unknown as Record<string, Record<string, number>>;
    expect(m.http_reqs!.count).toBe(served);
    expect(m.http_req_failed!.fails).toBe(4);
    expect(m.llm_output_tokens!.count).toBe(3);
    await expect(llm({ url: base, model: '' })).rejects.toMatchObject({ code: 'SQ_USAGE_BAD_FLAG' });
    expect(served).toBe(5);
  });
});
