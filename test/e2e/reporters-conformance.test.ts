import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, ROOT, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * Every file reporter of the registry through the real CLI: `squall report` of each stored
 * result document (test/fixtures/results) with every `-o` kind, and a run's `-o markdown=` (the
 * alias the registry gives md). src/report/conformance.test.ts checks each reporter's text.
 */

const FIXTURES = join(ROOT, 'test/fixtures/results');
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
const dir = tempDir();
let server: TargetServer;

beforeAll(async () => {
  requireBuiltCli();
  server = await startTarget();
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

describe('squall report over the stored result documents', () => {
  it.each(fixtures)('%s: every -o kind writes its files, with each endpoint named', async (name) => {
    const doc = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
    const out = (ext: string) => join(dir.path, `${name}${ext}`);
    const run = await runCli([
      'report',
      join(FIXTURES, name),
      '-o',
      `json=${out('.json')}`,
      '-o',
      `html=${out('.html')}`,
      '-o',
      `csv=${out('')}`,
      '-o',
      `junit=${out('.xml')}`,
      '-o',
      `markdown=${out('.md')}`,
    ]);
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    if (run.code === 2) {
      // A document today's reader refuses (the partial one) is refused by name, never rendered half.
      expect(run.stderr, explain(run)).toMatch(/SQ_RESULT_READ/);
      expect(run.stderr).toContain(name);
      return;
    }
    expect(run.code, explain(run)).toBe(doc.passed === false ? 99 : 0);
    // A sweep's CSV is one file, a row per level, in place of Locust's three.
    const csv = doc.kind === 'sweep' ? ['_sweep.csv'] : ['_stats.csv', '_stats_history.csv', '_failures.csv'];
    const files = ['.json', '.html', ...csv, '.xml', '.md'];
    for (const f of files) {
      expect(existsSync(out(f)), f).toBe(true);
      expect(readFileSync(out(f), 'utf8').trim(), f).not.toBe('');
    }
    // The document as read: what the reader fills in on a schema-1 document (aggregation) may be added.
    expect(JSON.parse(readFileSync(out('.json'), 'utf8'))).toMatchObject(doc);
    for (const e of doc.endpoints as { name: string }[]) {
      for (const f of ['.md', '.xml', '.html']) expect(readFileSync(out(f), 'utf8'), f).toContain(e.name);
    }
  });

  it('renders the full run (several endpoints, failed thresholds, monitor) with exit 99', async () => {
    // The fixture the suite leans on must stay what it says it is.
    const full = fixtures.find((f) => f === 'run-full.json');
    expect(full).toBeDefined();
    const run = await runCli(['report', join(FIXTURES, full!)]);
    expect(run.code, explain(run)).toBe(99);
    for (const section of ['THRESHOLDS', 'CHECKS', 'CUSTOM', 'ENDPOINTS', 'TARGET PROCESS']) {
      expect(run.stdout).toContain(section);
    }
  });
});

describe('-o markdown= on a run', () => {
  it('writes the Markdown summary, as -o md= does', async () => {
    const md = join(dir.path, 'quick.md');
    const run = await runCli(['quick', '-n', '20', '-c', '2', '-o', `markdown=${md}`, server.url]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stderr).toContain(`wrote ${md}`);
    const text = readFileSync(md, 'utf8');
    expect(text.startsWith('### ')).toBe(true);
    expect(text).toContain('GET /');
  });
});
