import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countBy, type Hit, type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * What flows carry from one request to the next, checked at the server: values captured from a
 * response (a created id, a Location header) used by later steps; rows of a CSV feeder in file
 * order, shared, or unique per user; `${env.X}`; setup()'s data reaching every VU, and
 * teardown() called once with it.
 */

const dir = tempDir('squall-run-flows-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

/** A tiny item store: POST /items makes an id nobody could guess; GET and DELETE need it. */
function itemStore() {
  const items = new Map<string, string>();
  const created: string[] = [];
  let n = 0;
  const handler = (h: Hit) => {
    if (h.method === 'POST' && h.path === '/items') {
      const id = `it${++n}x${Math.random().toString(36).slice(2, 8)}`;
      items.set(id, h.body);
      created.push(id);
      return {
        status: 201,
        body: { id, owner: JSON.parse(h.body).owner },
        headers: { Location: `/items/${id}` },
      };
    }
    const m = /^\/items\/([^/]+)$/.exec(h.path);
    if (m && items.has(m[1]!)) {
      if (h.method === 'DELETE') {
        items.delete(m[1]!);
        return { status: 204, body: '' };
      }
      return { body: { id: m[1] } };
    }
    return { status: 404, body: 'not found' };
  };
  return { handler, created, items };
}

describe('captures and env', () => {
  it('an id captured from a POST, and its Location header, reach the later steps', async () => {
    const store = itemStore();
    server = await startRouteServer({ handler: store.handler });
    const file = writeTestFile(
      dir.path,
      'captures.yaml',
      `defaults:
  headers: { X-Tenant: "\${env.TENANT}", Authorization: "Bearer \${env.TOKEN}" }
scenarios:
  crud:
    executor: per-vu-iterations
    vus: 3
    iterations: 4
    users:
      - name: Writer
        flow:
          - post: /items
            json: { owner: "vu-\${vu.id}" }
            check: { status: 201, json: { "$.id": { exists: true }, "$.owner": { equals: "vu-\${vu.id}" } } }
            capture:
              - { json: "$.id", as: id }
              - { header: location, as: where }
          - get: /items/\${id}
            name: GET /items/:id
            check: { status: 200, json: { "$.id": { equals: "\${id}" } } }
          - get: \${where}
            name: GET location
            check: { status: 200, bodyContains: "\${id}" }
          - delete: /items/\${id}
            name: DELETE /items/:id
            check: { status: 204 }
`,
    );
    const {
      run,
      result: r,
      why,
    } = await runFileOk(file, ['--host', server.url, '-e', 'TENANT=acme', '-e', 'TOKEN=s3cret']);
    expect(run.code, why).toBe(0);
    const ids = (hits: Hit[]) => hits.map((h) => h.path.split('/')[2]!).sort();
    const reads = server.hits.filter((h) => h.method === 'GET');
    const deletes = server.hits.filter((h) => h.method === 'DELETE');
    const ctx = `${why}\ncreated ${JSON.stringify(store.created)}\nchecks ${JSON.stringify(r.checks)}`;

    expect(store.created, ctx).toHaveLength(3 * 4);
    // Every created id was read twice (by capture and by Location) and deleted once, no other.
    expect(ids(reads), ctx).toEqual([...store.created, ...store.created].sort());
    expect(ids(deletes), ctx).toEqual([...store.created].sort());
    expect(store.items.size, ctx).toBe(0);
    expect(
      server.hits.every((h) => h.headers['x-tenant'] === 'acme'),
      ctx,
    ).toBe(true);
    expect(
      server.hits.every((h) => h.headers.authorization === 'Bearer s3cret'),
      ctx,
    ).toBe(true);
    // Checks passed, by name; the endpoints grouped by the names given.
    expect(r.checks.length, ctx).toBeGreaterThan(0);
    for (const c of r.checks) expect(c, ctx).toMatchObject({ fails: 0 });
    expect(r.metrics.checks, ctx).toMatchObject({ rate: 1 });
    const byName = Object.fromEntries(r.endpoints.map((e) => [e.name, e.count]));
    expect(byName, ctx).toEqual({
      'POST /items': 12,
      'GET /items/:id': 12,
      'GET location': 12,
      'DELETE /items/:id': 12,
    });
    expect(r.metrics.http_req_failed, ctx).toMatchObject({ fails: 0 });
    // The result names the -e values and keeps the secret header's value out.
    expect(r.config.env, ctx).toEqual(['TENANT', 'TOKEN']);
    expect(JSON.stringify(r), ctx).not.toContain('s3cret');
  });
});

describe('feeders', () => {
  it('CSV rows: in file order, each once across VUs, one per user, and unique rows that run out', async () => {
    server = await startRouteServer();
    const rows = ['ada', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal'];
    // A quoted field with a comma and a doubled quote: the CSV is parsed, not split.
    writeFileSync(
      join(dir.path, 'users.csv'),
      `name,note\n${rows.map((n, i) => `${n},"row ${i}, ""quoted"""`).join('\n')}\n`,
    );
    const file = writeTestFile(
      dir.path,
      'feeders.yaml',
      `feeders:
  ordered: { file: users.csv, order: sequential }
  shared: { file: users.csv, order: sequential }
  accounts: { file: users.csv, order: unique }
  scarce: { file: users.csv, order: unique }
scenarios:
  inOrder:
    executor: shared-iterations
    vus: 1
    iterations: ${rows.length}
    users:
      - name: U
        flow:
          - feed: ordered
          - get: /ordered
            query: { name: "\${row.name}", note: "\${row.note}" }
  spread:
    executor: shared-iterations
    vus: 3
    iterations: ${rows.length}
    users:
      - name: U
        flow:
          - feed: shared
          - get: /shared
            query: { name: "\${row.name}" }
  sticky:
    executor: per-vu-iterations
    vus: 4
    iterations: 3
    users:
      - name: U
        flow:
          - feed: { from: accounts, as: account, per: vu }
          - get: /sticky
            headers: { X-VU: "\${vu.id}" }
            query: { name: "\${account.name}" }
  runsOut:
    executor: shared-iterations
    vus: 2
    iterations: ${rows.length + 2}
    users:
      - name: U
        flow:
          - feed: scarce
          - get: /scarce
            query: { name: "\${row.name}" }
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    const names = (path: string) => server!.on(path).map((h) => h.query.name!);
    const ctx = `${why}\nscenarios ${JSON.stringify(r.scenarios)}`;

    // sequential, one VU: the rows in file order, fields intact.
    expect(names('/ordered'), ctx).toEqual(rows);
    expect(server.on('/ordered')[1]!.query.note, ctx).toBe('row 1, "quoted"');
    // sequential, shared by three VUs: one cursor, so each row exactly once.
    expect(names('/shared').sort(), ctx).toEqual([...rows].sort());
    // unique per VU: each VU keeps its own row for all its iterations; no two VUs share one.
    const sticky = server.on('/sticky');
    expect(sticky, ctx).toHaveLength(4 * 3);
    const rowOfVu = new Map<string, Set<string>>();
    for (const h of sticky) {
      const vu = String(h.headers['x-vu']);
      rowOfVu.set(vu, (rowOfVu.get(vu) ?? new Set()).add(h.query.name!));
    }
    expect(rowOfVu.size, ctx).toBe(4);
    for (const set of rowOfVu.values()) expect(set.size, ctx).toBe(1);
    expect(new Set([...rowOfVu.values()].map((s) => [...s][0])).size, ctx).toBe(4);
    // unique, asked for more rows than there are: every row once, the rest fail as iterations.
    expect(names('/scarce').sort(), ctx).toEqual([...rows].sort());
    expect(r.scenarios.runsOut, ctx).toMatchObject({ iterations: rows.length + 2, failedIterations: 2 });
    expect(r.scenarios.inOrder!.failedIterations, ctx).toBe(0);
  });
});

describe('per-user state', () => {
  it('each VU has its own cookie jar and its own state, kept across its iterations', async () => {
    let sessions = 0;
    server = await startRouteServer({
      handler: (h) =>
        h.path === '/login'
          ? { body: { ok: true }, headers: { 'Set-Cookie': `sid=s${++sessions}; Path=/; HttpOnly` } }
          : undefined,
    });
    const file = writeTestFile(
      dir.path,
      'state.ts',
      `import { defineTest } from 'squall';

export default defineTest({
  target: 'http://127.0.0.1:9',
  scenarios: {
    users: {
      executor: 'per-vu-iterations',
      vus: 3,
      iterations: 4,
      users: [
        {
          name: 'Member',
          async run({ http, vu }) {
            if (vu.iteration === 0) {
              const res = await http.post('/login');
              vu.state.sid = /sid=([^;]+)/.exec(res.headers['set-cookie'] ?? '')?.[1];
            }
            await http.get('/me', { headers: { 'X-State': String(vu.state.sid), 'X-VU': String(vu.id) } });
          },
        },
      ],
    },
  },
});
`,
    );
    const { run, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    const me = server.on('/me');
    const ctx = `${why}\n/me: ${JSON.stringify(me.map((h) => [h.headers['x-vu'], h.headers.cookie, h.headers['x-state']]))}`;
    expect(server.on('/login'), ctx).toHaveLength(3);
    expect(me, ctx).toHaveLength(3 * 4);
    // The cookie each VU got at login comes back on all its requests, and it is the one its state kept.
    for (const h of me) expect(h.headers.cookie, ctx).toBe(`sid=${h.headers['x-state']}`);
    const sidOfVu = new Map<string, Set<string>>();
    for (const h of me) {
      const vu = String(h.headers['x-vu']);
      sidOfVu.set(vu, (sidOfVu.get(vu) ?? new Set()).add(String(h.headers.cookie)));
    }
    expect(
      [...sidOfVu.values()].map((v) => v.size),
      ctx,
    ).toEqual([1, 1, 1]);
    expect(new Set([...sidOfVu.values()].map((v) => [...v][0])).size, ctx).toBe(3);
  });
});

describe('flow errors', () => {
  const THROWS = `import { defineTest } from 'squall';

export default defineTest({
  target: 'http://127.0.0.1:9',
  scenarios: {
    shop: {
      executor: 'per-vu-iterations',
      vus: 2,
      iterations: 3,
      users: [
        {
          name: 'Buyer',
          async run({ http, vu }) {
            await http.get('/cart');
            if (vu.iteration === 1) throw new Error('inventory mismatch 4711');
            await http.get('/checkout');
          },
        },
      ],
    },
  },
});
`;
  it('an iteration that throws is counted as failed, the run goes on, and what it threw is shown', async () => {
    server = await startRouteServer();
    const file = writeTestFile(dir.path, 'throws.ts', THROWS);
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url], { quiet: false });
    expect(run.code, why).toBe(0);
    expect(server.on('/cart'), why).toHaveLength(6);
    // The two iterations that threw never reached /checkout; the others did.
    expect(server.on('/checkout'), why).toHaveLength(4);
    expect(r.scenarios.shop, why).toMatchObject({ iterations: 6, failedIterations: 2 });
    // Data, but not silent: the message reaches the user (stderr as it happens, and the result).
    expect(run.stderr, why).toContain('inventory mismatch 4711');
    expect(JSON.stringify(r.errors), why).toContain('inventory mismatch 4711');
  });
});

describe('setup and teardown', () => {
  // The token is the server's, made when setup calls it: the test file cannot know it in advance.
  function sessionServer() {
    const tokens: string[] = [];
    return startRouteServer({
      handler: (h) => {
        if (h.path === '/setup') {
          tokens.push(`tok-${Math.random().toString(36).slice(2, 10)}`);
          return { body: { token: tokens[tokens.length - 1] } };
        }
        return undefined;
      },
    }).then((s) => ({ s, tokens }));
  }

  function expectSessionUsed(s: RouteServer, tokens: string[], ctx: string, vus: number): void {
    const setups = s.on('/setup');
    const teardowns = s.on('/teardown');
    const work = s.on('/work');
    expect(setups, ctx).toHaveLength(1);
    expect(teardowns, ctx).toHaveLength(1);
    expect(work.length, ctx).toBeGreaterThan(vus);
    // setup first, teardown last (after every request of the load), with setup's data.
    expect(setups[0]!.at, ctx).toBeLessThanOrEqual(work[0]!.at);
    expect(teardowns[0]!.at, ctx).toBeGreaterThanOrEqual(work[work.length - 1]!.at);
    expect(JSON.parse(teardowns[0]!.body), ctx).toEqual({ token: tokens[0] });
    // Every VU used setup's data.
    expect(new Set(work.map((h) => h.headers.authorization)), ctx).toEqual(new Set([`Bearer ${tokens[0]}`]));
    expect(countBy(work, (h) => String(h.headers['x-vu'])).size, ctx).toBe(vus);
  }

  it('defineTest: setup() once, its data with every VU, teardown(data) once after the load', async () => {
    const { s, tokens } = await sessionServer();
    server = s;
    const file = writeTestFile(
      dir.path,
      'lifecycle.ts',
      `import { defineTest } from 'squall';

interface Session { token: string }

export default defineTest({
  target: 'http://127.0.0.1:9', // --host overrides it
  async setup({ env }) {
    const res = await fetch(\`\${env.BASE}/setup\`, { method: 'POST' });
    return (await res.json()) as Session;
  },
  async teardown({ env, data }) {
    await fetch(\`\${env.BASE}/teardown\`, { method: 'POST', body: JSON.stringify(data) });
  },
  scenarios: {
    work: {
      executor: 'constant-vus',
      vus: 3,
      duration: '1s',
      users: [
        {
          name: 'Worker',
          think: '20ms',
          async run({ http, data, vu }) {
            const { token } = data as Session;
            await http.get('/work', { headers: { Authorization: \`Bearer \${token}\`, 'X-VU': String(vu.id) } });
          },
        },
      ],
    },
  },
});
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url, '-e', `BASE=${server.url}`]);
    expect(run.code, why).toBe(0);
    const ctx = `${why}\nhits ${JSON.stringify(server.hits.map((h) => h.path))}`;
    expectSessionUsed(server, tokens, ctx, 3);
    expect(r.config, ctx).toMatchObject({ setup: true, teardown: true });
    // setup and teardown are not part of the load.
    expect(r.metrics.http_reqs.count, ctx).toBe(server.on('/work').length);
  });

  it("k6's shape: options, a default function, setup() and teardown() exports", async () => {
    const { s, tokens } = await sessionServer();
    server = s;
    const file = writeTestFile(
      dir.path,
      'k6-shape.mjs',
      `export const options = { vus: 2, duration: '1s' };

export async function setup({ env }) {
  const res = await fetch(\`\${env.BASE}/setup\`, { method: 'POST' });
  return res.json();
}

export default async function ({ http, data, vu, sleep }) {
  await http.get('/work', { headers: { Authorization: \`Bearer \${data.token}\`, 'X-VU': String(vu.id) } });
  await sleep(0.02);
}

export async function teardown({ env, data }) {
  await fetch(\`\${env.BASE}/teardown\`, { method: 'POST', body: JSON.stringify(data) });
}
`,
    );
    const { run, why } = await runFileOk(file, ['--host', server.url, '-e', `BASE=${server.url}`]);
    expect(run.code, why).toBe(0);
    expectSessionUsed(server, tokens, `${why}\nhits ${JSON.stringify(server.hits.map((h) => h.path))}`, 2);
  });
});
