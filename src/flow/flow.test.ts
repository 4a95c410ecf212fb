// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are YAML flow templates, not JS ones.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createFeeder, type Feeder, loadFeeders } from '../feeders/feeders.js';
import type { FlowFn, HttpApi, HttpResponse, RequestOptions, VuContext } from '../script-api/vu-context.js';
import { compileFlow, type Step } from './flow.js';

/**
 * Flows run against a hand-written VuContext whose http records each call and answers from a
 * script: the compiler is pure, so no server is needed here (the CLI tests run real ones).
 */

interface Call {
  method: string;
  url: string;
  options: RequestOptions;
  vu: number;
}

interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  duration?: number;
  error?: string;
}

type Handler = (call: Call) => Reply;

class FakeWorld {
  readonly calls: Call[] = [];
  readonly checks: Array<{ label: string; ok: boolean; vu: number }> = [];
  readonly sleeps: number[] = [];

  constructor(private readonly handler: Handler = () => ({ status: 200, body: {} })) {}

  vu(id = 1, env: Record<string, string> = {}, signal = new AbortController().signal): VuContext {
    const request: HttpApi['request'] = async (method, url, options = {}) => {
      const call = { method, url, options, vu: id };
      this.calls.push(call);
      return response(url, this.handler(call));
    };
    const http: HttpApi = {
      request,
      get: (url, o) => request('GET', url, o),
      post: (url, o) => request('POST', url, o),
      put: (url, o) => request('PUT', url, o),
      patch: (url, o) => request('PATCH', url, o),
      delete: (url, o) => request('DELETE', url, o),
      head: (url, o) => request('HEAD', url, o),
    };
    return {
      http,
      ws: undefined as never,
      check: (value, checks) => {
        let all = true;
        for (const [label, fn] of Object.entries(checks)) {
          const ok = fn(value);
          this.checks.push({ label, ok, vu: id });
          all &&= ok;
        }
        return all;
      },
      sleep: async (d) => {
        this.sleeps.push(typeof d === 'number' ? d : Number.NaN);
      },
      env,
      data: undefined,
      vu: { id, iteration: 0, scenario: 'default', user: 'User', state: {} },
      signal,
    };
  }

  urls(): string[] {
    return this.calls.map((c) => `${c.method} ${c.url}`);
  }

  checkResults(): Record<string, boolean> {
    return Object.fromEntries(this.checks.map((c) => [c.label, c.ok]));
  }
}

function response(url: string, r: Reply): HttpResponse {
  const text = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  const status = r.status ?? 200;
  return {
    status,
    headers: r.headers ?? {},
    text,
    json: <T>() => JSON.parse(text) as T,
    timings: { duration: r.duration ?? 10, waiting: 5, connecting: 0 },
    url,
    failed: status === 0 || status >= 400,
    fail(this: HttpResponse) {
      this.failed = true;
    },
    ...(r.error === undefined ? {} : { error: r.error }),
    submitForm: () => Promise.reject(new Error('no submitForm in this fake')),
  };
}

const where = { file: 'test.yaml', path: 'scenarios.s.users[0].flow' };
const compile = (steps: Step[], feeders?: Record<string, Feeder>) => compileFlow(steps, where, feeders);

/** Runs `n` iterations of `flow` as `ctx`, advancing vu.iteration as the engine does. */
async function iterate(flow: FlowFn, ctx: VuContext, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    await flow(ctx);
    ctx.vu.iteration++;
  }
}

/** A prompt-store API in a few lines: POST creates, GET/PUT/DELETE by id. */
function promptStore(): Handler {
  const prompts = new Map<string, Record<string, unknown>>();
  let next = 1;
  return ({ method, url, options }) => {
    const m = /^\/prompts\/([^/?]+)$/.exec(url);
    if (url === '/prompts' && method === 'POST') {
      const id = `p${next++}`;
      const prompt = { id, ...(options.json as object) };
      prompts.set(id, prompt);
      return { status: 201, body: prompt, headers: { location: `/prompts/${id}` } };
    }
    if (url === '/prompts' && method === 'GET') {
      const { limit = 10, offset = 0 } = (options.query ?? {}) as { limit?: number; offset?: number };
      const all = [...prompts.values()];
      return { body: { items: all.slice(offset, offset + limit), total: all.length, limit, offset } };
    }
    const prompt = m ? prompts.get(m[1]!) : undefined;
    if (!prompt) return { status: 404, body: { error: 'not found' } };
    if (method === 'GET') return { status: 200, body: prompt };
    if (method === 'PUT') {
      Object.assign(prompt, options.json);
      return { status: 200, body: prompt };
    }
    if (method === 'DELETE') {
      prompts.delete(m![1]!);
      return { status: 204 };
    }
    return { status: 405 };
  };
}

describe('requests', () => {
  it('sends a GET written as a string', async () => {
    const world = new FakeWorld();
    await iterate(compile([{ get: '/health' }]), world.vu());
    expect(world.calls).toEqual([{ method: 'GET', url: '/health', options: {}, vu: 1 }]);
  });

  it('reads the DESIGN.md form: options beside the method', async () => {
    const world = new FakeWorld(() => ({ status: 200, duration: 120 }));
    const flow = compile([
      { get: '/health' },
      {
        post: '/verify',
        name: 'POST /verify',
        json: { text: 'contract clause', sources: 1 },
        check: { status: 200, maxDuration: '500ms' },
      },
    ]);
    await iterate(flow, world.vu());
    expect(world.calls[1]).toMatchObject({
      method: 'POST',
      url: '/verify',
      options: { name: 'POST /verify', json: { text: 'contract clause', sources: 1 } },
    });
    expect(world.checks).toEqual([
      { label: 'status is 200', ok: true, vu: 1 },
      { label: 'duration < 500ms', ok: true, vu: 1 },
    ]);
  });

  it("reads Artillery's form: options inside the method", async () => {
    const world = new FakeWorld();
    const flow = compile([
      {
        put: {
          url: '/items/1',
          name: 'PUT /items/:id',
          headers: { 'X-Trace': 'abc', 'X-Count': 3 },
          query: { dryRun: true, page: 2, q: 'x' },
          body: 'raw text',
          expect: [200, 409],
          timeout: '2s',
          tags: { kind: 'write' },
        },
      },
    ]);
    await iterate(flow, world.vu());
    expect(world.calls[0]).toEqual({
      method: 'PUT',
      url: '/items/1',
      options: {
        name: 'PUT /items/:id',
        headers: { 'X-Trace': 'abc', 'X-Count': '3' },
        query: { dryRun: true, page: 2, q: 'x' },
        body: 'raw text',
        expect: [200, 409],
        timeout: 2000,
        tags: { kind: 'write' },
      },
      vu: 1,
    });
  });

  it('sends every method, HEAD included', async () => {
    const world = new FakeWorld();
    const methods = ['get', 'post', 'put', 'patch', 'delete', 'head'];
    await iterate(compile(methods.map((m) => ({ [m]: '/x' }))), world.vu());
    expect(world.calls.map((c) => c.method)).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
  });

  it('passes a single expected status as a number', async () => {
    const world = new FakeWorld();
    await iterate(compile([{ delete: '/x', expect: 404 }]), world.vu());
    expect(world.calls[0]!.options.expect).toBe(404);
  });

  it('sends one frozen JSON value when the body has no template', async () => {
    const world = new FakeWorld();
    const flow = compile([{ post: '/a', json: { tags: ['x'], n: 1 } }]);
    await iterate(flow, world.vu(), 2);
    const [a, b] = world.calls.map((c) => c.options.json);
    expect(a).toBe(b);
    expect(Object.isFrozen((a as { tags: unknown }).tags)).toBe(true);
  });
});

describe('captures', () => {
  it('captures an id from JSON and uses it in later URLs, bodies and checks (CRUD)', async () => {
    const world = new FakeWorld(promptStore());
    const flow = compile([
      {
        post: '/prompts',
        json: { title: 'T ${vu.id}', text: 'x' },
        check: { status: 201, json: { '$.id': { exists: true } } },
        capture: { json: '$.id', as: 'id' },
      },
      {
        get: '/prompts/${id}',
        check: { status: 200, json: { '$.id': { equals: '${id}' }, '$.title': { equals: 'T 1' } } },
      },
      { put: '/prompts/${id}', json: { title: 'new' }, check: { json: { '$.title': { equals: 'new' } } } },
      { delete: '/prompts/${id}', check: { status: 204 } },
      { get: '/prompts/${id}', check: { status: 404 } },
    ]);
    const ctx = world.vu();
    await iterate(flow, ctx);
    expect(world.urls()).toEqual([
      'POST /prompts',
      'GET /prompts/p1',
      'PUT /prompts/p1',
      'DELETE /prompts/p1',
      'GET /prompts/p1',
    ]);
    expect(world.calls[1]!.options.name).toBe('GET /prompts/:id');
    expect(world.calls[2]!.options.name).toBe('PUT /prompts/:id');
    expect(world.calls[0]!.options.json).toEqual({ title: 'T 1', text: 'x' });
    expect(ctx.vu.state.id).toBe('p1');
    expect(world.checks.map((c) => `${c.label}: ${c.ok}`)).toEqual([
      'status is 201: true',
      '$.id exists: true',
      'status is 200: true',
      '$.id equals ${id}: true',
      '$.title equals "T 1": true',
      '$.title equals "new": true',
      'status is 204: true',
      'status is 404: true',
    ]);
  });

  it('keeps captures in vu.state across iterations, each iteration overwriting them', async () => {
    const world = new FakeWorld(promptStore());
    const flow = compile([
      { post: '/prompts', json: {}, capture: { json: '$.id', as: 'id' } },
      { get: '/prompts/${id}' },
    ]);
    const ctx = world.vu();
    await iterate(flow, ctx, 2);
    expect(world.urls()).toEqual(['POST /prompts', 'GET /prompts/p1', 'POST /prompts', 'GET /prompts/p2']);
    expect(ctx.vu.state).toEqual({ id: 'p2' });
  });

  it('captures from a header and with a regexp, several at once', async () => {
    const world = new FakeWorld(() => ({
      status: 201,
      headers: { location: '/prompts/9', 'x-request-id': 'r-1' },
      body: 'token=abc123; n=7',
    }));
    const flow = compile([
      {
        post: '/login',
        capture: [
          { header: 'Location', as: 'loc' },
          { regexp: 'token=(\\w+)', as: 'token' },
          { regexp: 'n=\\d+', as: 'whole' },
        ],
      },
      { get: '${loc}', headers: { Authorization: 'Bearer ${token}' }, query: { w: '${whole}' } },
    ]);
    await iterate(flow, world.vu());
    expect(world.calls[1]).toMatchObject({
      url: '/prompts/9',
      options: { headers: { Authorization: 'Bearer abc123' }, query: { w: 'n=7' } },
    });
  });

  it('keeps a captured number a number in a JSON leaf, and text when mixed', async () => {
    const world = new FakeWorld(() => ({ body: { id: 5, user: { name: 'ada' } } }));
    const flow = compile([
      {
        get: '/a',
        capture: [
          { json: '$.id', as: 'n' },
          { json: '$.user', as: 'user' },
        ],
      },
      {
        post: '/b',
        json: { ref: '${n}', label: 'n-${n}', who: '${user.name}', deep: [{ u: '${user}' }], fixed: [1] },
      },
    ]);
    await iterate(flow, world.vu());
    expect(world.calls[1]!.options.json).toEqual({
      ref: 5,
      label: 'n-5',
      who: 'ada',
      deep: [{ u: { name: 'ada' } }],
      fixed: [1],
    });
  });

  it('fails the iteration with a clear error when a capture finds nothing, sending nothing more', async () => {
    const world = new FakeWorld(() => ({ status: 500, body: { error: 'boom' } }));
    const flow = compile([
      { post: '/prompts', capture: { json: '$.id', as: 'id' } },
      { get: '/prompts/${id}' },
    ]);
    await expect(flow(world.vu())).rejects.toThrow(
      "capture 'id' failed: $.id found nothing in the response to POST /prompts (status 500)",
    );
    expect(world.calls).toHaveLength(1);
  });

  it('says so when there was no response at all, or the body is not JSON', async () => {
    const down = new FakeWorld(() => ({ status: 0, error: 'ECONNREFUSED' }));
    const flow = compile([{ get: '/a', name: 'list', capture: { json: '$[0]', as: 'first' } }]);
    await expect(flow(down.vu())).rejects.toThrow('in the response to list (no response: ECONNREFUSED)');
    const html = new FakeWorld(() => ({ body: '<html>' }));
    await expect(flow(html.vu())).rejects.toThrow(/\$\[0\] found nothing .* \(status 200\)/);
  });
});

describe('checks', () => {
  const flow = compile([
    {
      get: '/a',
      check: {
        status: [200, 201],
        maxDuration: '100ms',
        json: { '$.ok': { equals: true }, '$.items.length': { equals: 2 }, '$.gone': { exists: false } },
        bodyContains: ['ok', 'items'],
      },
    },
  ]);

  it('pass with readable labels', async () => {
    const world = new FakeWorld(() => ({ status: 201, duration: 50, body: { ok: true, items: [1, 2] } }));
    await iterate(flow, world.vu());
    expect(world.checkResults()).toEqual({
      'status in [200, 201]': true,
      'duration < 100ms': true,
      '$.ok equals true': true,
      '$.items.length equals 2': true,
      '$.gone does not exist': true,
      'body contains "ok"': true,
      'body contains "items"': true,
    });
  });

  it('fail one by one, without failing the iteration', async () => {
    const world = new FakeWorld(() => ({
      status: 503,
      duration: 250,
      body: { ok: false, items: [1], gone: 1 },
    }));
    await iterate(flow, world.vu());
    expect(world.checkResults()).toEqual({
      'status in [200, 201]': false,
      'duration < 100ms': false,
      '$.ok equals true': false,
      '$.items.length equals 2': false,
      '$.gone does not exist': false,
      'body contains "ok"': true,
      'body contains "items"': true,
    });
  });

  it('fail every JSON check when the body is not JSON, or when there was no response', async () => {
    const f = compile([{ get: '/a', check: { json: { '$.id': { exists: true }, $: { exists: false } } } }]);
    const html = new FakeWorld(() => ({ body: '<html>' }));
    await iterate(f, html.vu());
    expect(html.checkResults()).toEqual({ '$.id exists': false, '$ does not exist': false });
    const down = new FakeWorld(() => ({ status: 0, error: 'timeout' }));
    await iterate(
      compile([{ get: '/a', check: { status: 200, json: { '$.id': { exists: true } } } }]),
      down.vu(),
    );
    expect(down.checkResults()).toEqual({ 'status is 200': false, '$.id exists': false });
  });

  it('compares JSON deeply, and template text with the number or boolean the API returns', async () => {
    const world = new FakeWorld(() => ({ body: { n: 7, b: true, o: { a: [1, { b: 2 }] }, s: '7' } }));
    // Rows hold text, as a CSV feeder's do.
    const nums = createFeeder([{ n: '7', b: 'true' }], { name: 'nums' });
    const f = compile(
      [
        { feed: 'nums' },
        {
          get: '/a',
          check: {
            json: {
              '$.o': { equals: { a: [1, { b: 2 }] } },
              '$.n': { equals: '${row.n}' },
              '$.b': { equals: '${row.b}' },
              '$.s': { equals: 7 },
            },
          },
        },
      ],
      { nums },
    );
    await iterate(f, world.vu());
    expect(world.checkResults()).toEqual({
      '$.o equals {"a":[1,{"b":2}]}': true,
      '$.n equals ${row.n}': true,
      '$.b equals ${row.b}': true,
      // A literal in the file is compared strictly: the number 7 is not the text "7".
      '$.s equals 7': false,
    });
  });
});

describe('templates', () => {
  it('reads env, with defaults, in URLs and headers', async () => {
    const world = new FakeWorld();
    const flow = compile([
      { get: '${env.BASE}/v/${env.VERSION:-1}', headers: { Authorization: 'Bearer ${env.API_TOKEN}' } },
    ]);
    await iterate(flow, world.vu(1, { BASE: 'http://h:1', API_TOKEN: 's3cret' }));
    expect(world.calls[0]).toMatchObject({
      url: 'http://h:1/v/1',
      options: { name: 'GET /v/1', headers: { Authorization: 'Bearer s3cret' } },
    });
  });

  it('fails the iteration when an env variable is not set', async () => {
    const flow = compile([{ get: '/x', headers: { Authorization: 'Bearer ${env.API_TOKEN}' } }]);
    await expect(flow(new FakeWorld().vu())).rejects.toThrow(
      '${env.API_TOKEN} is not set: pass -e API_TOKEN=…',
    );
  });

  it('names a templated request after its route, even with an absolute URL from env', async () => {
    const world = new FakeWorld(() => ({ body: { id: 3 } }));
    const flow = compile([
      { get: '/first', capture: { json: '$.id', as: 'id' } },
      { get: '${env.BASE}/prompts/${id}?full=${id}' },
      { get: { url: '/prompts/${id}', name: 'one prompt' } },
    ]);
    await iterate(flow, world.vu(1, { BASE: 'https://api.example.com' }));
    expect(world.calls.map((c) => c.options.name)).toEqual([undefined, 'GET /prompts/:id', 'one prompt']);
    expect(world.calls[1]!.url).toBe('https://api.example.com/prompts/3?full=3');
  });

  it('reads vu.id and vu.iteration, and escapes what a URL cannot hold', async () => {
    const world = new FakeWorld();
    const terms = createFeeder([{ term: 'café au lait' }], { name: 'terms' });
    const flow = compile(
      [
        { feed: 'terms' },
        { get: '/s/${row.term}?vu=${vu.id}&i=${vu.iteration}', query: { q: '${row.term}' } },
      ],
      { terms },
    );
    await iterate(flow, world.vu(7), 2);
    expect(world.calls.map((c) => c.url)).toEqual([
      '/s/caf%C3%A9%20au%20lait?vu=7&i=0',
      '/s/caf%C3%A9%20au%20lait?vu=7&i=1',
    ]);
    // Query values go to the client as they are: it encodes them.
    expect(world.calls[0]!.options.query).toEqual({ q: 'café au lait' });
  });

  it('writes $${ as a literal ${ in a body', async () => {
    const world = new FakeWorld();
    await iterate(compile([{ post: '/t', body: 'Hello $${name}' }]), world.vu());
    expect(world.calls[0]!.options.body).toBe('Hello ${name}');
  });
});

describe('think', () => {
  it('sleeps a constant number of seconds', async () => {
    const world = new FakeWorld();
    await iterate(compile([{ think: '1s' }, { think: 0.25 }, { think: '1m' }, { think: 0 }]), world.vu());
    expect(world.sleeps).toEqual([1, 0.25, 60]);
  });

  it('sleeps a uniform random time within a range', async () => {
    const world = new FakeWorld();
    const flow = compile([{ think: '1s..3s' }]);
    const ctx = world.vu();
    for (let i = 0; i < 200; i++) await flow(ctx);
    expect(Math.min(...world.sleeps)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...world.sleeps)).toBeLessThanOrEqual(3);
    expect(Math.max(...world.sleeps) - Math.min(...world.sleeps)).toBeGreaterThan(1);
  });
});

describe('feed', () => {
  const users = () =>
    createFeeder(
      [
        { email: 'a@x.io', pw: '1' },
        { email: 'b@x.io', pw: '2' },
        { email: 'c@x.io', pw: '3' },
      ],
      { name: 'users.csv', order: 'sequential' },
    );
  const login = [
    { feed: 'users' },
    { post: '/login', json: { email: '${row.email}', password: '${row.pw}' } },
  ];
  const emails = (world: FakeWorld) =>
    world.calls.map((c) => `${c.vu}:${(c.options.json as { email: string }).email}`);

  it('takes the next row each iteration, one cursor shared by the VUs', async () => {
    const world = new FakeWorld();
    const flow = compile(login, { users: users() });
    const [v1, v2] = [world.vu(1), world.vu(2)];
    await flow(v1);
    await flow(v2);
    await flow(v1);
    await flow(v2);
    expect(emails(world)).toEqual(['1:a@x.io', '2:b@x.io', '1:c@x.io', '2:a@x.io']);
  });

  it('hands each row out once with order unique, failing the iteration when they run out', async () => {
    const world = new FakeWorld();
    const unique = createFeeder([{ email: 'a' }, { email: 'b' }, { email: 'c' }], {
      name: 'u.csv',
      order: 'unique',
    });
    const flow = compile([{ feed: 'users' }, { post: '/login', json: { email: '${row.email}' } }], {
      users: unique,
    });
    const vus = [world.vu(1), world.vu(2), world.vu(3)];
    await Promise.all(vus.map((v) => flow(v)));
    expect(emails(world).sort()).toEqual(['1:a', '2:b', '3:c']);
    await expect(flow(vus[0]!)).rejects.toThrow("feeder 'u.csv' ran out of rows");
    expect(world.calls).toHaveLength(3);
  });

  it('keeps one row per VU with per: vu (unique per user)', async () => {
    const world = new FakeWorld();
    const unique = createFeeder([{ email: 'a' }, { email: 'b' }], { name: 'u.csv', order: 'unique' });
    const flow = compile(
      [
        { feed: { from: 'accounts', as: 'user', per: 'vu' } },
        { post: '/login', json: { email: '${user.email}' } },
      ],
      { accounts: unique },
    );
    const [v1, v2] = [world.vu(1), world.vu(2)];
    await iterate(flow, v1, 3);
    await iterate(flow, v2, 3);
    expect(emails(world)).toEqual(['1:a', '1:a', '1:a', '2:b', '2:b', '2:b']);
  });

  it('draws random rows per VU, repeatably for a seed', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ n: String(i) }));
    const run = async () => {
      const world = new FakeWorld();
      const feeder = createFeeder(rows, { name: 'r', order: 'random', seed: 9 });
      const flow = compile([{ feed: 'r' }, { get: '/n/${row.n}' }], { r: feeder });
      await iterate(flow, world.vu(1), 10);
      await iterate(flow, world.vu(2), 10);
      return world.calls.map((c) => c.url);
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(5);
  });
});

describe('loop', () => {
  it('repeats count times with ${loop.index}', async () => {
    const world = new FakeWorld();
    await iterate(
      compile([{ loop: [{ get: '/page/${loop.index}' }], count: 3 }, { get: '/done' }]),
      world.vu(),
    );
    expect(world.urls()).toEqual(['GET /page/0', 'GET /page/1', 'GET /page/2', 'GET /done']);
  });

  it('walks every row of a feeder, in file order, as ${item}', async () => {
    const world = new FakeWorld(promptStore());
    const seeds = createFeeder(
      [
        { title: 'one', text: 'a' },
        { title: 'two', text: 'b' },
      ],
      { name: 'seeds.json', order: 'random' },
    );
    const flow = compile(
      [
        {
          loop: [
            {
              post: '/prompts',
              json: { title: '${item.title}', text: '${item.text}' },
              capture: { json: '$.id', as: 'id' },
            },
            { get: '/prompts/${id}', check: { json: { '$.title': { equals: '${item.title}' } } } },
          ],
          over: 'seeds',
        },
      ],
      { seeds },
    );
    await iterate(flow, world.vu());
    expect(world.urls()).toEqual(['POST /prompts', 'GET /prompts/p1', 'POST /prompts', 'GET /prompts/p2']);
    expect(world.checks.every((c) => c.ok)).toBe(true);
    expect(world.checks.map((c) => c.label)).toEqual([
      '$.title equals ${item.title}',
      '$.title equals ${item.title}',
    ]);
  });

  it('stops after count rows of a feeder, and names its items with as', async () => {
    const world = new FakeWorld();
    const f = createFeeder([{ id: 1 }, { id: 2 }, { id: 3 }], { name: 'ids' });
    await iterate(
      compile([{ loop: [{ get: '/p/${p.id}' }], over: 'ids', count: 2, as: 'p' }], { ids: f }),
      world.vu(),
    );
    expect(world.urls()).toEqual(['GET /p/1', 'GET /p/2']);
  });

  it('walks a literal list and a captured list', async () => {
    const world = new FakeWorld(({ url }) =>
      url === '/list' ? { body: { items: [{ id: 'x' }, { id: 'y' }] } } : {},
    );
    const flow = compile([
      { loop: [{ get: '/tag/${item}' }], over: ['a', 'b c'] },
      { get: '/list', capture: { json: '$.items', as: 'items' } },
      { loop: [{ get: '/item/${item.id}' }], over: 'items' },
    ]);
    await iterate(flow, world.vu());
    expect(world.urls()).toEqual(['GET /tag/a', 'GET /tag/b%20c', 'GET /list', 'GET /item/x', 'GET /item/y']);
  });

  it('fails the iteration when a captured loop source is not a list', async () => {
    const world = new FakeWorld(() => ({ body: { items: 'nope' } }));
    const flow = compile([
      { get: '/list', capture: { json: '$.items', as: 'items' } },
      { loop: [{ get: '/x' }], over: 'items' },
    ]);
    await expect(flow(world.vu())).rejects.toThrow(
      `loop over 'items': the captured value is not a list (it is "nope")`,
    );
  });

  it('nests, an inner item shadowing an outer one only inside', async () => {
    const world = new FakeWorld();
    const flow = compile([
      {
        loop: [
          { loop: [{ get: '/${item}/${loop.index}' }], over: ['in1', 'in2'] },
          { get: '/${item}/${loop.index}' },
        ],
        over: ['out1', 'out2'],
      },
    ]);
    await iterate(flow, world.vu());
    expect(world.calls.map((c) => c.url)).toEqual([
      '/in1/0',
      '/in2/1',
      '/out1/0',
      '/in1/0',
      '/in2/1',
      '/out2/1',
    ]);
  });

  it('feeds inside a loop, a new row each round', async () => {
    const world = new FakeWorld();
    const terms = createFeeder([{ t: 'a' }, { t: 'b' }, { t: 'c' }], { name: 'terms' });
    await iterate(
      compile([{ loop: [{ feed: 'terms' }, { get: '/q/${row.t}' }], count: 4 }], { terms }),
      world.vu(),
    );
    expect(world.calls.map((c) => c.url)).toEqual(['/q/a', '/q/b', '/q/c', '/q/a']);
  });

  it('stops between rounds once the scenario is aborted', async () => {
    const controller = new AbortController();
    const world = new FakeWorld(({ url }) => {
      if (url === '/x/1') controller.abort();
      return {};
    });
    const flow = compile([{ loop: [{ get: '/x/${loop.index}' }], count: 10 }]);
    await expect(flow(world.vu(1, {}, controller.signal))).rejects.toThrow();
    expect(world.calls.map((c) => c.url)).toEqual(['/x/0', '/x/1']);
  });
});

describe('the example flows of test/fixtures/flows', () => {
  const dir = join(import.meta.dirname, '../../test/fixtures/flows');
  interface FixtureUser {
    name: string;
    flow: Step[];
  }
  interface Fixture {
    feeders?: unknown;
    scenarios: Record<string, { users: FixtureUser[] }>;
  }
  /** Compiles every user's flow of a fixture as the loader will: feeders first, then flows. */
  const load = (name: string) => {
    const file = join(dir, name);
    const doc = parseYaml(readFileSync(file, 'utf8')) as Fixture;
    const feeders = loadFeeders(doc.feeders, dir, { file: name, path: 'feeders' });
    const flows: Record<string, FlowFn> = {};
    for (const [scenario, s] of Object.entries(doc.scenarios)) {
      s.users.forEach((u, i) => {
        flows[u.name] = compileFlow(
          u.flow,
          { file: name, path: `scenarios.${scenario}.users[${i}].flow` },
          feeders,
        );
      });
    }
    return flows;
  };

  it('crud.yaml creates, reads, updates and deletes a prompt, every check passing', async () => {
    const { Editor } = load('crud.yaml');
    const world = new FakeWorld(promptStore());
    await iterate(Editor!, world.vu(3), 2);
    expect(world.calls.slice(0, 6).map((c) => `${c.method} ${c.url} [${c.options.name}]`)).toEqual([
      'POST /prompts [POST /prompts]',
      'GET /prompts/p1 [GET /prompts/:id]',
      'PUT /prompts/p1 [PUT /prompts/:id]',
      'GET /prompts/p1 [GET /prompts/:id]',
      'DELETE /prompts/p1 [DELETE /prompts/:id]',
      'GET /prompts/p1 [GET /prompts/:id (deleted)]',
    ]);
    expect(world.calls[0]!.options.json).toEqual({
      title: 'Prompt from VU 3',
      text: 'Summarise the contract in 50 words.',
      tags: ['load', 'crud'],
    });
    expect(world.calls[8]!.options.json).toMatchObject({ text: 'Iteration 1' });
    expect(world.checks.filter((c) => !c.ok)).toEqual([]);
    expect(world.checks).toHaveLength(2 * 16);
    expect(world.sleeps).toEqual([0.05, 0.05]);
  });

  it('feeders.yaml feeds rows, one account per VU, and loops over pages', async () => {
    const { Writer, Reader } = load('feeders.yaml');
    const world = new FakeWorld(promptStore());
    await iterate(Writer!, world.vu(1), 2);
    await iterate(Writer!, world.vu(2), 1);
    const posts = world.calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => c.options.headers?.Authorization)).toEqual([
      'Bearer tok-ada-1',
      'Bearer tok-ada-1',
      'Bearer tok-bob-2',
    ]);
    expect(posts.map((c) => (c.options.json as { title: string }).title)).toEqual([
      'Contract summary',
      'Release notes',
      'Support reply',
    ]);
    expect((posts[2]!.options.json as { text: string }).text).toBe(
      'Answer the customer politely;\nkeep it under 100 words.',
    );
    await iterate(Reader!, world.vu(4));
    const reads = world.calls.slice(6);
    expect(reads.map((c) => c.options.query ?? c.url)).toEqual([
      { limit: 5, offset: 5 },
      { limit: 10, offset: 10 },
      { limit: 20, offset: 0 },
      '/prompts/p1',
      '/prompts/p2',
      '/prompts/p3',
    ]);
    expect(world.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
