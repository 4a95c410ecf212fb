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
    ['a wrong schema number', (d) => (d.schema = 7), 'schema 7; this squall reads schema 1'],
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
