// biome-ignore-all lint/suspicious/noTemplateCurlyInString: squall's own ${…} templates are the expected output
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertK6 } from './k6.js';
import { ConvertError } from './types.js';

type Doc = Record<string, unknown> & {
  users?: Array<{ name: string; flow: Array<Record<string, unknown>> }>;
  scenarios?: Record<string, Record<string, unknown> & { users: Array<{ name: string; flow: unknown[] }> }>;
};

const HEAD = "import http from 'k6/http';\nimport { check, group, sleep } from 'k6';\n";

function convert(body: string): { doc: Doc; text: string; todos: Array<{ line: number; what: string }> } {
  const c = convertK6(HEAD + body, 'script.js');
  return { doc: parse(c.text) as Doc, text: c.text, todos: c.todos };
}

const flow = (doc: Doc) => doc.users![0]!.flow;

describe('convertK6', () => {
  it("a literal ${ in a template string stays literal: squall's $${ escape", () => {
    const { text } = convert('export default function () { http.get(`http://api.test/x?q=\\${HOME}`); }');
    expect(text).toContain('$${HOME}');
    expect(text).not.toMatch(/[^$]\$\{HOME\}/);
  });

  it('options: shortcuts, thresholds (abortOnFail kept), maxRedirects and TLS', () => {
    const { doc } = convert(`
export const options = {
  vus: 5, duration: '30s', maxRedirects: 3, insecureSkipTLSVerify: true,
  thresholds: { http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true }], 'http_req_duration{name:x}': ['p(95)<200'] },
};
export default function () { http.get('http://api.test:8080/health'); }`);
    expect(doc).toMatchObject({
      target: 'http://api.test:8080',
      vus: 5,
      duration: '30s',
      insecureSkipTLSVerify: true,
      defaults: { redirects: 3 },
      thresholds: {
        http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true }],
        'http_req_duration{name:x}': ['p(95)<200'],
      },
    });
    expect(flow(doc)).toEqual([{ get: '/health' }]);
  });

  it('scenarios keep their executor parameters; exec picks the function; unknown params are TODO', () => {
    const { doc, todos } = convert(`
export const options = { scenarios: {
  a: { executor: 'ramping-arrival-rate', startRate: 1, timeUnit: '1s', preAllocatedVUs: 2, stages: [{ target: 5, duration: '10s' }], exec: 'browse' },
  b: { executor: 'per-vu-iterations', vus: 2, iterations: 3, env: { X: '1' } },
} };
export function browse() { http.get('/a'); }
export default function () { http.get('/b'); }`);
    expect(doc.scenarios!.a).toMatchObject({
      executor: 'ramping-arrival-rate',
      startRate: 1,
      preAllocatedVUs: 2,
    });
    expect(doc.scenarios!.a!.users).toEqual([{ name: 'browse', flow: [{ get: '/a' }] }]);
    expect(doc.scenarios!.b!.users).toEqual([{ name: 'default', flow: [{ get: '/b' }] }]);
    expect(todos.map((t) => t.what).join()).toMatch(/scenario b's env/);
  });

  it('requests: BASE_URL from __ENV becomes the target, params give name, headers and tags; bodies json, form, text', () => {
    const { doc } = convert(`
const BASE = __ENV.BASE_URL || 'http://localhost:3000';
export default function () {
  const payload = JSON.stringify({ a: 1 });
  http.post(\`\${BASE}/json\`, payload, { headers: { 'X-Key': \`\${__ENV.KEY}\` }, tags: { name: 'json', kind: 'w' } });
  http.post(\`\${BASE}/form\`, { user: 'u', n: 2 });
  http.put(\`\${BASE}/text\`, 'raw');
  http.del(\`\${BASE}/x\`, null, { redirects: 0 });
  http.request('PATCH', \`\${BASE}/p\`, JSON.stringify({ b: true }));
}`);
    expect(doc.target).toBe('${env.BASE_URL:-http://localhost:3000}');
    expect(flow(doc)).toEqual([
      {
        post: '/json',
        json: { a: 1 },
        headers: { 'X-Key': '${env.KEY}' },
        name: 'json',
        tags: { kind: 'w' },
      },
      { post: '/form', form: { user: 'u', n: 2 } },
      { put: '/text', body: 'raw' },
      { delete: '/x', redirects: 0 },
      { patch: '/p', json: { b: true } },
    ]);
  });

  it('checks on status, body, duration and JSON; captures from res.json(); sleep → think; groups in line', () => {
    const { doc, text } = convert(`
import { randomIntBetween } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js';
export default function () {
  group('login', () => {
    const res = http.post('/login', JSON.stringify({ u: 'a' }));
    check(res, {
      ok: (r) => r.status === 200,
      fast: (r) => r.timings.duration < 300,
      body: (r) => r.body.includes('token'),
      id: (r) => r.json('user.id') !== undefined,
      role: (r) => r.json().role === 'admin',
    });
    const token = res.json('token');
    http.get('/me', { headers: { Authorization: \`Bearer \${token}\` } });
  });
  sleep(1);
  sleep(randomIntBetween(2, 4));
}`);
    expect(text).toMatch(/^\s+# group: login$/m);
    expect(flow(doc)).toEqual([
      {
        post: '/login',
        json: { u: 'a' },
        check: {
          status: 200,
          maxDuration: '300ms',
          bodyContains: 'token',
          json: { '$.user.id': { exists: true }, '$.role': { equals: 'admin' } },
        },
        capture: { json: '$.token', as: 'token' },
      },
      { get: '/me', headers: { Authorization: 'Bearer ${token}' } },
      { think: 1 },
      { think: '2s..4s' },
    ]);
  });

  it('a for loop with a literal bound → loop: count; setup/teardown → before/after with data.x → ${x}', () => {
    const { doc } = convert(`
export function setup() {
  const r = http.post('/token');
  const t = r.json('token');
  return { auth: t };
}
export default function (data) {
  for (let i = 0; i < 4; i++) { http.get('/a', { headers: { Authorization: \`\${data.auth}\` } }); }
}
export function teardown() { http.del('/fixtures'); }`);
    expect(doc.before).toEqual([{ post: '/token', capture: { json: '$.token', as: 't' } }]);
    expect(doc.after).toEqual([{ delete: '/fixtures' }]);
    expect(flow(doc)).toEqual([{ loop: [{ get: '/a', headers: { Authorization: '${t}' } }], count: 4 }]);
  });

  it('what has no YAML equivalent is a TODO with the original code and its line', () => {
    const body = `
import { SharedArray } from 'k6/data';
import { Counter } from 'k6/metrics';
const users = new SharedArray('users', () => JSON.parse(open('./users.json')));
const orders = new Counter('orders');
export default function () {
  const res = http.get('/a');
  if (res.status !== 200) { console.log('bad'); }
  orders.add(1);
  check(res, { weird: (r) => r.headers['X'].length > 3 });
}`;
    const { text, todos, doc } = convert(body);
    const line = (needle: string) => (HEAD + body).split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(todos.map((t) => `${t.line}:${t.what}`)).toEqual([
      expect.stringMatching(new RegExp(`^${line('SharedArray(')}:test data in a SharedArray`)),
      expect.stringMatching(new RegExp(`^${line('new Counter')}:a custom metric \\(Counter\\)`)),
      expect.stringMatching(new RegExp(`^${line('if (res')}:a condition in code`)),
      expect.stringMatching(new RegExp(`^${line('orders.add')}:a value added to the custom metric orders`)),
      expect.stringMatching(new RegExp(`^${line('weird')}:a check predicate`)),
    ]);
    expect(text).toContain(`line ${line('if (res')} of the original:`);
    expect(text).toMatch(/# TODO\(convert\): a condition in code.*\n\s+#\s+if \(res.status !== 200\)/);
    expect(flow(doc)).toEqual([{ get: '/a' }]);
  });

  it('a syntax error is a ConvertError with its line', () => {
    expect(() =>
      convertK6("import http from 'k6/http';\nexport default function () {\n  http.get('/a'\n}\n", 's.js'),
    ).toThrow(ConvertError);
    try {
      convertK6("import http from 'k6/http';\nconst = 1;\n", 's.js');
    } catch (e) {
      expect((e as ConvertError).line).toBe(2);
      expect((e as Error).message).toMatch(/s\.js does not parse as JavaScript/);
    }
  });
});
