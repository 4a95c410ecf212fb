import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { hasStackTrace, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFile, runFileOk, thresholdOf, writeTestFile } from '../helpers/run-file.js';

/**
 * Issue 11, item 7: k6 tags every HTTP request with `url`, the full URL as requested (query
 * included), so `http_reqs{url:…}` and `http_req_duration{url:…}` work in thresholds. squall
 * records it on both transports, redacted, and beside a request's name and its own tags.
 */

const dir = tempDir('squall-url-tag-');
let server: RouteServer;

beforeAll(async () => {
  requireBuiltCli();
  server = await startRouteServer();
});

afterAll(async () => {
  await server.close();
  dir.remove();
});

describe('url tag', () => {
  it.each(['lean', 'undici'])('filters thresholds by url on the %s transport', async (transport) => {
    const before = { a: server.on('/a').length, b: server.on('/b').length };
    const u = server.url;
    const file = writeTestFile(
      dir.path,
      `two-${transport}.yaml`,
      `target: ${u}
scenarios:
  main:
    executor: shared-iterations
    vus: 2
    iterations: 6
    users:
      - name: Reader
        flow:
          - get: /a
            tags: { team: red }
          - get: /b?x=1
            name: bee
thresholds:
  "http_reqs{url:${u}/a}": ["count>0"]
  "http_reqs{url:${u}/a,team:red}": ["count>0"]
  "http_req_duration{url:${u}/b?x=1}": ["p(95)>=0"]
  "http_req_failed{url:${u}/b?x=1,name:bee}": ["rate==0"]
  "http_reqs{url:${u}/b?x=1,name:GET /a}": ["count>=0"]
`,
    );
    const {
      run,
      result: r,
      why,
    } = await runFileOk(file, [], {
      env: { SQUALL_HTTP_CLIENT: transport === 'undici' ? 'undici' : undefined },
    });
    const ctx = `${why}\nthresholds ${JSON.stringify(r.thresholds)}`;
    const a = server.on('/a').length - before.a;
    const b = server.on('/b').length - before.b;
    expect(a, ctx).toBeGreaterThan(0);
    expect(thresholdOf(r, `http_reqs{url:${u}/a}`, 'count>0'), ctx).toMatchObject({ ok: true, actual: a });
    expect(thresholdOf(r, `http_reqs{url:${u}/a,team:red}`, 'count>0'), ctx).toMatchObject({
      ok: true,
      actual: a,
    });
    const duration = thresholdOf(r, `http_req_duration{url:${u}/b?x=1}`, 'p(95)>=0');
    expect(duration.actual, ctx).not.toBeNull();
    expect(duration.ok, ctx).toBe(true);
    expect(b, ctx).toBeGreaterThan(0);
    expect(thresholdOf(r, `http_req_failed{url:${u}/b?x=1,name:bee}`, 'rate==0'), ctx).toMatchObject({
      ok: true,
      actual: 0,
    });
    // The url and a name the request does not have select nothing: no data, failed.
    expect(thresholdOf(r, `http_reqs{url:${u}/b?x=1,name:GET /a}`, 'count>=0'), ctx).toMatchObject({
      ok: false,
      actual: null,
    });
    expect(run.code, ctx).toBe(99);
    // Like k6, no url in the summary: endpoints stay keyed by name.
    expect(JSON.stringify(r.endpoints ?? []), ctx).not.toContain('"url"');
  });

  it('records a URL with a password redacted', async () => {
    const before = server.on('/c').length;
    const host = new URL(server.url).host;
    const file = writeTestFile(
      dir.path,
      'secret.yaml',
      `scenarios:
  main:
    executor: shared-iterations
    vus: 1
    iterations: 3
    users:
      - name: Reader
        flow:
          - get: http://alice:s3cret-pw@${host}/c?api_key=k3y-value&page=2
thresholds:
  "http_reqs{url:http://alice:[redacted]@${host}/c?api_key=[redacted]&page=2}": ["count==3"]
`,
    );
    const out = `${file}.out.json`;
    const { run, result: r, why } = await runFileOk(file, ['-o', `json=${out}`]);
    const ctx = `${why}\nthresholds ${JSON.stringify(r.thresholds)}`;
    expect(run.code, ctx).toBe(0);
    const hits = server.on('/c').slice(before);
    expect(hits, ctx).toHaveLength(3);
    // The requests carried the credentials; nothing squall wrote does.
    expect(hits[0]!.headers.authorization, ctx).toBe(
      `Basic ${Buffer.from('alice:s3cret-pw').toString('base64')}`,
    );
    expect(hits[0]!.query.api_key, ctx).toBe('k3y-value');
    for (const text of [run.stdout, run.stderr, readFileSync(out, 'utf8')]) {
      expect(text).not.toContain('s3cret-pw');
      expect(text).not.toContain('k3y-value');
    }
  });

  it('accepts any url in a TS test and answers only the one named, among many', async () => {
    const before = server.on('/items').length;
    const file = writeTestFile(
      dir.path,
      'many.ts',
      `export default {
  target: ${JSON.stringify(server.url)},
  scenarios: {
    walk: {
      executor: 'per-vu-iterations', vus: 1, iterations: 1,
      users: [{ name: 'Walker', async run({ http }) {
        for (let i = 0; i < 300; i++) await http.get('/items?id=' + i, { name: 'items' });
      } }],
    },
  },
  thresholds: {
    'http_reqs{url:${server.url}/items?id=7}': ['count==1'],
    'http_reqs{url:${server.url}/items}': ['count>=0'],
    'http_reqs{name:items}': ['count==300'],
  },
};
`,
    );
    const { run, result: r, why } = await runFileOk(file);
    const ctx = `${why}\nthresholds ${JSON.stringify(r.thresholds)}`;
    expect(server.on('/items').length - before, ctx).toBe(300);
    expect(thresholdOf(r, `http_reqs{url:${server.url}/items?id=7}`, 'count==1'), ctx).toMatchObject({
      ok: true,
      actual: 1,
    });
    expect(thresholdOf(r, 'http_reqs{name:items}', 'count==300').ok, ctx).toBe(true);
    // The path without the query is another URL, and no request had it.
    expect(thresholdOf(r, `http_reqs{url:${server.url}/items}`, 'count>=0'), ctx).toMatchObject({
      ok: false,
      actual: null,
    });
    expect(run.code, ctx).toBe(99);
  });

  it('refuses a url no request of a YAML test has, with did-you-mean', async () => {
    const before = server.hits.length;
    const file = writeTestFile(
      dir.path,
      'typo.yaml',
      `target: ${server.url}
scenarios:
  main:
    executor: shared-iterations
    vus: 1
    iterations: 1
    users:
      - name: Reader
        flow: [{ get: /items }]
thresholds:
  "http_reqs{url:${server.url}/item}": ["count>0"]
`,
    );
    const { run, result } = await runFile(file);
    expect(run.code, run.stderr).toBe(2);
    expect(result).toBeUndefined();
    expect(run.stderr).toContain(`no request URL of this test is '${server.url}/item'`);
    expect(run.stderr).toContain(`did you mean '${server.url}/items'?`);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(server.hits.length).toBe(before);
  });
});
