import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutorPlan, TestPlan } from '../engine/plan.js';
import { isSquallError, type SquallError } from '../errors/index.js';
import { type RunFlags, resolveTest } from './resolve-test.js';

/**
 * resolveTest end to end on real files: YAML/JSON/TypeScript twins give one plan, every executor
 * gets k6's defaults, presets and shortcuts take their size from the flags, and a flag always
 * overrides the file.
 */

let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-resolve-'));
  mkdirSync(join(dir, 'esm'));
  writeFileSync(join(dir, 'esm', 'package.json'), '{ "type": "module" }\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Resolves YAML text from a fresh file, with an empty environment unless one is given. */
function resolveYaml(
  text: string,
  flags: RunFlags = {},
  env: Record<string, string> = {},
): Promise<TestPlan> {
  return resolveTest(write(`t${++n}.yaml`, text), flags, env);
}

async function failure(p: Promise<unknown>): Promise<SquallError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isSquallError(e)) throw new Error(`expected a SquallError, got ${String(e)}`);
  return e;
}

/** A plan as data: functions dropped, and what names the file (its path, positions) left out. */
function comparable(plan: TestPlan): unknown {
  const { file: _file, config, thresholds, ...rest } = plan;
  const { file: _f, format: _fmt, ...configRest } = config;
  return JSON.parse(
    JSON.stringify({ ...rest, thresholds: thresholds.map(({ where: _w, ...t }) => t), config: configRest }),
  );
}

const USERS_YAML = `
    users:
      - name: Reader
        weight: 3
        think: 1s..2s
        flow: [{ get: /prompts/1, name: "GET /prompts/:id" }]
      - name: Writer
        tasks:
          - { name: create, weight: 2, flow: [{ post: /prompts, json: { title: t } }] }
          - { name: list, flow: [{ get: /prompts }] }`;

describe('twins: YAML, JSON and TypeScript describe one plan', () => {
  const yaml = `target: http://127.0.0.1:5110
defaults:
  headers: { Authorization: "Bearer \${env.API_TOKEN}", X-Client: squall }
  timeout: 5s
scenarios:
  steady:
    executor: ramping-vus
    startVUs: 0
    stages: [{ duration: 30s, target: 50 }, { duration: 2m, target: 50 }, { duration: 10s, target: 0 }]
    gracefulStop: 10s
    tags: { team: core }
${USERS_YAML}
  open:
    executor: constant-arrival-rate
    rate: 20
    duration: 1m
    preAllocatedVUs: 5
    maxVUs: 50
    startTime: 30s
    users: [{ name: Poller, flow: [{ get: /health }] }]
thresholds:
  http_req_duration: ["p(95)<500", "p(99)<1s"]
  http_req_failed: [{ threshold: "rate<0.01", abortOnFail: true, delayAbortEval: 10s }]
  "http_req_duration{name:GET /health}": "p(95)<100"
`;

  const ts = `import { defineTest } from 'squall';

const noop = async () => {};

export default defineTest({
  target: 'http://127.0.0.1:5110',
  defaults: { headers: { Authorization: \`Bearer \${process.env.API_TOKEN}\`, 'X-Client': 'squall' }, timeout: '5s' },
  scenarios: {
    steady: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [{ duration: '30s', target: 50 }, { duration: '2m', target: 50 }, { duration: '10s', target: 0 }],
      gracefulStop: '10s',
      tags: { team: 'core' },
      users: [
        { name: 'Reader', weight: 3, think: '1s..2s', run: noop },
        { name: 'Writer', tasks: [{ name: 'create', weight: 2, run: noop }, { name: 'list', run: noop }] },
      ],
    },
    open: {
      executor: 'constant-arrival-rate', rate: 20, duration: 60, preAllocatedVUs: 5, maxVUs: 50, startTime: '30s',
      users: [{ name: 'Poller', run: noop }],
    },
  },
  thresholds: {
    http_req_duration: ['p(95)<500', 'p(99)<1s'],
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '10s' }],
    'http_req_duration{name:GET /health}': 'p(95)<100',
  },
});
`;

  it('gives the same plan, functions aside', async () => {
    const env = { API_TOKEN: 'tok' };
    process.env.API_TOKEN = 'tok';
    try {
      const fromYaml = await resolveTest(write('twin.yaml', yaml), {}, env);
      const fromTs = await resolveTest(write('esm/twin.ts', ts), {}, env);
      expect(comparable(fromTs)).toEqual(comparable(fromYaml));
      // The same YAML as JSON.
      const { parse } = await import('yaml');
      const fromJson = await resolveTest(write('twin.json', JSON.stringify(parse(yaml), null, 2)), {}, env);
      expect(comparable(fromJson)).toEqual(comparable(fromYaml));
      for (const plan of [fromYaml, fromTs]) {
        for (const task of plan.scenarios.flatMap((s) => s.users.flatMap((u) => u.tasks))) {
          expect(typeof task.run).toBe('function');
        }
      }
    } finally {
      delete process.env.API_TOKEN;
    }
  });

  it('resolves what the twins say', async () => {
    const plan = await resolveTest(write('twin2.yaml', yaml), {}, { API_TOKEN: 'tok' });
    expect(plan.defaults).toEqual({
      headers: { Authorization: 'Bearer tok', 'X-Client': 'squall' },
      timeoutMs: 5000,
      redirects: 10,
    });
    const [steady, open] = plan.scenarios;
    expect(steady).toMatchObject({
      name: 'steady',
      startTimeMs: 0,
      gracefulStopMs: 10_000,
      tags: { team: 'core' },
    });
    expect(
      steady!.users.map((u) => [u.name, u.weight, u.think, u.tasks.map((t) => [t.name, t.weight])]),
    ).toEqual([
      ['Reader', 3, { kind: 'uniform', minMs: 1000, maxMs: 2000 }, [['Reader', 1]]],
      [
        'Writer',
        1,
        { kind: 'none' },
        [
          ['create', 2],
          ['list', 1],
        ],
      ],
    ]);
    expect(open).toMatchObject({ name: 'open', startTimeMs: 30_000, gracefulStopMs: 30_000 });
    expect(plan.thresholds.map((t) => [t.key, t.expr, t.value, t.abortOnFail, t.delayAbortEvalMs])).toEqual([
      ['http_req_duration', 'p(95)<500', 500, undefined, undefined],
      ['http_req_duration', 'p(99)<1s', 1000, undefined, undefined],
      ['http_req_failed', 'rate<0.01', 0.01, true, 10_000],
      ['http_req_duration{name:GET /health}', 'p(95)<100', 100, undefined, undefined],
    ]);
    // Thresholds keep their place, for errors found later (no data, abort).
    expect(plan.thresholds[2]!.where).toMatchObject({
      line: 32,
      path: 'thresholds.http_req_failed[0].threshold',
    });
  });
});

describe("every executor gets k6's defaults", () => {
  const cases: Array<[string, string, ExecutorPlan]> = [
    ['constant-vus', 'duration: 30s', { type: 'constant-vus', vus: 1, durationMs: 30_000 }],
    [
      'ramping-vus',
      'stages: [{ duration: 10s, target: 5 }]',
      {
        type: 'ramping-vus',
        startVUs: 1,
        stages: [{ durationMs: 10_000, target: 5 }],
        gracefulRampDownMs: 30_000,
      },
    ],
    [
      'constant-arrival-rate',
      'rate: 10\n    duration: 1m\n    preAllocatedVUs: 5',
      {
        type: 'constant-arrival-rate',
        rate: 10,
        timeUnitMs: 1000,
        durationMs: 60_000,
        preAllocatedVUs: 5,
        maxVUs: 5,
        arrival: 'even',
      },
    ],
    [
      'ramping-arrival-rate',
      'stages: [{ duration: 1m, target: 100 }]\n    preAllocatedVUs: 5',
      {
        type: 'ramping-arrival-rate',
        startRate: 0,
        timeUnitMs: 1000,
        stages: [{ durationMs: 60_000, target: 100 }],
        preAllocatedVUs: 5,
        maxVUs: 5,
        arrival: 'even',
      },
    ],
    ['per-vu-iterations', '', { type: 'per-vu-iterations', vus: 1, iterations: 1, maxDurationMs: 600_000 }],
    ['shared-iterations', '', { type: 'shared-iterations', vus: 1, iterations: 1, maxDurationMs: 600_000 }],
  ];

  it.each(cases)('%s', async (executor, params, expected) => {
    const plan = await resolveYaml(`target: http://127.0.0.1:1
scenarios:
  s:
    executor: ${executor}
    ${params}
    users: [{ name: U, flow: [{ get: /x }] }]
`);
    expect(plan.scenarios).toHaveLength(1);
    expect(plan.scenarios[0]).toMatchObject({ name: 's', startTimeMs: 0, gracefulStopMs: 30_000, tags: {} });
    expect(plan.scenarios[0]!.executor).toEqual(expected);
  });

  it('takes every parameter given, and arrival: poisson', async () => {
    const plan = await resolveYaml(`target: http://127.0.0.1:1
scenarios:
  s:
    executor: ramping-arrival-rate
    startRate: 2
    timeUnit: 1m
    stages: [{ duration: 1m, target: 600 }]
    preAllocatedVUs: 5
    maxVUs: 20
    arrival: poisson
    users: [{ name: U, flow: [{ get: /x }] }]
`);
    expect(plan.scenarios[0]!.executor).toEqual({
      type: 'ramping-arrival-rate',
      startRate: 2,
      timeUnitMs: 60_000,
      stages: [{ durationMs: 60_000, target: 600 }],
      preAllocatedVUs: 5,
      maxVUs: 20,
      arrival: 'poisson',
    });
  });
});

const USERS = 'users: [{ name: U, flow: [{ get: /x }] }]\n';
const HOST = 'target: http://127.0.0.1:1\n';

describe("k6's shortcuts", () => {
  it.each<[string, string, RunFlags, ExecutorPlan]>([
    ['vus + duration', 'vus: 10\nduration: 30s\n', {}, { type: 'constant-vus', vus: 10, durationMs: 30_000 }],
    [
      'iterations',
      'vus: 2\niterations: 10\n',
      {},
      { type: 'shared-iterations', vus: 2, iterations: 10, maxDurationMs: 600_000 },
    ],
    [
      'stages',
      'stages: [{ duration: 10s, target: 4 }]\n',
      {},
      {
        type: 'ramping-vus',
        startVUs: 1,
        stages: [{ durationMs: 10_000, target: 4 }],
        gracefulRampDownMs: 30_000,
      },
    ],
    [
      'nothing: one VU, one iteration',
      '',
      {},
      { type: 'per-vu-iterations', vus: 1, iterations: 1, maxDurationMs: 600_000 },
    ],
    [
      'flags complete a file without a shape',
      'vus: 3\n',
      { duration: '20s' },
      { type: 'constant-vus', vus: 3, durationMs: 20_000 },
    ],
    [
      'rate + duration (open model)',
      'rate: 50\nduration: 1m\n',
      {},
      {
        type: 'constant-arrival-rate',
        rate: 50,
        timeUnitMs: 1000,
        durationMs: 60_000,
        preAllocatedVUs: 5,
        maxVUs: 100,
        arrival: 'even',
      },
    ],
  ])('%s', async (_name, shortcuts, flags, expected) => {
    const plan = await resolveYaml(`${HOST}${shortcuts}${USERS}`, flags);
    expect(plan.scenarios.map((s) => s.name)).toEqual(['default']);
    expect(plan.scenarios[0]!.executor).toEqual(expected);
  });

  it('refuses --rate without a length', async () => {
    const e = await failure(resolveYaml(`${HOST}${USERS}`, { rate: '10' }));
    expect(e.code).toBe('SQ_USAGE_BAD_FLAG');
    expect(e.message).toContain('--rate needs a length');
  });
});

describe('size flags override the file, keeping its shape', () => {
  const scenario = (body: string) =>
    `${HOST}scenarios:\n  s:\n    ${body.split('\n').join('\n    ')}\n    ${USERS}`;
  const ramp = scenario(
    'executor: ramping-vus\nstartVUs: 0\nstages: [{ duration: 10s, target: 10 }, { duration: 30s, target: 10 }, { duration: 10s, target: 0 }]',
  );

  it.each<[string, string, RunFlags, ExecutorPlan]>([
    [
      'constant-vus: --vus and --duration',
      scenario('executor: constant-vus\nvus: 5\nduration: 1m'),
      { vus: '50', duration: '10s' },
      { type: 'constant-vus', vus: 50, durationMs: 10_000 },
    ],
    [
      'ramping-vus: --vus scales the peak, --duration stretches the stages',
      ramp,
      { vus: '20', duration: '100s' },
      {
        type: 'ramping-vus',
        startVUs: 0,
        gracefulRampDownMs: 30_000,
        stages: [
          { durationMs: 20_000, target: 20 },
          { durationMs: 60_000, target: 20 },
          { durationMs: 20_000, target: 0 },
        ],
      },
    ],
    [
      'ramping-vus: --rate gives the open-model twin',
      ramp,
      { rate: '100' },
      {
        type: 'ramping-arrival-rate',
        startRate: 0,
        timeUnitMs: 1000,
        stages: [
          { durationMs: 10_000, target: 100 },
          { durationMs: 30_000, target: 100 },
          { durationMs: 10_000, target: 0 },
        ],
        preAllocatedVUs: 10,
        maxVUs: 200,
        arrival: 'even',
      },
    ],
    [
      'constant-vus: --iterations makes iterations the limit',
      scenario('executor: constant-vus\nvus: 5\nduration: 1m'),
      { iterations: '100' },
      { type: 'shared-iterations', vus: 5, iterations: 100, maxDurationMs: 600_000 },
    ],
    [
      'constant-arrival-rate: --rate per second in its own time unit, --vus caps the VUs',
      scenario(
        'executor: constant-arrival-rate\nrate: 60\ntimeUnit: 1m\nduration: 1m\npreAllocatedVUs: 10\nmaxVUs: 40',
      ),
      { rate: '5', vus: '8' },
      {
        type: 'constant-arrival-rate',
        rate: 300,
        timeUnitMs: 60_000,
        durationMs: 60_000,
        preAllocatedVUs: 8,
        maxVUs: 8,
        arrival: 'even',
      },
    ],
    [
      'shared-iterations: --rate and --iterations run N iterations at R per second',
      scenario('executor: shared-iterations\nvus: 4\niterations: 40'),
      { rate: '10', iterations: '50' },
      {
        type: 'constant-arrival-rate',
        rate: 10,
        timeUnitMs: 1000,
        durationMs: 5000,
        preAllocatedVUs: 1,
        maxVUs: 100,
        arrival: 'even',
      },
    ],
    [
      'per-vu-iterations: --vus, and --duration as maxDuration',
      scenario('executor: per-vu-iterations\nvus: 2\niterations: 3'),
      { vus: '4', duration: '30s' },
      { type: 'per-vu-iterations', vus: 4, iterations: 3, maxDurationMs: 30_000 },
    ],
  ])('%s', async (_name, text, flags, expected) => {
    const plan = await resolveYaml(text, flags);
    expect(plan.scenarios[0]!.executor).toEqual(expected);
  });

  it('refuses flags that leave VUs without iterations', async () => {
    const e = await failure(resolveYaml(`${HOST}${USERS}`, { vus: '10', iterations: '5' }));
    expect(e.code).toBe('SQ_USAGE_BAD_FLAG');
    expect(e.where).toEqual({ flag: '--iterations' });
  });
});

describe('presets', () => {
  it('--preset turns the file into that test type, sized by the flags', async () => {
    const plan = await resolveYaml(`${HOST}vus: 10\nduration: 1m\n${USERS}`, {
      preset: 'stress',
      vus: '20',
      duration: '100s',
    });
    expect(plan.preset).toBe('stress');
    expect(plan.scenarios.map((s) => s.name)).toEqual(['stress']);
    const ex = plan.scenarios[0]!.executor;
    expect(ex.type).toBe('ramping-vus');
    if (ex.type !== 'ramping-vus') return;
    expect(Math.max(...ex.stages.map((s) => s.target))).toBe(20);
    expect(ex.stages.reduce((t, s) => t + s.durationMs, 0)).toBe(100_000);
  });

  it('preset: in the file is sized by the file, and the flag wins over both', async () => {
    const text = `${HOST}preset: smoke\nvus: 3\nduration: 20s\n${USERS}`;
    expect((await resolveYaml(text)).scenarios[0]!.executor).toEqual({
      type: 'constant-vus',
      vus: 3,
      durationMs: 20_000,
    });
    const flagged = await resolveYaml(text, { preset: 'baseline' });
    expect(flagged.preset).toBe('baseline');
    expect(flagged.scenarios[0]!.executor.type).toBe('ramping-vus');
  });

  it('gives every scenario of the file the preset, keeping its users and start time', async () => {
    const plan = await resolveYaml(`${HOST}preset: smoke
scenarios:
  a: { startTime: 5s, ${USERS.trim()} }
  b: { ${USERS.trim()} }
`);
    expect(plan.scenarios.map((s) => [s.name, s.startTimeMs, s.executor.type])).toEqual([
      ['a', 5000, 'constant-vus'],
      ['b', 0, 'constant-vus'],
    ]);
  });

  it('breakpoint stops on its default conditions unless the file gives others', async () => {
    const plain = await resolveYaml(`${HOST}${USERS}`, { preset: 'breakpoint', rate: '200' });
    expect(plain.stopConditions).toEqual({ maxErrorRate: 0.1, maxP99Ms: 10_000, windowMs: 10_000 });
    expect(plain.scenarios[0]!.executor).toMatchObject({ type: 'ramping-arrival-rate', startRate: 0 });
    const own = await resolveYaml(`${HOST}stopConditions: { maxErrorRate: 0.05, maxP99: 2s }\n${USERS}`, {
      preset: 'breakpoint',
    });
    expect(own.stopConditions).toEqual({ maxErrorRate: 0.05, maxP99Ms: 2000, windowMs: 10_000 });
    expect((await resolveYaml(`${HOST}${USERS}`, { preset: 'smoke' })).stopConditions).toBeUndefined();
  });

  it('refuses --iterations with a preset, and names an unknown preset', async () => {
    expect(
      (await failure(resolveYaml(`${HOST}${USERS}`, { preset: 'soak', iterations: '3' }))).where,
    ).toEqual({
      flag: '--iterations',
    });
    const e = await failure(resolveYaml(`${HOST}${USERS}`, { preset: 'spkie' }));
    expect(e.code).toBe('SQ_USAGE_BAD_FLAG');
    expect(e.message).toBe(
      "unknown preset 'spkie' — did you mean 'spike'?; expected one of smoke, baseline, stress, spike, burst, soak, endurance, breakpoint, scalability",
    );
  });
});

describe('flags, env and the file', () => {
  const text = `target: http://file.test:1\n${USERS}`;

  it.each<[string, RunFlags, Record<string, string>, string]>([
    ['the file', {}, {}, 'http://file.test:1'],
    ['LOAD_TEST_HOST over the file', {}, { LOAD_TEST_HOST: 'http://ltl.test:2' }, 'http://ltl.test:2'],
    [
      'SQUALL_HOST over LOAD_TEST_HOST',
      {},
      { LOAD_TEST_HOST: 'http://ltl.test:2', SQUALL_HOST: 'http://sq.test:3' },
      'http://sq.test:3',
    ],
    [
      '--host over everything',
      { host: 'http://flag.test:4' },
      { SQUALL_HOST: 'http://sq.test:3' },
      'http://flag.test:4',
    ],
    [
      '-e SQUALL_HOST over the process env',
      { env: ['SQUALL_HOST=http://e.test:5'] },
      { SQUALL_HOST: 'http://sq.test:3' },
      'http://e.test:5',
    ],
  ])('target: %s', async (_name, flags, env, expected) => {
    expect((await resolveYaml(text, flags, env)).target).toBe(expected);
  });

  it('names a bad base URL from the environment', async () => {
    const e = await failure(resolveYaml(text, {}, { SQUALL_HOST: 'not a url' }));
    expect(e.message).toContain('env SQUALL_HOST="not a url" is not a base URL');
  });

  it('-e values win over the process environment, in the plan and in env references', async () => {
    const plan = await resolveYaml(
      `target: http://\${env.HOST_NAME}:1\ndefaults: { headers: { X-Team: "\${env.TEAM}", X-Tier: "\${env.TIER:-free}" } }\n${USERS}`,
      { env: ['TEAM=flag', 'EMPTY='] },
      { TEAM: 'process', HOST_NAME: 'h.test', PATH: '/bin' },
    );
    expect(plan.target).toBe('http://h.test:1');
    expect(plan.defaults.headers).toEqual({ 'X-Team': 'flag', 'X-Tier': 'free' });
    expect(plan.env).toMatchObject({ TEAM: 'flag', EMPTY: '', HOST_NAME: 'h.test', PATH: '/bin' });
  });

  it('--threshold adds to the file, and is checked like the file', async () => {
    const plan = await resolveYaml(`${text}thresholds: { http_req_failed: ["rate<0.1"] }\n`, {
      threshold: ['http_req_duration{name:GET /x}:p(95)<200'],
    });
    expect(plan.thresholds.map((t) => `${t.key}:${t.expr}`)).toEqual([
      'http_req_failed:rate<0.1',
      'http_req_duration{name:GET /x}:p(95)<200',
    ]);
    expect((await failure(resolveYaml(text, { threshold: ['http_req_duraton:p(95)<1'] }))).code).toBe(
      'SQ_THRESHOLD_UNKNOWN_METRIC',
    );
    expect((await failure(resolveYaml(text, { threshold: ['http_req_duration:p95<1'] }))).where).toEqual({
      flag: '--threshold',
    });
  });

  it('knows the custom metrics a test declares', async () => {
    const file = write(`t${++n}.yaml`, `${text}thresholds: { orders_created: ["count>10"] }\n`);
    const custom = new Map([['orders_created', 'counter' as const]]);
    const plan = await resolveTest(file, {}, {}, { customMetrics: () => custom });
    expect(plan.thresholds[0]!.metric).toBe('orders_created');
  });

  it('knows the custom metrics a TypeScript test declares as it loads', async () => {
    const custom = new URL('../metrics/custom.ts', import.meta.url).href;
    const file = write(
      'esm/custom.ts',
      `import { Counter } from ${JSON.stringify(custom)};
new Counter('orders_placed_total');
export default { vus: 1, duration: '1s', users: [{ name: 'U', run: () => {} }],
  thresholds: { orders_placed_total: ['count>1'] } };
`,
    );
    const plan = await resolveTest(file, {}, {});
    expect(plan.thresholds.map((t) => t.metric)).toEqual(['orders_placed_total']);
  });

  it('--timeout wins over defaults.timeout', async () => {
    const plan = await resolveYaml(`${HOST}defaults: { timeout: 3s }\n${USERS}`, { timeout: '750ms' });
    expect(plan.defaults.timeoutMs).toBe(750);
  });

  it.each<[RunFlags, string, string]>([
    [{ vus: '0' }, '--vus', 'is not a whole number'],
    [{ duration: 'soon' }, '--duration', 'is not a duration'],
    [{ rate: '-1' }, '--rate', 'is not a positive number'],
    [{ env: ['1BAD=x'] }, '-e', 'is not NAME=value'],
    [{ host: 'ftp://x' }, '--host', 'squall speaks http:// and https://'],
  ])('refuses %j', async (flags, flag, text) => {
    const e = await failure(resolveYaml(`${HOST}${USERS}`, flags));
    expect(e.code).toBe('SQ_USAGE_BAD_FLAG');
    expect(e.where).toEqual({ flag });
    expect(e.message).toContain(text);
  });
});

describe('the resolved plan', () => {
  it('records its config with secrets redacted', async () => {
    const plan = await resolveYaml(
      `target: http://user:pw@127.0.0.1:1
defaults: { headers: { Authorization: Bearer x, cookie: a=b, X-Api-Key: k, Accept: text/plain } }
${USERS}`,
      { env: ['TOKEN=secret'], preset: 'soak' },
    );
    expect(plan.defaults.headers.Authorization).toBe('Bearer x');
    expect(plan.config).toMatchObject({
      command: 'run',
      format: 'yaml',
      preset: 'soak',
      monitorSuggested: true,
      target: 'http://user:[redacted]@127.0.0.1:1',
      defaults: {
        headers: {
          Authorization: '[redacted]',
          cookie: '[redacted]',
          'X-Api-Key': '[redacted]',
          Accept: 'text/plain',
        },
      },
      env: ['TOKEN'],
    });
    expect(JSON.stringify(plan.config)).not.toContain('secret');
  });

  it('is deep-frozen, user functions aside', async () => {
    const plan = await resolveYaml(`${HOST}vus: 2\nduration: 1s\n${USERS}`);
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.scenarios[0]!.executor)).toBe(true);
    expect(Object.isFrozen(plan.env)).toBe(true);
    expect(() => {
      (plan.scenarios as unknown[]).push({});
    }).toThrow();
  });

  it('turns a think function (seconds) into milliseconds', async () => {
    const file = write(
      'esm/think.ts',
      `export default { vus: 1, duration: '1s', users: [{ name: 'U', think: (vu: { id: number }) => vu.id / 2, run: () => {} }] };\n`,
    );
    const plan = await resolveTest(file, {}, {});
    const think = plan.scenarios[0]!.users[0]!.think;
    expect(think.kind).toBe('function');
    if (think.kind !== 'function') return;
    expect(think.fn({ id: 3, iteration: 0 })).toBe(1500);
  });
});
