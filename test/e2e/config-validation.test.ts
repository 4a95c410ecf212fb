import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * Bad input refused before any load, all at once, with its place (issue 10, items 9, 13, 14, 15):
 * thresholds on metrics, tags or tag values a run cannot have; every problem of a test file in
 * one report; a broken feeder reported once; a corrupted result document refused by `report`.
 */

const dir = tempDir('squall-config-validation-');
let server: TargetServer;

beforeAll(async () => {
  requireBuiltCli();
  server = await startTarget();
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

// biome-ignore lint/suspicious/noExplicitAny: documents are corrupted on purpose, field by field
type Loose = any;

function expectBadInput(run: Awaited<ReturnType<typeof runCli>>, code: string): void {
  expect(run.code, explain(run)).toBe(2);
  expect(run.stderr, explain(run)).toContain(`error ${code}`);
  expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
  expect(run.stdout, explain(run)).toBe('');
}

describe('squall report refuses a corrupted result document (item 15)', () => {
  /** A real `squall run` document, with checks and scenarios. */
  let doc: Record<string, unknown>;

  beforeAll(async () => {
    const file = writeTestFile(
      dir.path,
      'doc.yaml',
      `target: ${server.url}\nvus: 1\niterations: 3\nusers: [{ name: U, flow: [{ get: /a, check: { status: 200 } }] }]\n`,
    );
    const { result } = await runFileOk(file);
    doc = result as unknown as Record<string, unknown>;
  });

  const write = (name: string, d: unknown): string => {
    const path = join(dir.path, name);
    writeFileSync(path, JSON.stringify(d));
    return path;
  };

  const CORRUPT: Array<[string, (d: Loose) => void, string]> = [
    ['a null endpoint', (d) => (d.endpoints = [null]), 'endpoints[0]: expected an object, got null'],
    [
      'a string for a number',
      (d) => (d.durationSec = 'long'),
      'durationSec: expected a number, got the string "long"',
    ],
    [
      'a string for a latency',
      (d) => (d.endpoints[0].latency.p95 = '5ms'),
      'endpoints[0].latency.p95: expected a number',
    ],
    ['no metrics', (d) => delete d.metrics, 'without its "metrics"'],
    [
      'a null trend',
      (d) => (d.metrics.http_req_duration = null),
      'metrics.http_req_duration: expected an object, got null',
    ],
    ['a wrong schema number', (d) => (d.schema = 7), 'schema 7; this squall reads schemas 1 and 2'],
    [
      'a threshold verdict as text',
      (d) => (d.thresholds = [{ metric: 'm', expr: 'x<1', ok: 'no', actual: 1 }]),
      'thresholds[0].ok: expected true or false',
    ],
    [
      'a timeline point that is a number',
      (d) => (d.timeline = [5]),
      'timeline[0]: expected an object, got the number 5',
    ],
  ];

  it.each(CORRUPT)('%s: exit 2, SQ_RESULT_READ naming the field', async (_what, corrupt, message) => {
    const d = structuredClone(doc);
    corrupt(d);
    const run = await runCli(['report', write(`corrupt-${Math.random()}.json`, d)]);
    expectBadInput(run, 'SQ_RESULT_READ');
    expect(run.stderr, explain(run)).toContain(message);
  });

  it('still reads the document it wrote, and an older one without the added fields', async () => {
    const same = await runCli(['report', write('same.json', doc), '--json']);
    expect(same.code, explain(same)).toBe(0);
    expect(JSON.parse(same.stdout).endpoints).toEqual(doc.endpoints);
    // The fields schema 1 began with (project skeleton): the rest came later and are optional.
    const old = structuredClone(doc) as Loose;
    for (const k of ['endReason', 'generator', 'checks', 'scenarios', 'spike']) delete old[k];
    for (const e of old.endpoints) {
      for (const k of ['method', 'bytesReceived', 'errors']) delete e[k];
      e.latency = {
        p50: e.latency.p50,
        p95: e.latency.p95,
        p99: e.latency.p99,
        max: e.latency.max,
        mean: e.latency.mean,
      };
    }
    old.timeline = old.timeline.map((p: Loose) => ({
      t: p.t,
      rps: p.rps,
      p50: p.p50,
      p95: p.p95,
      p99: p.p99,
      errors: p.errors,
      vus: p.vus,
    }));
    const run = await runCli(['report', write('old.json', old)]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout, explain(run)).toContain('GET /a');
    const written = JSON.parse(readFileSync(join(dir.path, 'old.json'), 'utf8'));
    expect([written.endReason, written.checks, written.scenarios]).toEqual([undefined, undefined, undefined]);
  });
});

describe('a feeder that cannot be loaded is its only error (item 14)', () => {
  const flowWith = (feeders: string) =>
    `target: ${server.url}\nvus: 1\niterations: 1\nfeeders:\n${feeders}users:\n  - name: U\n    flow:\n      - feed: users\n      - get: /x/\${row.id}\n`;

  it.each([
    ['missing', null, 'not found'],
    ['malformed', 'id,name\n1,"never closed\n', 'a quoted field opened on line 2 is never closed'],
  ])('a %s CSV: one error at feeders.users.file, no "unknown feeder"', async (what, csv, message) => {
    const data = join(dir.path, `${what}.csv`);
    if (csv !== null) writeFileSync(data, csv);
    const file = writeTestFile(
      dir.path,
      `feeder-${what}.yaml`,
      flowWith(`  users: { file: ./${what}.csv }\n`),
    );
    const run = await runCli(['run', file]);
    expectBadInput(run, 'SQ_CONFIG_INVALID');
    expect(run.stderr, explain(run)).toContain(message);
    expect(run.stderr, explain(run)).toContain(`${file}:5:18 (feeders.users.file)`);
    expect(run.stderr, explain(run)).not.toMatch(/unknown feeder|no feeders are declared|problems:/);
  });

  it('every broken feeder is reported, and a real unknown feeder still is', async () => {
    writeFileSync(join(dir.path, 'bad.json'), '[{"id": 1},');
    const file = writeTestFile(
      dir.path,
      'feeders-two.yaml',
      flowWith('  users: { file: ./gone.csv }\n  words: { file: ./bad.json }\n').replace(
        'feed: users',
        'feed: usrs',
      ),
    );
    const run = await runCli(['run', file]);
    expectBadInput(run, 'SQ_CONFIG_INVALID');
    expect(run.stderr, explain(run)).toContain('has 3 problems');
    expect(run.stderr, explain(run)).toContain(`${file}:5:18 (feeders.users.file)`);
    expect(run.stderr, explain(run)).toContain(`${file}:6:18 (feeders.words.file)`);
    expect(run.stderr, explain(run)).toContain("unknown feeder 'usrs' — did you mean 'users'?");
  });
});

describe('thresholds that can match nothing are refused before the load (item 9)', () => {
  let quiet: TargetServer;
  beforeAll(async () => {
    quiet = await startTarget();
  });
  afterAll(() => quiet.close());

  const yaml = () =>
    `target: ${quiet.url}\nvus: 1\niterations: 2\nusers:\n  - name: Reader\n    flow:\n      - get: /items\n      - get: /items/\${vu.id}\nthresholds:\n`;

  it.each([
    ['an unknown tag', 'http_req_duration{nmae:GET /items}', ':10:', "tag 'nmae' (did you mean 'name'?)"],
    [
      'an unknown scenario',
      'http_req_duration{scenario:defualt}',
      ':10:',
      "no scenario of this test is 'defualt' (did you mean 'default'?)",
    ],
    [
      'a name no request has',
      'http_reqs{name:GET /item}',
      ':10:',
      "no request name of this test is 'GET /item' (did you mean 'GET /items'?)",
    ],
    [
      'an unknown user type',
      'iterations{user:Raeder}',
      ':10:',
      "no user type of this test is 'Raeder' (did you mean 'Reader'?)",
    ],
  ])('in the file, %s: exit 2 at its line, no request sent', async (_what, key, line, message) => {
    const file = writeTestFile(
      dir.path,
      `t9-${Math.random()}.yaml`,
      `${yaml()}  "${key}": ['count>0']\n`.replace(
        "['count>0']",
        key.startsWith('http_req_duration') ? "['p(95)<500']" : "['count>0']",
      ),
    );
    const run = await runCli(['run', file]);
    expectBadInput(run, 'SQ_THRESHOLD_SYNTAX');
    expect(run.stderr, explain(run)).toContain(message);
    expect(run.stderr, explain(run)).toContain(`${file}${line}`);
    expect(quiet.count()).toBe(0);
  });

  it('from --threshold, and the same filters that can match pass a real run', async () => {
    const file = writeTestFile(
      dir.path,
      't9-flags.yaml',
      `${yaml()}  "http_reqs{name:GET /items/:vu.id}": ['count==2']\n`,
    );
    const bad = await runCli(['run', file, '--threshold', 'http_reqs{scenario:defualt}:count>0']);
    expectBadInput(bad, 'SQ_THRESHOLD_SYNTAX');
    expect(bad.stderr, explain(bad)).toContain("did you mean 'default'?");
    expect(bad.stderr, explain(bad)).toContain('flag --threshold');
    expect(quiet.count()).toBe(0);
    // The templated URL's name (`GET /items/:vu.id`) is one the run does carry.
    const ok = await runFileOk(file, ['--threshold', 'http_reqs{scenario:default,name:GET /items}:count==2']);
    expect(ok.run.code, ok.why).toBe(0);
    expect(ok.result.thresholds.every((t) => t.ok)).toBe(true);
  });

  it('a script metric created on first use in a flow is known; a misspelt one is refused', async () => {
    const ts = (threshold: string) =>
      `import { Counter, defineTest } from 'squall';\nlet seen: Counter | undefined;\nexport default defineTest({\n  target: '${quiet.url}',\n  vus: 1,\n  iterations: 2,\n  thresholds: { ${threshold}: ['count==2'] },\n  users: [{ name: 'U', run: async ({ http }) => {\n    seen ??= new Counter('items_seen');\n    seen.add(1);\n    await http.get('/whatever/' + Math.random());\n  } }],\n});\n`;
    const before = quiet.count();
    const bad = await runCli(['run', writeTestFile(dir.path, 't9-bad.ts', ts('items_sene'))]);
    expectBadInput(bad, 'SQ_THRESHOLD_UNKNOWN_METRIC');
    expect(bad.stderr, explain(bad)).toContain("did you mean 'items_seen'?");
    expect(quiet.count()).toBe(before);
    const good = await runFileOk(
      writeTestFile(dir.path, 't9-good.ts', ts('"items_seen{phase:any}"').replace('{phase:any}', '')),
    );
    expect(good.run.code, good.why).toBe(0);
    expect(good.result.thresholds).toEqual([
      expect.objectContaining({ metric: 'items_seen', ok: true, actual: 2 }),
    ]);
  });

  it('squall quick refuses an unknown tag the same way', async () => {
    const before = quiet.count();
    const run = await runCli([
      'quick',
      '-n',
      '5',
      '--threshold',
      'http_req_duration{stauts:200}:p(95)<500',
      quiet.url,
    ]);
    expectBadInput(run, 'SQ_THRESHOLD_SYNTAX');
    expect(run.stderr, explain(run)).toContain("did you mean 'status'?");
    expect(quiet.count()).toBe(before);
  });
});

describe('every problem of a test file in one report (item 13)', () => {
  it('schema, executor, feeder, flow, env, threshold and flag problems: exit 2, each at its line', async () => {
    const file = writeTestFile(
      dir.path,
      't13.yaml',
      [
        `target: ${server.url}`,
        'duraton: 1s', // 2: unknown key (schema)
        'feeders:',
        '  users: { file: ./t13-missing.csv }', // 4: feeder file missing
        'scenarios:',
        '  browse:',
        '    executor: constant-vus', // 7: executor without its duration
        '    vus: 2',
        '    users:',
        '      - name: Reader',
        '        flow:',
        '          - feed: users',
        `          - get: /items/\${idd}`, // 13: flow: unknown variable
        '      - name: Writer',
        '        flow:',
        '          - post: /items', // 16: env not set (the flow that reads it)
        `            headers: { Authorization: "Bearer \${env.SQUALL_T13_UNSET}" }`,
        'thresholds:',
        "  http_req_duration{scenario:brwse}: ['p(95)<300']", // 19: unknown scenario
        "  target_rss_peak_mb: ['value<100']", // 20: no process monitored
        '',
      ].join('\n'),
    );
    const run = await runCli(['run', file, '--threshold', 'http_req_duraton:p(95)<1'], {
      env: { SQUALL_T13_UNSET: undefined },
    });
    expectBadInput(run, 'SQ_CONFIG_INVALID');
    const why = explain(run);
    expect(run.stderr, why).toContain('has 8 problems');
    const expected: Array<[number, string]> = [
      [2, "unknown key 'duraton' — did you mean 'duration'?"],
      [4, 'feeder file ./t13-missing.csv: not found'],
      [7, 'duration is missing; a constant-vus scenario needs it'],
      [13, "no earlier step sets 'idd'"],
      [16, `\${env.SQUALL_T13_UNSET}, which is not set`],
      [19, "no scenario of this test is 'brwse' (did you mean 'browse'?)"],
      [20, 'is on the target process, but no process is monitored'],
    ];
    for (const [line, message] of expected) {
      expect(run.stderr, why).toMatch(
        new RegExp(
          `- ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+ .*${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        ),
      );
    }
    expect(run.stderr, why).toContain(
      "flag --threshold: threshold \"http_req_duraton: p(95)<1\" names an unknown metric 'http_req_duraton' (did you mean 'http_req_duration'?)",
    );
  });
});

describe('a YAML flow validated by its zod schema (issue 14)', () => {
  it('every shape problem of a step and of a loop body, each at its line, before any request', async () => {
    const file = writeTestFile(
      dir.path,
      'flow-shapes.yaml',
      [
        `target: ${server.url}`,
        'vus: 1',
        'iterations: 1',
        'users:',
        '  - name: U',
        '    flow:',
        '      - get: /a',
        '        timeout: soon', // 8
        '        check: { maxDuration: 500 }', // 9
        '      - loop:',
        '          - think: 1x', // 11
        '        count: 2',
        '',
      ].join('\n'),
    );
    const before = server.count();
    const run = await runCli(['run', file]);
    expectBadInput(run, 'SQ_CONFIG_INVALID');
    const why = explain(run);
    expect(run.stderr, why).toContain('has 3 problems');
    const expected: Array<[number, string]> = [
      [8, 'timeout must be a duration with a unit such as 500ms or 2s, given "soon"'],
      [9, 'maxDuration must be a duration with a unit such as 500ms or 2s, given 500'],
      [11, 'think must be a duration (1s, 250ms, a number of seconds) or a range such as 1s..3s, given "1x"'],
    ];
    const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const [line, message] of expected) {
      expect(run.stderr, why).toMatch(new RegExp(`- ${esc(file)}:${line}:\\d+ .*${esc(message)}`));
    }
    expect(server.count()).toBe(before);
  });
});
