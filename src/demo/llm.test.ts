import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoServer } from './app.js';

/** The demo API's OpenAI-compatible completions: the shapes squall llm and real clients read. */

let server: http.Server;
let base = '';

beforeAll(async () => {
  server = createDemoServer({ llm: { tokens: 4, firstTokenMs: 0, tokenMs: 0 } });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

describe('demo /v1/chat/completions and /v1/completions', () => {
  it('streams one chunk a token, the usage when asked, then [DONE]', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'demo',
      messages: [{ role: 'user', content: 'three words here' }],
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const data = (await res.text())
      .split('\n\n')
      .filter((e) => e !== '')
      .map((e) => e.replace(/^data: /, ''));
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('squall measures the');
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
  });

  it('answers whole without stream, the default token count without max_tokens', async () => {
    const res = await post('/v1/completions', { model: 'demo', prompt: 'hi' });
    const body = (await res.json()) as { choices: { text: string }[]; usage: { completion_tokens: number } };
    expect(res.status).toBe(200);
    expect(body.usage.completion_tokens).toBe(4);
    expect(body.choices[0]!.text.split(' ')).toHaveLength(4);
  });

  it('refuses a request without a model or with bad JSON, as OpenAI does (400)', async () => {
    const noModel = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] });
    expect(noModel.status).toBe(400);
    expect(((await noModel.json()) as { error: { message: string } }).error.message).toContain("'model'");
    const bad = await fetch(`${base}/v1/completions`, { method: 'POST', body: '{' });
    expect(bad.status).toBe(400);
  });
});
