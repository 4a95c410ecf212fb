import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as acorn from 'acorn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Hit, type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { explain, ROOT, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * `squall convert` on the realistic k6 and Artillery scripts of test/fixtures/convert: the output
 * is a squall test that runs, and the target sees the request mix the original flow implies
 * (counted by the server; the expectation is computed here from the original's own structure:
 * its requests, loop counts, weights, setup and before flows).
 */

const FIXTURES = join(ROOT, 'test', 'fixtures', 'convert');
const dir = tempDir('squall-convert-');
let server: RouteServer;

beforeAll(async () => {
  requireBuiltCli();
  server = await startRouteServer({
    handler: (hit) => {
      // The k6 shop's login form answers with a redirect to the account page (k6 follows it).
      if (hit.path === '/login' && hit.body.includes('username=shopper'))
        return { status: 302, headers: { location: '/account' }, body: '' };
      if (hit.path === '/logout') return { status: 302, headers: { location: '/' }, body: '' };
      if (hit.method === 'POST') return { status: hit.path.endsWith('/login') ? 200 : 201, body: REPLY };
      return { body: REPLY };
    },
  });
});

afterAll(async () => {
  await server?.close();
  dir.remove();
});

/** What every JSON endpoint answers: ids to capture and a list of favourites to loop over. */
const REPLY = {
  id: 9,
  token: 'tok',
  state: 'placed',
  status: 'active',
  items: [{ id: 7 }, { id: 8 }],
  favourites: [11, 12, 13],
};

async function convert(fixture: string): Promise<{ out: string; stderr: string }> {
  const out = join(dir.path, `${fixture}.squall.yaml`);
  const r = await runCli(['convert', join(FIXTURES, fixture), '-o', out]);
  expect(r.code, explain(r)).toBe(0);
  return { out, stderr: r.stderr };
}

/** A request of the original: its method and a pattern its path matches on the server. */
interface Endpoint {
  method: string;
  pattern: RegExp;
}
type Mix = Map<string, { endpoint: Endpoint; count: number }>;

function add(mix: Mix, method: string, url: string, count: number): void {
  const path = url
    .replace(/^\$\{[^}]*\}/, '') // k6: the base URL constant
    .replace(/^https?:\/\/[^/]+/, '')
    .replace(/\?.*$/, '');
  const source = `^${path
    .split(/\$\{[^}]*\}|\{\{[^}]*\}\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+')}$`;
  const key = `${method} ${source}`;
  const e = mix.get(key) ?? { endpoint: { method, pattern: new RegExp(source) }, count: 0 };
  e.count += count;
  mix.set(key, e);
}

/** The requests one call of a k6 function sends, read from the script: loops and groups unrolled. */
function k6Mix(file: string, fnName: string, times: number, mix: Mix = new Map()): Mix {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  const program = acorn.parse(text, { ecmaVersion: 'latest', sourceType: 'module' });
  let fn: acorn.Function | undefined;
  for (const node of program.body) {
    if (node.type === 'ExportDefaultDeclaration' && fnName === 'default')
      fn = node.declaration as acorn.Function;
    const d = node.type === 'ExportNamedDeclaration' ? node.declaration : undefined;
    if (d?.type === 'FunctionDeclaration' && d.id.name === fnName) fn = d;
  }
  if (!fn) throw new Error(`${file} has no function ${fnName}`);
  const METHOD: Record<string, string> = {
    get: 'GET',
    post: 'POST',
    put: 'PUT',
    patch: 'PATCH',
    del: 'DELETE',
  };
  const call = (e: acorn.Node, n: number): void => {
    if (e.type !== 'CallExpression') return;
    const c = e as acorn.CallExpression;
    const callee = c.callee;
    if (
      callee.type === 'MemberExpression' &&
      callee.object.type === 'Identifier' &&
      callee.object.name === 'http'
    ) {
      const m = METHOD[(callee.property as acorn.Identifier).name];
      if (m) add(mix, m, text.slice(c.arguments[0]!.start + 1, c.arguments[0]!.end - 1), n);
    }
    if (callee.type === 'Identifier' && callee.name === 'group')
      walk((c.arguments[1] as acorn.Function).body, n);
  };
  const walk = (s: acorn.Node, n: number): void => {
    if (s.type === 'BlockStatement') for (const x of (s as acorn.BlockStatement).body) walk(x, n);
    else if (s.type === 'ExpressionStatement') call((s as acorn.ExpressionStatement).expression, n);
    else if (s.type === 'VariableDeclaration') {
      for (const d of (s as acorn.VariableDeclaration).declarations) if (d.init) call(d.init, n);
    } else if (s.type === 'ForStatement') {
      const f = s as acorn.ForStatement;
      const bound = ((f.test as acorn.BinaryExpression).right as acorn.Literal).value as number;
      walk(f.body, n * bound);
    }
  };
  walk(fn.body, times);
  return mix;
}

/** The requests one run of an Artillery flow sends; `listLength`: items a loop over a capture walks. */
function artilleryMix(steps: unknown[], times: number, mix: Mix, listLength: number): Mix {
  for (const s of steps as Array<Record<string, unknown>>) {
    for (const m of ['get', 'post', 'put', 'patch', 'delete']) {
      const r = s[m] as { url: string; ifTrue?: string } | undefined;
      // Every ifTrue of the fixtures holds against the server's answers (status is 'active').
      if (r) add(mix, m.toUpperCase(), r.url, times);
    }
    if (Array.isArray(s.loop)) {
      const n = typeof s.count === 'number' ? s.count : Array.isArray(s.over) ? s.over.length : listLength;
      artilleryMix(s.loop, times * n, mix, listLength);
    }
  }
  return mix;
}

/** Each of the server's hits since `from` matched to exactly one endpoint of the mix. */
function counted(mix: Mix, hits: readonly Hit[]): Map<string, number> {
  const out = new Map<string, number>([...mix.keys()].map((k) => [k, 0]));
  for (const h of hits) {
    const key = [...mix].find(
      ([, e]) => e.endpoint.method === h.method && e.endpoint.pattern.test(h.path),
    )?.[0];
    out.set(
      key ?? `unexpected ${h.method} ${h.path}`,
      (out.get(key ?? `unexpected ${h.method} ${h.path}`) ?? 0) + 1,
    );
  }
  return out;
}

const expected = (mix: Mix) => new Map([...mix].map(([k, e]) => [k, e.count]));

describe('squall convert: k6', () => {
  it('k6-api-stages.js: two scenarios with exec functions run the request mix of the script', async () => {
    const { out, stderr } = await convert('k6-api-stages.js');
    expect(stderr).toMatch(/translated: scenario readers \(ramping-vus\) running readers\(\)/);
    expect(stderr).toMatch(/0 TODOs left; wrote /);
    const from = server.hits.length;
    const iterations = 3;
    const r = await runCli(['run', out, '-e', `API_URL=${server.url}`, '--iterations', String(iterations)], {
      timeoutMs: 60_000,
    });
    expect(r.code, explain(r)).toBe(0);
    // --iterations gives each of the two scenarios that many iterations of its function.
    const mix = k6Mix('k6-api-stages.js', 'readers', iterations);
    k6Mix('k6-api-stages.js', 'writers', iterations, mix);
    expect(counted(mix, server.hits.slice(from))).toEqual(expected(mix));
  });

  // Needs the merge: before:/after: (setup/teardown), form:, redirects followed.
  it('k6-shop.js: setup, groups, a form login that redirects, loops and teardown', async () => {
    const { out, stderr } = await convert('k6-shop.js');
    const trendLine =
      readFileSync(join(FIXTURES, 'k6-shop.js'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('new Trend(')) + 1;
    expect(stderr).toContain(`TODO line ${trendLine}: a custom metric (Trend)`);
    expect(stderr).toMatch(/translated: setup\(\) → before:/);
    const from = server.hits.length;
    const iterations = 2;
    const r = await runCli(
      [
        'run',
        out,
        '-e',
        `BASE_URL=${server.url}`,
        '-e',
        'ADMIN_PASSWORD=pw',
        '--iterations',
        String(iterations),
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code, explain(r)).toBe(0);
    const mix = k6Mix('k6-shop.js', 'default', iterations);
    k6Mix('k6-shop.js', 'setup', 1, mix);
    k6Mix('k6-shop.js', 'teardown', 1, mix);
    // k6 follows the login form's redirect: one GET /account per POST /login.
    add(mix, 'GET', '/account', mix.get('POST ^/login$')!.count);
    expect(counted(mix, server.hits.slice(from))).toEqual(expected(mix));
    const login = server.hits.slice(from).find((h) => h.path === '/login')!;
    expect(login.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(new URLSearchParams(login.body).get('username')).toBe('shopper');
  });
});

describe('squall convert: Artillery', () => {
  it('artillery-checkout.yml: phases, payload, weights 3:1, captures and loops give the same mix', async () => {
    const { out, stderr } = await convert('artillery-checkout.yml');
    expect(stderr).toMatch(/translated: 2 phases → ramping-arrival-rate/);
    const original = parse(readFileSync(join(FIXTURES, 'artillery-checkout.yml'), 'utf8')) as {
      scenarios: Array<{ weight: number; flow: unknown[] }>;
    };
    const total = original.scenarios.reduce((s, x) => s + x.weight, 0);
    const arrivals = total * 2; // a whole number of each scenario's share
    const from = server.hits.length;
    const r = await runCli(
      ['run', out, '--host', server.url, '--iterations', String(arrivals), '--rate', String(arrivals * 5)],
      { timeoutMs: 60_000 },
    );
    expect(r.code, explain(r)).toBe(0);
    const mix: Mix = new Map();
    for (const s of original.scenarios) artilleryMix(s.flow, (arrivals * s.weight) / total, mix, 0);
    expect(counted(mix, server.hits.slice(from))).toEqual(expected(mix));
    // The payload's rows reach the requests, in file order.
    const csv = readFileSync(join(FIXTURES, 'products.csv'), 'utf8').trim().split('\n').slice(1);
    const categories = new Set(csv.map((l) => l.split(',')[1]));
    for (const h of server.hits.slice(from).filter((x) => x.path.startsWith('/categories/')))
      expect(categories).toContain(h.path.split('/')[2]);
  });

  // Needs the merge: before:, form:, multipart:, expect maps, if:, random helpers, redirects: 0.
  it('artillery-auth-flow.yml: before, form login, expect, ifTrue, loop over a capture, multipart', async () => {
    const { out, stderr } = await convert('artillery-auth-flow.yml');
    expect(stderr).toMatch(/TODO line \d+: beforeRequest runs the processor function signRequest/);
    expect(stderr).toMatch(/config.processor defines setTraceId, signRequest, recordSearchMetrics/);
    const original = parse(readFileSync(join(FIXTURES, 'artillery-auth-flow.yml'), 'utf8')) as {
      before: { flow: unknown[] };
      scenarios: Array<{ weight: number; flow: unknown[] }>;
    };
    const total = original.scenarios.reduce((s, x) => s + x.weight, 0);
    const arrivals = total;
    const from = server.hits.length;
    const r = await runCli(
      [
        'run',
        out,
        '--host',
        server.url,
        '-e',
        'ADMIN_SECRET=s',
        '--iterations',
        String(arrivals),
        '--rate',
        '20',
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code, explain(r)).toBe(0);
    const mix: Mix = new Map();
    artilleryMix(original.before.flow, 1, mix, REPLY.favourites.length);
    for (const s of original.scenarios)
      artilleryMix(s.flow, (arrivals * s.weight) / total, mix, REPLY.favourites.length);
    // /logout answers 302 and the step says followRedirect: false: no hop to / is sent.
    expect(counted(mix, server.hits.slice(from))).toEqual(expected(mix));
    const hits = server.hits.slice(from);
    const upload = hits.find((h) => h.path === '/profile/avatar')!;
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload.body).toContain('fake-avatar-bytes');
    expect(upload.body).toMatch(/name="plan"\r\n\r\n(free|pro)\r\n/);
    const login = hits.find((h) => h.path === '/login')!;
    expect(new URLSearchParams(login.body).get('username')).toMatch(/^user\d+$/);
  });
});

describe('squall convert: bad input', () => {
  it('a JavaScript syntax error: exit 2 naming file:line', async () => {
    const file = join(dir.path, 'broken.js');
    writeFileSync(file, "import http from 'k6/http';\n\nexport default function () {\n  http.get('/a'\n}\n");
    const r = await runCli(['convert', file]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/SQ_CONVERT_INPUT: .*broken\.js does not parse as JavaScript/);
    expect(r.stderr).toContain(`${file}:5`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a YAML file that is not an Artillery test: exit 2 naming the file', async () => {
    const file = join(dir.path, 'compose.yml');
    writeFileSync(file, 'services:\n  web:\n    image: nginx\n');
    const r = await runCli(['convert', file]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/SQ_CONVERT_INPUT: .*compose\.yml is not a k6, Artillery or Locust test/);
    expect(r.stderr).toContain(`${file}:1`);
  });

  it('an Artillery file with a YAML syntax error: exit 2 at its line', async () => {
    const file = join(dir.path, 'bad-artillery.yml');
    writeFileSync(file, 'config:\n  target: "http://x"\nscenarios:\n  - flow:\n      - get: { url: "/a"\n');
    const r = await runCli(['convert', file]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/does not parse as YAML/);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+`));
  });

  it('a file of an unknown kind: exit 2', async () => {
    const file = join(dir.path, 'notes.txt');
    writeFileSync(file, 'GET /a\n');
    const r = await runCli(['convert', file]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/SQ_CONVERT_INPUT: .*notes\.txt is not a k6, Artillery or Locust test/);
  });

  it('a JavaScript file that is not a k6 script, and --format ts: exit 2', async () => {
    const file = join(dir.path, 'app.js');
    writeFileSync(file, "import express from 'express';\nexpress().listen(3000);\n");
    const r = await runCli(['convert', file]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/imports neither 'k6'/);
    const ts = await runCli(['convert', join(FIXTURES, 'k6-api-stages.js'), '--format', 'ts']);
    expect(ts.code, explain(ts)).toBe(2);
    expect(ts.stderr).toMatch(/--format ts is not available yet for k6/);
  });
});
