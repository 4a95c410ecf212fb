import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  explain,
  hasStackTrace,
  ROOT,
  readResult,
  requireBuiltCli,
  runCli,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * Result documents of schema 1, written by squall before schema 2 (test/fixtures/results, from
 * commit 0f98563), still render through `squall report` into every output; the reader fills in
 * what schema 2 says on every metric and threshold, so the renderers read the same fields.
 */

const dir = tempDir();
const FIXTURES = join(ROOT, 'test', 'fixtures', 'results');

beforeAll(() => requireBuiltCli());
afterAll(() => dir.remove());

describe('squall report of a schema-1 document', () => {
  it.each(['quick', 'run', 'monitor'])('renders schema1-%s.json into every output', async (kind) => {
    const file = join(FIXTURES, `schema1-${kind}.json`);
    const original = JSON.parse(readFileSync(file, 'utf8'));
    expect(original.schema).toBe(1);
    const out = join(dir.path, kind);
    const outputs = ['json=r.json', 'html=r.html', 'md=r.md', 'junit=r.xml', 'csv=stats'].map((o) =>
      o.replace('=', `=${out}-`),
    );
    const run = await runCli(['report', file, ...outputs.flatMap((o) => ['-o', o])]);
    expect(run.code, explain(run)).toBe(original.passed ? 0 : 99);
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    for (const name of ['r.json', 'r.html', 'r.md', 'r.xml']) {
      expect(existsSync(`${out}-${name}`), name).toBe(true);
    }
    expect(readdirSync(dir.path).some((f) => f.startsWith(`${kind}-stats`) && f.endsWith('.csv'))).toBe(true);
    // The JSON written back is the same document, with what schema 2 adds filled in.
    const again = readResult(`${out}-r.json`);
    expect(again.schema).toBe(1);
    expect(again.endpoints).toEqual(original.endpoints);
    for (const [name, m] of Object.entries(again.metrics)) {
      expect(m, name).toMatchObject({
        ...original.metrics[name],
        kind: expect.any(String),
        unit: expect.any(String),
      });
    }
    for (const t of again.thresholds) expect(t.aggregation, t.expr).toMatch(/^(p\(\d+(\.\d+)?\)|[a-z]+)$/);
    const md = readFileSync(`${out}-r.md`, 'utf8');
    expect(md.length).toBeGreaterThan(100);

    // The console summary too.
    const summary = await runCli(['report', file, '--no-color']);
    expect(summary.code, explain(summary)).toBe(original.passed ? 0 : 99);
    expect(summary.stdout.length, explain(summary)).toBeGreaterThan(50);
    for (const t of original.thresholds) expect(summary.stdout).toContain(t.expr);
  });

  it('gives the aggregation of each threshold in the summary of a schema-1 run', async () => {
    const summary = await runCli(['report', join(FIXTURES, 'schema1-run.json'), '--no-color']);
    expect(summary.stdout, explain(summary)).toMatch(/'p\(95\)<500' p\(95\)=/);
    expect(summary.stdout, explain(summary)).toMatch(/'rate<0\.9' rate=50\.00%/);
  });
});
