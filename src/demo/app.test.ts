import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoServer } from './app.js';

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = createDemoServer({ latencyMs: [0, 1], seed: 42 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

interface PromptBody {
  id: string;
  title: string;
  text: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

interface PageBody {
  items: PromptBody[];
  total: number;
}

interface ErrorBody {
  error: string;
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(base + path, init);
}

function sendJson(method: string, path: string, body: unknown): Promise<Response> {
  return call(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('demo API', () => {
  it('answers GET /health without storage latency', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).not.toBeNull();
    const body = await json<{ status: string; uptimeSec: number }>(res);
    expect(body.status).toBe('ok');
    expect(typeof body.uptimeSec).toBe('number');
  });

  it('starts with 20 seeded prompts', async () => {
    const res = await call('/prompts/1');
    expect(res.status).toBe(200);
    const prompt = await json<PromptBody>(res);
    expect(prompt).toMatchObject({ id: '1', title: expect.any(String), text: expect.any(String) });
    expect(Array.isArray(prompt.tags)).toBe(true);
    expect((await call('/prompts/20')).status).toBe(200);
  });

  it('pages the list with limit and offset', async () => {
    const first = await json<PageBody>(await call('/prompts?limit=5'));
    expect(first.items.map((p) => p.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(first.total).toBeGreaterThanOrEqual(20);
    const second = await json<PageBody>(await call('/prompts?limit=5&offset=5'));
    expect(second.items.map((p) => p.id)).toEqual(['6', '7', '8', '9', '10']);
    const past = await json<PageBody>(await call('/prompts?offset=100000'));
    expect(past.items).toEqual([]);
    const all = await json<PageBody>(await call('/prompts'));
    expect(all.items).toHaveLength(20);
  });

  it('rejects bad paging parameters with 400', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'offset=1.5']) {
      const res = await call(`/prompts?${query}`);
      expect(res.status, query).toBe(400);
      expect((await json<ErrorBody>(res)).error).toMatch(/limit|offset/);
    }
  });

  it('does a create, read, update, delete round trip', async () => {
    const created = await sendJson('POST', '/prompts', {
      title: 'Haiku',
      text: 'Write a haiku about {{topic}}',
    });
    expect(created.status).toBe(201);
    const prompt = await json<PromptBody>(created);
    expect(prompt).toMatchObject({ title: 'Haiku', text: 'Write a haiku about {{topic}}', tags: [] });
    expect(created.headers.get('location')).toBe(`/prompts/${prompt.id}`);
    expect(Number(prompt.id)).toBeGreaterThan(20);
    expect(prompt.createdAt).toBe(prompt.updatedAt);

    const read = await call(`/prompts/${prompt.id}`);
    expect(await json<PromptBody>(read)).toEqual(prompt);

    const updated = await sendJson('PUT', `/prompts/${prompt.id}`, {
      title: 'Haiku v2',
      text: 'Two',
      tags: ['poem'],
    });
    expect(updated.status).toBe(200);
    const after = await json<PromptBody>(updated);
    expect(after).toMatchObject({
      id: prompt.id,
      title: 'Haiku v2',
      tags: ['poem'],
      createdAt: prompt.createdAt,
    });

    const deleted = await call(`/prompts/${prompt.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect((await call(`/prompts/${prompt.id}`)).status).toBe(404);
    expect((await call(`/prompts/${prompt.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 404 in JSON for unknown prompts and routes', async () => {
    for (const path of ['/prompts/99999', '/prompts/abc', '/prompts/0', '/nope', '/prompts/1/extra', '/']) {
      const res = await call(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(typeof (await json<ErrorBody>(res)).error).toBe('string');
    }
    const put = await sendJson('PUT', '/prompts/99999', { title: 't', text: 'x' });
    expect(put.status).toBe(404);
  });

  it('answers 400 for bad JSON and invalid fields', async () => {
    const badJson = await call('/prompts', { method: 'POST', body: '{"title": ' });
    expect(badJson.status).toBe(400);
    expect((await json<ErrorBody>(badJson)).error).toMatch(/JSON/);
    const cases: unknown[] = [
      {},
      { title: 'only a title' },
      { text: 'only text' },
      { title: '', text: 'x' },
      { title: 'x', text: 42 },
      { title: 'x', text: 'y', tags: 'not-a-list' },
      { title: 'x', text: 'y', tags: [1] },
      [],
      null,
      'a string',
    ];
    for (const body of cases) {
      const res = await sendJson('POST', '/prompts', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(typeof (await json<ErrorBody>(res)).error).toBe('string');
    }
    const put = await sendJson('PUT', '/prompts/1', { title: 'no text' });
    expect(put.status).toBe(400);
    expect((await json<PromptBody>(await call('/prompts/1'))).title).not.toBe('no text');
  });

  it('answers 413 for a body over 1 MB', async () => {
    const text = 'x'.repeat(1024 * 1024 + 1);
    const res = await sendJson('POST', '/prompts', { title: 'big', text });
    expect(res.status).toBe(413);
    expect(typeof (await json<ErrorBody>(res)).error).toBe('string');
    // The connection stayed usable for the next request.
    expect((await call('/health')).status).toBe(200);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/prompts', 'GET, HEAD, POST'],
      ['POST', '/prompts/1', 'GET, HEAD, PUT, DELETE'],
      ['POST', '/health', 'GET, HEAD'],
      ['PATCH', '/prompts/1', 'GET, HEAD, PUT, DELETE'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(path, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
      expect(typeof (await json<ErrorBody>(res)).error).toBe('string');
    }
  });

  it('survives malformed HTTP and answers 400', async () => {
    const reply = await rawRequest('NONSENSE\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await call('/health')).status).toBe(200);
  });

  it('keeps connections alive and sets content-length', async () => {
    const reply = await rawRequest(
      'GET /prompts/2 HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(reply.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(reply.match(/content-length: \d+/gi)).toHaveLength(2);
  });
});

/** Sends raw bytes and collects whatever comes back until the server closes or goes quiet. */
function rawRequest(data: string): Promise<string> {
  const { port } = server.address() as net.AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    let out = '';
    socket.setEncoding('utf8');
    socket.setTimeout(300, () => socket.end());
    socket.on('data', (chunk: string) => {
      out += chunk;
    });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

const mainJs = fileURLToPath(new URL('../../dist/demo/main.js', import.meta.url));
const built = existsSync(mainJs);

interface Child {
  line: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
}

function startMain(args: string[]): Child {
  const child = spawn(process.execPath, [mainJs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const line = new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end !== -1) resolve(stdout.slice(0, end));
    });
    child.on('exit', () => reject(new Error(`exited before printing a line; stderr: ${stderr}`)));
  });
  line.catch(() => {});
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
    },
  );
  return { line, exit, kill: (signal) => child.kill(signal) };
}

describe.skipIf(!built)(
  `demo program dist/demo/main.js${built ? '' : ' (skipped: not built; npm test builds it)'}`,
  () => {
    it('prints its URL on one line, serves, and exits 0 on SIGTERM', async () => {
      const child = startMain(['--port', '0']);
      const line = await child.line;
      const match = /^squall demo API listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
      expect(match, line).not.toBeNull();
      const res = await fetch(`${match![1]}/prompts/1`);
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      const { code, signal } = await child.exit;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
    });

    it('exits 2 with a one-line message for a bad --port', async () => {
      for (const port of ['abc', '70000', '-1']) {
        const { code, stderr } = await startMain(['--port', port]).exit;
        expect(code, port).toBe(2);
        expect(stderr.trim().split('\n'), port).toHaveLength(1);
        expect(stderr).toMatch(/--port/);
      }
    });

    it('exits 1 with a clear message when the port is in use', async () => {
      const { port } = server.address() as net.AddressInfo;
      const { code, stderr } = await startMain(['--port', String(port)]).exit;
      expect(code).toBe(1);
      expect(stderr).toMatch(/already in use/);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    });
  },
);
