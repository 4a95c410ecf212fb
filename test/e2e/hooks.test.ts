import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countBy, type Hit, type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { hasStackTrace, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFile, runFileOk, thresholdOf, writeTestFile } from '../helpers/run-file.js';

/**
 * Hooks that send measured requests (issue 18): a YAML test's before:/after: and a user type's
 * onStart:/onStop:, and a TypeScript test's setup/teardown with `http` and onStart/onStop. The
 * server counts each hook's requests and sees the values they captured used by the load; the
 * result counts the same requests, each hook's under its `phase` tag.
 */

const dir = tempDir('squall-hooks-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

/**
 * A login server: POST /login hands out a token nobody can guess, POST /session a session id
 * for that token; /work, /logout and /fixtures answer 401 without the right token.
 */
function sessionServer() {
  const tokens: string[] = [];
  const sessions: string[] = [];
  const random = () => Math.random().toString(36).slice(2, 10);
  const authorized = (h: Hit) => tokens.length > 0 && h.headers.authorization === `Bearer ${tokens[0]}`;
  return startRouteServer({
    handler: (h) => {
      if (h.path === '/login') {
        tokens.push(`tok-${random()}`);
        return { body: { token: tokens.at(-1) } };
      }
      if (!authorized(h)) return { status: 401, body: 'no token' };
      if (h.path === '/session') {
        sessions.push(`sid-${random()}`);
        return { body: { sid: sessions.at(-1) } };
      }
      return undefined;
    },
  }).then((s) => ({ s, tokens, sessions }));
}

/** What every test of this file checks at the server and in the result. */
function expectHooks(
  s: RouteServer,
  r: RunResult,
  tokens: readonly string[],
  sessions: readonly string[],
  why: string,
): void {
  const ctx = `${why}\nhits ${JSON.stringify(s.hits.map((h) => `${h.method} ${h.path} ${h.headers['x-session'] ?? ''}`))}`;
  const vus = r.scenarios!.shop!.vusMax;
  const login = s.on('/login');
  const session = s.on('/session');
  const work = s.on('/work');
  const logout = s.on('/logout');
  const fixtures = s.on('/fixtures');
  expect(vus, ctx).toBeGreaterThan(1);
  // before once, first; onStart and onStop once per VU; after once, last.
  expect(login, ctx).toHaveLength(1);
  expect(session, ctx).toHaveLength(vus);
  expect(logout, ctx).toHaveLength(vus);
  expect(fixtures, ctx).toHaveLength(1);
  expect(s.hits[0]!.path, ctx).toBe('/login');
  expect(s.hits.at(-1)!.path, ctx).toBe('/fixtures');
  // Every request after the login carried before's token (the server answered 401 otherwise).
  expect(
    s.hits.slice(1).every((h) => h.headers.authorization === `Bearer ${tokens[0]}`),
    ctx,
  ).toBe(true);
  // onStart's capture lasted for that VU's iterations and its onStop: each VU its own session.
  expect(work.length, ctx).toBeGreaterThanOrEqual(vus);
  expect(new Set(work.map((h) => h.headers['x-session'])), ctx).toEqual(new Set(sessions));
  expect(new Set(logout.map((h) => h.headers['x-session'])), ctx).toEqual(new Set(sessions));
  for (const sid of sessions) {
    const mine = s.hits.filter((h) => h.headers['x-session'] === sid);
    expect(mine.at(-1)!.path, ctx).toBe('/logout');
    expect(countBy(mine, (h) => String(h.headers['x-vu'])).size, ctx).toBe(1);
  }
  // Measured like any request: the result's per-endpoint counts are the server's.
  expect(r.metrics.http_reqs.count, ctx).toBe(s.hits.length);
  const byEndpoint = Object.fromEntries(r.endpoints.map((e) => [`${e.method} ${e.name}`, e.count]));
  expect(byEndpoint, ctx).toEqual({
    'POST POST /login': login.length,
    'POST POST /session': session.length,
    'GET GET /work': work.length,
    'POST POST /logout': logout.length,
    'DELETE DELETE /fixtures': fixtures.length,
  });
  expect(r.metrics.http_req_failed.rate, ctx).toBe(0);
  // Each hook's requests under its phase tag; the iterations' under none.
  const phase = (p: string) => thresholdOf(r, `http_reqs{phase:${p}}`, 'count>0').actual;
  expect(phase('before'), ctx).toBe(login.length);
  expect(phase('onStart'), ctx).toBe(session.length);
  expect(phase('onStop'), ctx).toBe(logout.length);
  expect(phase('after'), ctx).toBe(fixtures.length);
  expect(thresholdOf(r, 'http_reqs{scenario:(before)}', 'count>0').actual, ctx).toBe(login.length);
  expect(thresholdOf(r, 'http_reqs{scenario:shop}', 'count>0').actual, ctx).toBe(
    session.length + work.length + logout.length,
  );
  expect(thresholdOf(r, 'http_req_duration{phase:before}', 'max>=0').ok, ctx).toBe(true);
  expect(r.passed, ctx).toBe(true);
}

const THRESHOLDS = `thresholds:
  "http_reqs{phase:before}": ["count>0"]
  "http_reqs{phase:onStart}": ["count>0"]
  "http_reqs{phase:onStop}": ["count>0"]
  "http_reqs{phase:after}": ["count>0"]
  "http_reqs{scenario:(before)}": ["count>0"]
  "http_reqs{scenario:shop}": ["count>0"]
  "http_req_duration{phase:before}": ["max>=0"]
`;

describe('YAML hooks', () => {
  it('before: logs in once, every flow sends its token; onStart/onStop once per VU; after: once', async () => {
    const { s, tokens, sessions } = await sessionServer();
    server = s;
    const file = writeTestFile(
      dir.path,
      'hooks.yaml',
      `target: ${s.url}
before:
  - post: /login
    json: { user: admin, password: secret }
    capture: { json: "$.token", as: token }
after:
  - delete: /fixtures
    headers: { Authorization: "Bearer \${token}" }
${THRESHOLDS}scenarios:
  shop:
    executor: constant-vus
    vus: 3
    duration: 1s
    users:
      - name: Shopper
        think: 50ms
        onStart:
          - post: /session
            headers: { Authorization: "Bearer \${token}", X-VU: "\${vu.id}" }
            capture: { json: "$.sid", as: sid }
        onStop:
          - post: /logout
            headers: { Authorization: "Bearer \${token}", X-Session: "\${sid}", X-VU: "\${vu.id}" }
        flow:
          - get: /work
            headers: { Authorization: "Bearer \${token}", X-Session: "\${sid}", X-VU: "\${vu.id}" }
`,
    );
    const { run, result, why } = await runFileOk(file);
    expect(run.code, why).toBe(0);
    expectHooks(s, result, tokens, sessions, why);
  });

  it('a before: whose capture finds nothing stops the run before any load, exit 1', async () => {
    server = await startRouteServer({ handler: () => ({ status: 500, body: 'down' }) });
    const file = writeTestFile(
      dir.path,
      'before-fails.yaml',
      `target: ${server.url}
before:
  - post: /login
    capture: { json: "$.token", as: token }
vus: 2
duration: 1s
users:
  - name: Worker
    flow:
      - get: /work
        headers: { Authorization: "Bearer \${token}" }
`,
    );
    const { run, why } = await runFile(file, [], { quiet: false });
    expect(run.code, why).toBe(1);
    expect(run.stderr, why).toMatch(/before: flow failed/);
    expect(run.stderr, why).toContain('$.token');
    expect(hasStackTrace(run.stderr), why).toBe(false);
    // The login was tried; no load was sent.
    expect(
      server.hits.map((h) => h.path),
      why,
    ).toEqual(['/login']);
  });

  it("bad hook keys exit 2 naming file:line, with Locust's and Artillery's names mapped", async () => {
    const file = writeTestFile(
      dir.path,
      'bad-hooks.yaml',
      `target: http://127.0.0.1:9
before: { post: /login }
vus: 1
duration: 1s
users:
  - name: Worker
    on_start:
      - post: /login
    beforeScenario:
      - post: /login
    onStop: /logout
    flow:
      - get: /work
        headers: { X-Token: "\${tokne}" }
`,
    );
    const { run, why } = await runFile(file);
    expect(run.code, why).toBe(2);
    expect(run.stderr, why).toMatch(/bad-hooks\.yaml:2\b.*before/);
    expect(run.stderr, why).toMatch(/bad-hooks\.yaml:7\b.*on_start.*did you mean 'onStart'/);
    expect(run.stderr, why).toMatch(/bad-hooks\.yaml:9\b.*beforeScenario.*did you mean 'onStart'/);
    expect(run.stderr, why).toMatch(/bad-hooks\.yaml:11\b.*onStop/);
    expect(hasStackTrace(run.stderr), why).toBe(false);
  });

  it('a flow may not capture into a name before: shares, and reads only names captured before it', async () => {
    const file = writeTestFile(
      dir.path,
      'shared-names.yaml',
      `target: http://127.0.0.1:9
before:
  - post: /login
    capture: { json: "$.token", as: token }
vus: 1
duration: 1s
users:
  - name: Worker
    onStart:
      - get: /me
        headers: { X-Sid: "\${sid}" }
    flow:
      - get: /work
        capture: { json: "$.token", as: token }
`,
    );
    const { run, why } = await runFile(file);
    expect(run.code, why).toBe(2);
    expect(run.stderr, why).toMatch(/shared-names\.yaml:11\b.*no earlier step sets 'sid'/);
    expect(run.stderr, why).toMatch(/shared-names\.yaml:14\b.*'token' is captured by before:/);
  });
});

describe('TypeScript hooks', () => {
  it('setup and teardown get http; onStart/onStop get the VU context; all measured', async () => {
    const { s, tokens, sessions } = await sessionServer();
    server = s;
    const file = writeTestFile(
      dir.path,
      'hooks.ts',
      `import { defineTest } from 'squall';

interface Session { token: string }
const auth = (data: unknown) => ({ Authorization: \`Bearer \${(data as Session).token}\` });

export default defineTest({
  target: '${s.url}',
  async setup({ http }) {
    const res = await http.post('/login', { json: { user: 'admin' } });
    return { token: res.json<Session>().token };
  },
  async teardown({ http, data }) {
    await http.delete('/fixtures', { headers: auth(data) });
  },
  thresholds: {
    'http_reqs{phase:before}': ['count>0'],
    'http_reqs{phase:onStart}': ['count>0'],
    'http_reqs{phase:onStop}': ['count>0'],
    'http_reqs{phase:after}': ['count>0'],
    'http_reqs{scenario:(before)}': ['count>0'],
    'http_reqs{scenario:shop}': ['count>0'],
    'http_req_duration{phase:before}': ['max>=0'],
  },
  scenarios: {
    shop: {
      executor: 'per-vu-iterations',
      vus: 3,
      iterations: 4,
      users: [
        {
          name: 'Shopper',
          async onStart({ http, data, vu }) {
            const res = await http.post('/session', { headers: { ...auth(data), 'X-VU': String(vu.id) } });
            vu.state.sid = res.json<{ sid: string }>().sid;
          },
          async onStop({ http, data, vu }) {
            const sid = String(vu.state.sid);
            await http.post('/logout', { headers: { ...auth(data), 'X-Session': sid, 'X-VU': String(vu.id) } });
          },
          async run({ http, data, vu }) {
            const sid = String(vu.state.sid);
            await http.get('/work', { headers: { ...auth(data), 'X-Session': sid, 'X-VU': String(vu.id) } });
          },
        },
      ],
    },
  },
});
`,
    );
    const { run, result, why } = await runFileOk(file);
    expect(run.code, why).toBe(0);
    expectHooks(s, result, tokens, sessions, why);
    expect(s.on('/work'), why).toHaveLength(result.scenarios!.shop!.vusMax * 4);
  });

  it('a setup that throws stops the run before any load, exit 1', async () => {
    server = await startRouteServer({ handler: () => ({ status: 503, body: 'down' }) });
    const file = writeTestFile(
      dir.path,
      'setup-throws.ts',
      `import { defineTest } from 'squall';

export default defineTest({
  target: '${server.url}',
  async setup({ http }) {
    const res = await http.post('/login');
    if (res.status !== 200) throw new Error(\`login answered \${res.status}\`);
  },
  vus: 2,
  duration: '1s',
  users: [{ name: 'Worker', async run({ http }) { await http.get('/work'); } }],
});
`,
    );
    const { run, why } = await runFile(file, [], { quiet: false });
    expect(run.code, why).toBe(1);
    expect(run.stderr, why).toContain('setup() threw: Error: login answered 503');
    expect(
      server.hits.map((h) => h.path),
      why,
    ).toEqual(['/login']);
  });
});
