// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are squall's YAML templates, not JS ones.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { convertLocust } from '../../src/convert/locust.js';
import { type Hit, type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { requireBuiltCli } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * The two locustfiles written for issue 18, converted by the Locust converter and run by the real
 * CLI against a stand-in server: the server's own counts per endpoint must follow the flow the
 * locustfile implies. Exact where the flow fixes it (hooks once per VU, loops, a task's requests
 * one after the other, a user type's VUs); within a binomial bound where Locust picks a task at
 * random by weight.
 *
 * Two edits before the run, neither of which changes the mix: the think times are removed (they
 * only make a bounded run slow), and the default load (10 VUs for 1m) becomes per-vu-iterations,
 * so every VU runs a known number of iterations and the counts can be exact.
 */

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'convert');
const ITERATIONS = 100; // per VU

let dir: string;
beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'squall-convert-locust-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Declared {
  name: string;
  weight: number;
  tasks: Record<string, number>;
}

/** User classes, their weights and their task weights, read from the locustfile's own lines. */
function declared(py: string): Declared[] {
  const out: Declared[] = [];
  const lines = py.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const cls = /^class (\w+)\((?:Fast)?HttpUser\):/.exec(lines[i]!);
    if (cls) out.push({ name: cls[1]!, weight: 1, tasks: {} });
    const cur = out.at(-1);
    if (!cur) continue;
    const w = /^ {4}weight = (\d+)/.exec(lines[i]!);
    if (w) cur.weight = Number(w[1]);
    const t = /^ {4}@task(?:\((\d+)\))?/.exec(lines[i]!);
    if (t) cur.tasks[/def (\w+)/.exec(lines[i + 1]!)![1]!] = Number(t[1] ?? 1);
    const dict = /^ {4}tasks = \{(.*)\}/.exec(lines[i]!);
    if (dict)
      for (const pair of dict[1]!.split(',')) {
        const [k, v] = pair.split(':').map((s) => s.trim());
        cur.tasks[k!] = Number(v);
      }
  }
  return out;
}

/** VUs per user type when `vus` are split by weight (squall splits a closed model's VUs exactly). */
function vusOf(users: Declared[], vus: number): Map<string, number> {
  const total = users.reduce((s, u) => s + u.weight, 0);
  const out = new Map(users.map((u) => [u.name, (vus * u.weight) / total]));
  for (const n of out.values())
    expect(Number.isInteger(n), 'choose vus so the weights split it exactly').toBe(true);
  return out;
}

/**
 * Asserts that `count` of `n` random picks of probability `p` is within 5 standard deviations of
 * n·p (a false alarm about once in 1.7 million runs per check).
 */
function expectShare(count: number, n: number, p: number, what: string): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(
    Math.abs(count - n * p),
    `${what}: ${count} of ${n}, expected about ${n * p} (±${(5 * sd).toFixed(1)})`,
  ).toBeLessThanOrEqual(5 * sd);
}

/** Converts a fixture and writes the runnable test: no think, a per-vu-iterations load. */
function prepare(fixture: string, vus: number): { py: string; file: string; doc: Record<string, unknown> } {
  const py = readFileSync(join(FIXTURES, fixture), 'utf8');
  const conversion = convertLocust(py, fixture);
  const doc = parse(conversion.text) as Record<string, unknown> & { users: Array<Record<string, unknown>> };
  for (const u of doc.users) delete u.think;
  const { vus: _v, duration: _d, users, ...rest } = doc;
  const runnable = {
    ...rest,
    scenarios: { default: { executor: 'per-vu-iterations', vus, iterations: ITERATIONS, users } },
  };
  const file = writeTestFile(dir, fixture.replace(/\.py$/, '.yaml'), stringify(runnable));
  return { py, file, doc };
}

const count = (server: RouteServer, method: string, path: string | RegExp) =>
  server.on(path).filter((h) => h.method === method).length;

describe('converted locustfiles run with the mix the locustfile implies', () => {
  it('locust-store.py: form login per VU, weighted tasks, a loop, catch_response as expect', async () => {
    const server = await startRouteServer({
      handler: (h: Hit) => {
        if (h.path === '/api/token') return { body: { token: 'admin-token' } };
        if (h.path === '/cart' && h.method === 'POST') return { status: 201, body: { ok: true } };
        // Only one search term finds anything: the other searches must count as failed requests.
        if (h.path === '/search')
          return { body: h.query.q === 'lamp' ? '<div id="results">3</div>' : 'nothing found' };
        return undefined;
      },
    });
    try {
      const vus = 4;
      const { py, file } = prepare('locust-store.py', vus);
      const users = declared(py);
      const perType = vusOf(users, vus);
      const { result, why } = await runFileOk(file, ['--host', server.url]);

      const shoppers = perType.get('Shopper')!;
      const admins = perType.get('Admin')!;
      // on_start / on_stop: once per VU of the type, with the form body the locustfile posts.
      const logins = server.on('/login');
      expect(logins.length, why).toBe(shoppers);
      for (const l of logins) {
        expect(l.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
        expect(new URLSearchParams(l.body).get('username')).toBe('shopper');
      }
      expect(count(server, 'POST', '/logout')).toBe(shoppers);
      expect(count(server, 'POST', '/api/token')).toBe(admins);
      // Admin's one task, each with the token captured in on_start.
      const orders = server.on('/admin/orders');
      expect(orders.length).toBe(admins * ITERATIONS);
      for (const o of orders) expect(o.headers.authorization).toBe('Bearer admin-token');

      // Shopper: one task per iteration, each recognised by its first request.
      const n = shoppers * ITERATIONS;
      const browse = server.on(/^\/category\//).length;
      const search = server.on('/search').length;
      const checkout = count(server, 'POST', '/cart');
      expect(browse + search + checkout).toBe(n);
      const tasks = users.find((u) => u.name === 'Shopper')!.tasks;
      const total = Object.values(tasks).reduce((s, w) => s + w, 0);
      expectShare(browse, n, tasks.browse! / total, 'browse');
      expectShare(search, n, tasks.search! / total, 'search');
      expectShare(checkout, n, tasks.checkout! / total, 'checkout');
      // Within a task the requests follow the flow exactly: browse's two GETs, checkout's loop of 2.
      expect(server.on(/^\/products\/\d+$/).length).toBe(browse);
      expect(count(server, 'GET', '/cart')).toBe(2 * checkout);
      expect(count(server, 'POST', '/checkout')).toBe(checkout);
      for (const c of server.on('/checkout')) expect(c.headers['x-request-source']).toBe('locust');
      // random.randint(1, 500) and random.choice(CATEGORIES) stay in their range.
      for (const p of server.on(/^\/products\//))
        expect(Number(p.path.split('/')[2])).toBeGreaterThanOrEqual(1);
      for (const c of server.on(/^\/category\//))
        expect(['books', 'games', 'music', 'garden']).toContain(c.path.split('/')[2]);

      // catch_response + failure(): a search without "results" is a failed request, as in Locust.
      const emptySearches = server.on('/search').filter((h) => h.query.q !== 'lamp').length;
      const failed = result.endpoints
        .filter((e) => e.name.includes('/search'))
        .reduce((s, e) => s + e.failures, 0);
      expect(failed, why).toBe(emptySearches);
    } finally {
      await server.close();
    }
  });

  it('locust-api.py: test_start as before, a form token per VU, an if on the captured plan', async () => {
    let logins = 0;
    const plans = new Map<string, string>();
    const server = await startRouteServer({
      handler: (h: Hit) => {
        if (h.path === '/oauth/token') {
          // Every other client is on the premium plan: the converted if must send it to its offers.
          const token = `tok-${++logins}`;
          plans.set(token, logins % 2 === 0 ? 'premium' : 'basic');
          return { body: { access_token: token, plan: plans.get(token) } };
        }
        if (h.path === '/v1/orders' && h.method === 'GET') return { body: { items: [] } };
        if (h.path === '/v1/orders' && h.method === 'POST') return { status: 201, body: { id: 1 } };
        return undefined;
      },
    });
    try {
      const vus = 5;
      const { py, file, doc } = prepare('locust-api.py', vus);
      expect(doc.target).toBe('http://api.example.test'); // the file's host; --host overrides it
      const users = declared(py);
      const perType = vusOf(users, vus);
      const { result, why } = await runFileOk(file, ['--host', server.url]);

      // @events.test_start: once per run, before any user's request.
      const reset = server.on('/admin/reset');
      expect(reset.length, why).toBe(1);
      expect(reset[0]!.at).toBeLessThanOrEqual(
        Math.min(...server.hits.filter((h) => h !== reset[0]).map((h) => h.at)),
      );
      expect(JSON.parse(reset[0]!.body)).toEqual({ seed: 42 });

      const mobiles = perType.get('MobileClient')!;
      const tokens = server.on('/oauth/token');
      expect(tokens.length).toBe(mobiles);
      for (const t of tokens) expect(new URLSearchParams(t.body).get('grant_type')).toBe('password');
      const revokes = server.on('/oauth/revoke');
      expect(revokes.length).toBe(mobiles);
      expect(new Set(revokes.map((r) => new URLSearchParams(r.body).get('token')))).toEqual(
        new Set(plans.keys()),
      );

      // MobileClient: list_orders, create_order, sync (3 pages) by weight.
      const n = mobiles * ITERATIONS;
      const list = count(server, 'GET', '/v1/orders');
      const create = count(server, 'POST', '/v1/orders');
      const syncHits = server.on('/v1/sync').length;
      expect(syncHits % 3).toBe(0);
      const sync = syncHits / 3;
      expect(list + create + sync).toBe(n);
      const tasks = users.find((u) => u.name === 'MobileClient')!.tasks;
      const total = Object.values(tasks).reduce((s, w) => s + w, 0);
      expectShare(list, n, tasks.list_orders! / total, 'list_orders');
      expectShare(create, n, tasks.create_order! / total, 'create_order');
      expectShare(sync, n, tasks.sync! / total, 'sync');
      for (const h of server.hits.filter(
        (x) => x.path.startsWith('/v1/') && !x.path.startsWith('/v1/reports'),
      ))
        expect(plans.has((h.headers.authorization ?? '').replace(/^Bearer /, '')), h.path).toBe(true);
      for (const l of server.on('/v1/orders').filter((h) => h.method === 'GET'))
        expect(['eu', 'us', 'apac']).toContain(l.query.region);

      // The if on the captured plan: each create_order ends with the offers of its client's plan.
      const premium = server.on('/v1/offers/premium');
      const basic = server.on('/v1/offers');
      expect(premium.length + basic.length).toBe(create);
      const planOf = (h: Hit) => plans.get((h.headers.authorization ?? '').replace(/^Bearer /, ''));
      for (const h of premium) expect(planOf(h)).toBe('premium');
      for (const h of basic) expect(planOf(h)).toBe('basic');

      // Integrator: its tasks dict, 3:1, with the API key on the report.
      const integrators = perType.get('Integrator')!;
      const m = integrators * ITERATIONS;
      const reports = server.on('/v1/reports/daily');
      const health = server.on('/health').length;
      expect(reports.length + health).toBe(m);
      const itasks = users.find((u) => u.name === 'Integrator')!.tasks;
      const itotal = Object.values(itasks).reduce((s, w) => s + w, 0);
      expectShare(reports.length, m, itasks.daily_report! / itotal, 'daily_report');
      // Set on the session in on_start: sent with every request of the Integrator.
      for (const r of [...reports, ...server.on('/health')])
        expect(r.headers['x-api-key']).toBe('integration-key');

      // Every answer met the converted expectations: nothing counted as failed.
      expect(result.metrics.http_req_failed.fails, why).toBe(0);
    } finally {
      await server.close();
    }
  });
});
