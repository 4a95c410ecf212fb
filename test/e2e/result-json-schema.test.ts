import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildResult } from '../../src/result/build-result.js';
import { firstResultProblem } from '../../src/result/validate.js';
import { explain, ROOT, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * The package publishes the result document's schema as JSON Schema (`squall/result-schema.json`,
 * made by the build from the zod schema squall reads with): documents written by `quick` and
 * `run` validate against it with a real JSON Schema validator, and what is not a document fails.
 */

const dir = tempDir();
let server: TargetServer;
let validate: ReturnType<Ajv2020['compile']>;

beforeAll(async () => {
  requireBuiltCli();
  server = await startTarget();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const published = pkg.exports['./result-schema.json'];
  expect(published).toBe('./dist/result-schema.json');
  const schema = JSON.parse(readFileSync(join(ROOT, published), 'utf8'));
  validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

function expectValid(doc: unknown, why = ''): void {
  const ok = validate(doc);
  expect(ok, `${JSON.stringify(validate.errors, null, 2)}\n${why}`).toBe(true);
}

describe('the published JSON Schema', () => {
  it('validates a schema-2 document written by squall quick', async () => {
    const out = join(dir.path, 'quick.json');
    const run = await runCli([
      'quick',
      '-c',
      '2',
      '-n',
      '40',
      '--threshold',
      'http_req_duration:p(95)<10000',
      '-o',
      `json=${out}`,
      server.url,
    ]);
    expect(run.code, explain(run)).toBe(0);
    const doc = readResult(out, run);
    expect(doc.schema).toBe(2);
    expect(doc.thresholds[0]?.aggregation).toBe('p(95)');
    expectValid(doc, explain(run));
  });

  it('validates a shard document (--shard) and the document squall merge makes of it', async () => {
    const out = join(dir.path, 'shard.json');
    const run = await runCli([
      'quick',
      '-c',
      '2',
      '-n',
      '40',
      '--shard',
      '1/2',
      '--threshold',
      'http_req_duration{name:GET /}:p(95)<10000',
      '-o',
      `json=${out}`,
      server.url,
    ]);
    expect(run.code, explain(run)).toBe(0);
    const doc = readResult(out, run);
    expect(doc.shard?.sources['http_req_duration{name:GET /}']?.kind).toBe('trend');
    expect(doc.timeline[0]?.histogram).toMatch(/^HIST/);
    expectValid(doc, explain(run));
    const merged = await runCli(['merge', out, '--json']);
    expect(merged.code, explain(merged)).toBe(0);
    expectValid(JSON.parse(merged.stdout), explain(merged));
  });

  it('validates a schema-2 document written by squall run, with custom metrics and checks', async () => {
    const file = writeTestFile(
      dir.path,
      'schema.ts',
      `import { defineTest, Trend } from 'squall';
const wait = new Trend('schema_wait', true);
export default defineTest({
  target: '${server.url}',
  scenarios: { s: { executor: 'shared-iterations', vus: 2, iterations: 10, users: [{ name: 'U', async run({ http, check }) {
    const res = await http.get('/a');
    wait.add(3);
    check(res, { ok: (r) => r.status === 200 });
  } }] } },
  thresholds: { checks: ['rate>0.5'] },
});
`,
    );
    const { result, why } = await runFileOk(file);
    expect(result.schema).toBe(2);
    expect(result.metrics.schema_wait).toMatchObject({
      kind: 'trend',
      unit: 'ms',
      histogram: expect.any(String),
    });
    expect(result.metrics.iteration_duration).toMatchObject({ histogram: expect.any(String) });
    expect(result.thresholds[0]?.aggregation).toBe('rate');
    expectValid(result, why);
  });

  it('validates the schema-1 documents squall still reads', () => {
    for (const kind of ['quick', 'run', 'monitor']) {
      expectValid(
        JSON.parse(readFileSync(join(ROOT, 'test/fixtures/results', `schema1-${kind}.json`), 'utf8')),
      );
    }
  });

  it('validates a bench document (kind "bench"), as buildResult makes it and as stored', () => {
    const stored = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/results/bench.json'), 'utf8'));
    expectValid(stored);
    const built = buildResult({
      kind: 'bench',
      startedAt: new Date('2026-01-01T00:00:00Z'),
      endedAt: new Date('2026-01-01T00:00:02Z'),
      endReason: 'completed',
      config: { command: 'bench', files: ['a.bench.ts'], filter: null, timeMs: null },
      warnings: [],
      bench: stored.bench,
    });
    expect(built.kind).toBe('bench');
    // The fixture has a failed budget, speedup and complexity check and a bench that threw.
    expect(built.passed).toBe(false);
    expectValid(JSON.parse(JSON.stringify(built)));
    const bad = structuredClone(stored);
    bad.bench.benches[0].stats.median = 'fast';
    expect(validate(bad)).toBe(false);
    expect(firstResultProblem(bad)).toBe(
      'bench.benches[0].stats.median: expected a number, got the string "fast"',
    );
  });

  it('refuses what is not a squall result', () => {
    const doc = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/results/schema1-quick.json'), 'utf8'));
    expect(validate({ name: 'package' })).toBe(false);
    expect(validate({ ...doc, tool: 'k6' })).toBe(false);
    expect(validate({ ...doc, schema: 3 })).toBe(false);
    expect(validate({ ...doc, endpoints: [{ ...doc.endpoints[0], histogram: 12 }] })).toBe(false);
    // Fields it does not know are fine: later versions add them.
    expect(validate({ ...doc, somethingNew: { a: 1 } })).toBe(true);
  });
});
