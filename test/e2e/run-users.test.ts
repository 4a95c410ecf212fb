// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the JSON twin's strings are flow templates, not JS ones.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * User types and tasks (Locust's semantics): a scenario's VUs are split among user types by
 * weight, each iteration picks a task by weight; and one test written in YAML, JSON, TypeScript
 * and JavaScript resolves to the same plan and gives the same results.
 */

const dir = tempDir('squall-run-users-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

describe('weights', () => {
  it('70/30 user types get 70/30 of the VUs and of the traffic; tasks 3:1 get 3:1 of the picks', async () => {
    // Equal latencies everywhere, so a user type's share of requests is its share of the VUs.
    server = await startRouteServer({ delayMs: 5 });
    const vus = 20;
    const weights = { Standard: 70, Heavy: 30 };
    const tasks = { browse: 3, buy: 1 };
    const file = writeTestFile(
      dir.path,
      'weights.yaml',
      `scenarios:
  mix:
    executor: constant-vus
    vus: ${vus}
    duration: 2s
    users:
      - { name: Standard, weight: ${weights.Standard}, flow: [{ get: /standard }] }
      - { name: Heavy, weight: ${weights.Heavy}, flow: [{ post: /heavy, json: { size: 10 } }] }
  shop:
    executor: constant-vus
    vus: 2
    duration: 2s
    users:
      - name: Shopper
        tasks:
          - { name: browse, weight: ${tasks.browse}, flow: [{ get: /t/browse }] }
          - { name: buy, weight: ${tasks.buy}, flow: [{ get: /t/buy }] }
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    const standard = server.on('/standard').length;
    const heavy = server.on('/heavy').length;
    const browse = server.on('/t/browse').length;
    const buy = server.on('/t/buy').length;
    const ctx = `${why}\nserver: standard ${standard}, heavy ${heavy}, browse ${browse}, buy ${buy}\nscenarios: ${JSON.stringify(r.scenarios)}`;

    // VUs: exactly the weights' shares of 20.
    const mix = r.scenarios.mix!;
    expect(mix.users.Standard!.vus, ctx).toBe((vus * weights.Standard) / 100);
    expect(mix.users.Heavy!.vus, ctx).toBe((vus * weights.Heavy) / 100);
    // Traffic: within a few points of 70%, by the server's count and by squall's.
    const wanted = weights.Standard / (weights.Standard + weights.Heavy);
    expect(standard + heavy, ctx).toBeGreaterThan(200);
    expect(Math.abs(share(standard, standard + heavy) - wanted), ctx).toBeLessThan(0.04);
    expect(mix.users.Standard!.iterations, ctx).toBe(standard);
    expect(mix.users.Heavy!.iterations, ctx).toBe(heavy);
    const byName = Object.fromEntries(r.endpoints.map((e) => [e.name, e.count]));
    expect(byName, ctx).toMatchObject({ 'GET /standard': standard, 'POST /heavy': heavy });

    // Tasks: picked by weight per iteration, so 3:1 within a few points over hundreds of picks.
    expect(browse + buy, ctx).toBeGreaterThan(100);
    expect(
      Math.abs(share(browse, browse + buy) - tasks.browse / (tasks.browse + tasks.buy)),
      ctx,
    ).toBeLessThan(0.07);
    expect(r.scenarios.shop!.iterations, ctx).toBe(browse + buy);
  });
});

describe('think time', () => {
  it('a range and a constant: the server sees each VU pause that long between iterations', async () => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      'think.yaml',
      `scenarios:
  thinkers:
    executor: constant-vus
    vus: 4
    duration: 1500ms
    users:
      - { name: Ranged, think: 100ms..200ms, flow: [{ get: /ranged, headers: { X-VU: "\${vu.id}" } }] }
      - { name: Fixed, think: 150ms, flow: [{ get: /fixed, headers: { X-VU: "\${vu.id}" } }] }
`,
    );
    const { run, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    for (const [path, least, most] of [
      ['/ranged', 100, 200],
      ['/fixed', 150, 150],
    ] as const) {
      const byVu = new Map<string, number[]>();
      for (const h of server.on(path)) {
        const vu = String(h.headers['x-vu']);
        byVu.set(vu, [...(byVu.get(vu) ?? []), h.at]);
      }
      const gaps = [...byVu.values()].flatMap((at) => at.slice(1).map((t, i) => t - at[i]!));
      const ctx = `${why}\n${path} gaps ${JSON.stringify(gaps)}`;
      expect(byVu.size, ctx).toBe(2);
      expect(gaps.length, ctx).toBeGreaterThanOrEqual(2 * Math.floor(1500 / (most + 30)) - 2);
      // Never shorter than the think time (a millisecond of clock rounding aside); not much longer.
      for (const g of gaps) {
        expect(g, ctx).toBeGreaterThanOrEqual(least - 1);
        expect(g, ctx).toBeLessThanOrEqual(most + 60);
      }
      // A range is spread over its width, not stuck at one end.
      if (least !== most)
        expect(Math.max(...gaps) - Math.min(...gaps), ctx).toBeGreaterThan((most - least) / 3);
    }
  });
});

/** The twins: one test in four languages. Every request carries its VU and iteration. */
const TWIN_YAML = `# The twin of twin.json, twin.ts and twin.mjs.
target: http://127.0.0.1:9
defaults:
  headers: { X-Suite: twins }
  timeout: 5s
scenarios:
  weighted:
    executor: per-vu-iterations
    vus: 10
    iterations: 3
    users:
      - name: Standard
        weight: 70
        think: 5ms..10ms
        flow:
          - get: /standard
            headers: { X-VU: "\${vu.id}", X-Iteration: "\${vu.iteration}" }
            check: { status: 200 }
      - name: Heavy
        weight: 30
        flow:
          - post: /heavy
            headers: { X-VU: "\${vu.id}", X-Iteration: "\${vu.iteration}" }
            json: { size: 10 }
  batch:
    executor: shared-iterations
    vus: 2
    iterations: 9
    startTime: 100ms
    users:
      - name: Batch
        flow:
          - get: /batch
            name: GET /batch/:n
            headers: { X-VU: "\${vu.id}", X-Iteration: "\${vu.iteration}" }
thresholds:
  http_req_failed: ["rate<0.01"]
  "http_req_duration{name:GET /standard}": ["p(95)<1000"]
`;

const TWIN_JSON = JSON.stringify(
  {
    target: 'http://127.0.0.1:9',
    defaults: { headers: { 'X-Suite': 'twins' }, timeout: '5s' },
    scenarios: {
      weighted: {
        executor: 'per-vu-iterations',
        vus: 10,
        iterations: 3,
        users: [
          {
            name: 'Standard',
            weight: 70,
            think: '5ms..10ms',
            flow: [
              {
                get: '/standard',
                headers: { 'X-VU': '${vu.id}', 'X-Iteration': '${vu.iteration}' },
                check: { status: 200 },
              },
            ],
          },
          {
            name: 'Heavy',
            weight: 30,
            flow: [
              {
                post: '/heavy',
                headers: { 'X-VU': '${vu.id}', 'X-Iteration': '${vu.iteration}' },
                json: { size: 10 },
              },
            ],
          },
        ],
      },
      batch: {
        executor: 'shared-iterations',
        vus: 2,
        iterations: 9,
        startTime: '100ms',
        users: [
          {
            name: 'Batch',
            flow: [
              {
                get: '/batch',
                name: 'GET /batch/:n',
                headers: { 'X-VU': '${vu.id}', 'X-Iteration': '${vu.iteration}' },
              },
            ],
          },
        ],
      },
    },
    thresholds: { http_req_failed: ['rate<0.01'], 'http_req_duration{name:GET /standard}': ['p(95)<1000'] },
  },
  null,
  2,
);

/** The module twin; `typed` adds the TypeScript-only parts. */
function twinModule(typed: boolean): string {
  const ctx = typed ? ': VuContext' : '';
  return `import { defineTest${typed ? ', type VuContext' : ''} } from 'squall';

const ids = (vu${typed ? ": VuContext['vu']" : ''}) => ({ 'X-VU': String(vu.id), 'X-Iteration': String(vu.iteration) });

export default defineTest({
  target: 'http://127.0.0.1:9',
  defaults: { headers: { 'X-Suite': 'twins' }, timeout: '5s' },
  scenarios: {
    weighted: {
      executor: 'per-vu-iterations',
      vus: 10,
      iterations: 3,
      users: [
        {
          name: 'Standard',
          weight: 70,
          think: '5ms..10ms',
          async run({ http, check, vu }${ctx}) {
            const res = await http.get('/standard', { headers: ids(vu) });
            check(res, { 'status is 200': (r) => r.status === 200 });
          },
        },
        {
          name: 'Heavy',
          weight: 30,
          async run({ http, vu }${ctx}) {
            await http.post('/heavy', { headers: ids(vu), json: { size: 10 } });
          },
        },
      ],
    },
    batch: {
      executor: 'shared-iterations',
      vus: 2,
      iterations: 9,
      startTime: '100ms',
      users: [
        {
          name: 'Batch',
          async run({ http, vu }${ctx}) {
            await http.get('/batch', { name: 'GET /batch/:n', headers: ids(vu) });
          },
        },
      ],
    },
  },
  thresholds: { http_req_failed: ['rate<0.01'], 'http_req_duration{name:GET /standard}': ['p(95)<1000'] },
});
`;
}

/** What must be equal between twins: the result minus what differs by nature (times, the file). */
function comparable(r: RunResult) {
  const { file: _file, format: _format, ...config } = r.config;
  return {
    config,
    scenarios: Object.fromEntries(
      Object.entries(r.scenarios).map(([name, s]) => [
        name,
        { iterations: s.iterations, vusMax: s.vusMax, users: s.users, failed: s.failedIterations },
      ]),
    ),
    endpoints: r.endpoints
      .map((e) => ({ name: e.name, count: e.count, statusCodes: e.statusCodes }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    checks: r.checks,
    thresholds: r.thresholds.map((t) => ({ metric: t.metric, expr: t.expr, ok: t.ok })),
    iterations: (r.metrics.iterations as { count: number }).count,
    passed: r.passed,
  };
}

describe('twins', () => {
  it('YAML, JSON, TypeScript and JavaScript twins: the same plan, the same requests, the same results', async () => {
    server = await startRouteServer();
    const files = {
      yaml: writeTestFile(dir.path, 'twin.yaml', TWIN_YAML),
      json: writeTestFile(dir.path, 'twin.json', TWIN_JSON),
      ts: writeTestFile(dir.path, 'twin.ts', twinModule(true)),
      mjs: writeTestFile(dir.path, 'twin.mjs', twinModule(false)),
    };
    const seen: Record<string, string[]> = {};
    const results: Record<string, RunResult> = {};
    for (const [lang, file] of Object.entries(files)) {
      const before = server.hits.length;
      const { run, result, why } = await runFileOk(file, ['--host', server.url]);
      expect(run.code, `${lang}\n${why}`).toBe(0);
      results[lang] = result;
      // The requests as the server saw them: method, path, VU, iteration, body; in a stable order.
      // (shared-iterations hands its iterations to whichever VU is free: who ran which is timing.)
      seen[lang] = server.hits
        .slice(before)
        .map((h) =>
          h.path === '/batch'
            ? `${h.method} ${h.path}`
            : `${h.method} ${h.path} vu=${h.headers['x-vu']} it=${h.headers['x-iteration']} ${h.body}`,
        )
        .sort();
      expect(
        server.hits.slice(before).every((h) => h.headers['x-suite'] === 'twins'),
        lang,
      ).toBe(true);
    }
    const yaml = comparable(results.yaml!);
    const ctx = `yaml: ${JSON.stringify(yaml, null, 1)}`;

    // per-vu-iterations: 10 VUs × 3, 7 Standard and 3 Heavy; shared-iterations: 9 in all.
    expect(yaml.scenarios.weighted, ctx).toMatchObject({
      iterations: 30,
      users: { Standard: { vus: 7, iterations: 21 }, Heavy: { vus: 3, iterations: 9 } },
    });
    expect(yaml.scenarios.batch!.iterations, ctx).toBe(9);
    expect(seen.yaml, ctx).toHaveLength(39);
    for (const lang of ['json', 'ts', 'mjs']) {
      const other = comparable(results[lang]!);
      expect(other, `${lang} vs yaml`).toEqual(yaml);
      // Heavy posts the same JSON body in every language.
      expect(seen[lang], `${lang} vs yaml: the requests the server saw`).toEqual(seen.yaml);
    }
    expect(results.ts!.config.format, ctx).not.toBe(results.yaml!.config.format);
  });
});
