// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are YAML flow templates, not JS ones.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Hit, type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { hasStackTrace, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * YAML flow control and requests marked failed by the test (issue 18), against a real server and
 * the real CLI: `if:` steps and a request's `if:`, `loop:` with a count captured at run time,
 * the random helpers, Artillery's `{{ }}`, `expect:` as a map and TypeScript's `res.fail()`
 * moving http_req_failed, and the bad inputs that must stop before any load (exit 2, file:line).
 * Expected figures come from what the server saw or sent.
 */

const dir = tempDir('squall-flow-control-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const iterations = (vus: number, n: number) => `    executor: per-vu-iterations
    vus: ${vus}
    iterations: ${n}`;

describe('if and loop', () => {
  it('only the branch whose condition holds is sent; a request with if: is skipped when it does not', async () => {
    // Odd VUs are told they are 'active', even ones 'idle'.
    server = await startRouteServer({
      handler: (h: Hit) =>
        h.path === '/me'
          ? { body: { state: Number(h.query.vu) % 2 === 1 ? 'active' : 'idle', n: Number(h.query.vu) } }
          : h.path === '/login'
            ? { body: { token: `t${h.query.vu ?? ''}` } }
            : undefined,
    });
    const file = writeTestFile(
      dir.path,
      'if.yaml',
      `target: ${server.url}
scenarios:
  s:
${iterations(4, 3)}
    users:
      - name: U
        flow:
          - get: /me?vu=\${vu.id}
            name: GET /me
            capture: [{ json: "$.state", as: state }, { json: "$.n", as: n }]
          - if: "\${state} == 'active' and n >= 1"
            then:
              - get: /active
            else:
              - get: /idle
          - get: /never
            if: "not \${state} or state == 'gone'"
          - get: /login
            if: "state == 'active'"
            capture: { json: "$.token", as: token }
          - get: /token-only
            if: "\${token}"
`,
    );
    const { result: r, why } = await runFileOk(file);
    const me = server.on('/me');
    const active = me.filter((h) => Number(h.query.vu) % 2 === 1).length;
    expect(me.length, why).toBe(12);
    expect(server.on('/active').length, why).toBe(active);
    expect(server.on('/idle').length, why).toBe(me.length - active);
    expect(server.on('/never').length, why).toBe(0);
    // Only active VUs log in; their token, kept in the VU's state, lets the last request through.
    expect(server.on('/login').length, why).toBe(active);
    expect(server.on('/token-only').length, why).toBe(active);
    expect(r.scenarios.s!.failedIterations, why).toBe(0);
  });

  it('loop count from a capture: the server sees n rounds per iteration; a non-number fails the iteration', async () => {
    let calls = 0;
    const counts: number[] = [];
    server = await startRouteServer({
      handler: (h: Hit) => {
        if (h.path !== '/count') return undefined;
        calls++;
        // Every fifth answer is not a number: that iteration fails with the reason in errors[].
        if (calls % 5 === 0) return { body: { n: 'many' } };
        const n = 1 + (calls % 3);
        counts.push(n);
        return { body: { n } };
      },
    });
    const file = writeTestFile(
      dir.path,
      'loop.yaml',
      `target: ${server.url}
scenarios:
  s:
${iterations(2, 5)}
    users:
      - name: U
        flow:
          - get: /count
            capture: { json: "$.n", as: n }
          - loop:
              - get: /round/\${loop.index}
                name: GET /round
            count: "\${n}"
`,
    );
    const { result: r, why } = await runFileOk(file);
    const bad = server.on('/count').length - counts.length;
    expect(bad, why).toBeGreaterThan(0);
    expect(server.on(/^\/round\//).length, why).toBe(counts.reduce((a, b) => a + b, 0));
    expect(r.scenarios.s!.failedIterations, why).toBe(bad);
    expect(JSON.stringify(r.errors), why).toContain('not a whole number of rounds');
  });
});

describe('random helpers and {{ }}', () => {
  it('random.int, random.pick, random.uuid, random.string and {{ }} reach the server rendered', async () => {
    server = await startRouteServer({
      handler: (h: Hit) =>
        h.path === '/colors' ? { body: { colors: ['red', 'green', 'blue'] } } : undefined,
    });
    const file = writeTestFile(
      dir.path,
      'random.yaml',
      `target: ${server.url}
scenarios:
  s:
${iterations(2, 10)}
    users:
      - name: U
        flow:
          - get: /colors
            capture: { json: "$.colors", as: colors }
          - post: /things
            json:
              n: "\${random.int(3, 7)}"
              size: "\${random.pick('S', 'M', 'L')}"
              color: "\${random.pick(colors)}"
              id: "\${random.uuid}"
              code: "\${random.string(8)}"
              vu: "{{ vu.id }}"
              artillery: "{{ $randomNumber(1, 2) }}"
              token: "{{ $randomString() }}"
`,
    );
    const { result: r, why } = await runFileOk(file);
    const posts = server.on('/things');
    expect(posts.length, why).toBe(20);
    const ns = new Set<number>();
    for (const h of posts) {
      const b = JSON.parse(h.body) as Record<string, unknown>;
      expect(Number.isInteger(b.n) && (b.n as number) >= 3 && (b.n as number) <= 7, h.body).toBe(true);
      ns.add(b.n as number);
      expect(['S', 'M', 'L'], h.body).toContain(b.size);
      expect(['red', 'green', 'blue'], h.body).toContain(b.color);
      expect(b.id, h.body).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(b.code, h.body).toMatch(/^[A-Za-z0-9]{8}$/);
      expect([1, 2], h.body).toContain(b.vu);
      expect([1, 2], h.body).toContain(b.artillery);
      expect(b.token, h.body).toMatch(/^[A-Za-z0-9]{10}$/);
    }
    // Twenty draws from five values: more than one of them.
    expect(ns.size, why).toBeGreaterThan(1);
    expect(new Set(posts.map((h) => JSON.parse(h.body).id)).size, why).toBe(posts.length);
    expect(r.metrics.http_req_failed, why).toMatchObject({ fails: 0 });
  });
});

/** Answers /api with a bad body or a bad header every few requests, and counts what it sent wrong. */
function flakyApi() {
  let n = 0;
  const sent = { badBody: 0, badHeader: 0, badStatus: 0, good: 0 };
  const handler = (h: Hit) => {
    if (h.path !== '/api') return undefined;
    n++;
    if (n % 7 === 0) {
      sent.badStatus++;
      return { status: 503, body: { state: 'down' } };
    }
    if (n % 4 === 0) {
      sent.badBody++;
      return { body: { state: 'degraded', id: n } };
    }
    if (n % 5 === 0) {
      sent.badHeader++;
      return { body: 'not json at all', headers: { 'content-type': 'text/plain' } };
    }
    sent.good++;
    return { body: { state: 'ok', id: n } };
  };
  return { handler, sent };
}

describe('requests marked failed', () => {
  it('expect as a map: each unmet item counts in http_req_failed and errors[] names it', async () => {
    const api = flakyApi();
    server = await startRouteServer({ handler: api.handler });
    const file = writeTestFile(
      dir.path,
      'expect.yaml',
      `target: ${server.url}
scenarios:
  s:
${iterations(3, 10)}
    users:
      - name: U
        flow:
          - get: /api
            expect:
              status: 200
              header: { content-type: "/^application\\\\/json/" }
              json: { "$.state": { equals: ok }, "$.id": { exists: true } }
          - get: /other
`,
    );
    const { result: r, why } = await runFileOk(file);
    const { sent } = api;
    const wrong = sent.badBody + sent.badHeader + sent.badStatus;
    expect(server.on('/api').length, why).toBe(30);
    expect(wrong, why).toBeGreaterThan(0);
    expect(r.metrics.http_req_failed, why).toMatchObject({ fails: wrong });
    const ep = r.endpoints.find((e) => e.name === 'GET /api')!;
    expect(ep.failures, why).toBe(wrong);
    const errors = JSON.stringify(r.errors);
    expect(errors, why).toContain('expect $.state equals \\"ok\\"');
    expect(errors, why).toContain('expect header content-type matches');
    expect(errors, why).toContain('status 503');
    // The moved requests left the expected_response:true durations.
    const passedCount = r.endpoints.find((e) => e.name === 'GET /other')!.count;
    expect(passedCount, why).toBe(30);
  });

  it('res.fail() in a TypeScript test marks that request failed, once', async () => {
    const api = flakyApi();
    server = await startRouteServer({ handler: api.handler });
    const file = writeTestFile(
      dir.path,
      'fail.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  target: '${server.url}',
  scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 10, users: [{
    name: 'U',
    async run({ http }) {
      const res = await http.get('/api');
      let ok = false;
      try { ok = res.json<{ state: string }>().state === 'ok'; } catch {}
      if (!ok) { res.fail('state is not ok'); res.fail('state is not ok'); }
    },
  }] } },
});
`,
    );
    const { result: r, why } = await runFileOk(file);
    const { sent } = api;
    const wrong = sent.badBody + sent.badHeader + sent.badStatus;
    expect(wrong, why).toBeGreaterThan(0);
    expect(r.metrics.http_req_failed, why).toMatchObject({ fails: wrong, rate: wrong / (wrong + sent.good) });
    const groups = Object.fromEntries(r.errors.map((e) => [e.kind, e.count]));
    expect(groups['state is not ok'], why).toBe(sent.badBody + sent.badHeader);
    expect(groups['status 503'], why).toBe(sent.badStatus);
  });
});

describe('bad input stops before the load', () => {
  const bad = async (name: string, text: string) => {
    const file = writeTestFile(dir.path, name, text);
    const run = await runCli(['run', file, '-q']);
    return { run, file, out: run.stderr + run.stdout };
  };
  const head = `target: http://127.0.0.1:9
users:
  - name: U
    flow:
`;

  it('an unknown expect key names file:line and suggests the key', async () => {
    const { run, file, out } = await bad(
      'bad-expect.yaml',
      `${head}      - get: /x\n        expect: { stauts: 200 }\n`,
    );
    expect(run.code, out).toBe(2);
    expect(out).toContain(`${file}:6`);
    expect(out).toContain("did you mean 'status'");
    expect(hasStackTrace(out), out).toBe(false);
  });

  it('a bad JSON path and a bad regex in expect are refused', async () => {
    const { run, file, out } = await bad(
      'bad-expect2.yaml',
      `${head}      - get: /x\n        expect:\n          json: { "id": { exists: true } }\n          header: { x-a: "/[/" }\n`,
    );
    expect(run.code, out).toBe(2);
    expect(out).toContain(`${file}:7`);
    expect(out).toContain('does not compile');
  });

  it('a bad condition, and one naming nothing known, name file:line', async () => {
    const { run, file, out } = await bad(
      'bad-if.yaml',
      `${head}      - if: "\${a} = 1"\n        then: [ { get: /x } ]\n      - get: /y\n        if: "\${tokne} and 1 < 2"\n`,
    );
    expect(run.code, out).toBe(2);
    expect(out).toContain(`${file}:5`);
    expect(out).toContain('write ==');
    expect(out).toContain(`${file}:8`);
    expect(out).toContain("no earlier step sets 'tokne'");
  });

  it('a {{ name }} naming nothing known is the same error as ${name}', async () => {
    const { run, file, out } = await bad('bad-braces.yaml', `${head}      - get: "/items/{{ id }}"\n`);
    expect(run.code, out).toBe(2);
    expect(out).toContain(`${file}:5`);
    expect(out).toContain("no earlier step sets 'id'");
  });

  it('an unquoted ${} inside { } gives one message with the fix', async () => {
    const { run, file, out } = await bad(
      'unquoted.yaml',
      `${head}      - post: /x\n        json: { id: \${id}, n: 2 }\n      - get: /y\n`,
    );
    expect(run.code, out).toBe(2);
    expect(out).toContain(`${file}:6`);
    expect(out).toContain('quote it: id: "${id}"');
    expect(out.match(/syntax error/g)?.length, out).toBe(1);
  });
});
