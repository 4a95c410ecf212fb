import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * `squall report <result.json>` renders a saved document again with the code a run uses: the
 * same console summary, the same files, and the document's own verdict as the exit code.
 */

const dir = tempDir();
let server: TargetServer;
/** A run whose threshold failed: its summary, document and exit code. */
let failed: { stdout: string; json: string };

beforeAll(async () => {
  requireBuiltCli();
  server = await startTarget({ status: 503 });
  const json = join(dir.path, 'failed.json');
  const run = await runCli([
    'quick',
    '-n',
    '200',
    '-c',
    '2',
    '--threshold',
    'http_req_failed:rate<0.01',
    '-o',
    `json=${json}`,
    server.url,
  ]);
  expect(run.code, explain(run)).toBe(99);
  failed = { stdout: run.stdout, json };
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

describe('squall report', () => {
  it('prints the same summary as the run did, and exits with the document verdict', async () => {
    const again = await runCli(['report', failed.json]);
    expect(again.code, explain(again)).toBe(99);
    expect(again.stdout).toBe(failed.stdout);
  });

  it('re-renders the document itself with -o json=, and prints no summary when writing files', async () => {
    const out = join(dir.path, 'again.json');
    const run = await runCli(['report', failed.json, '-o', `json=${out}`]);
    expect(run.code, explain(run)).toBe(99);
    expect(run.stdout, explain(run)).toBe('');
    expect(run.stderr, explain(run)).toContain(`wrote ${out}`);
    expect(readResult(out)).toEqual(JSON.parse(readFileSync(failed.json, 'utf8')));
  });

  it('shows service time only where it differs from the duration: the open model', async () => {
    // Closed model: service time is the duration itself, so one row says it.
    expect(failed.stdout).toContain('http_req_duration');
    expect(failed.stdout).not.toContain('http_req_service_duration');
    const open = await runCli(['quick', '-R', '200', '-n', '100', server.url]);
    expect(open.stdout, explain(open)).toContain('http_req_service_duration');
  });

  it('exits 0 for a document that passed', async () => {
    const doc = JSON.parse(readFileSync(failed.json, 'utf8'));
    const passed = join(dir.path, 'passed.json');
    writeFileSync(passed, JSON.stringify({ ...doc, passed: true, thresholds: [] }));
    const run = await runCli(['report', passed, '--json']);
    expect(run.code, explain(run)).toBe(0);
    expect(JSON.parse(run.stdout).passed).toBe(true);
  });

  const bad: Array<[string, string | null, RegExp]> = [
    ['a missing file', null, /cannot read .*missing\.json: no such file/],
    ['a file that is not JSON', '{\n  "tool": "squall",\n  oops\n}', /is not JSON.*\n.*:3:\d+/],
    ['JSON that is not a result', '{"name": "package"}', /not a squall result document/],
    [
      'a result of another schema',
      '{"tool": "squall", "schema": 3}',
      /schema 3; this squall reads schemas 1 and 2/,
    ],
    ['a result without metrics', '{"tool": "squall", "schema": 1}', /without its "metrics" and "endpoints"/],
  ];
  it.each(bad)('rejects %s with exit 2 and a message naming the file', async (_what, text, message) => {
    const file = join(dir.path, text === null ? 'missing.json' : `bad-${Math.random()}.json`);
    if (text !== null) writeFileSync(file, text);
    const run = await runCli(['report', file]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toMatch(/^error SQ_RESULT_READ: /);
    expect(run.stderr, explain(run)).toMatch(message);
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
  });

  it('rejects an output kind it cannot render, naming the kinds it can', async () => {
    const run = await runCli(['report', failed.json, '-o', 'prometheus=127.0.0.1:9464']);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toContain('unknown output kind "prometheus"');
    expect(run.stderr, explain(run)).toContain('available: json, html, csv, junit, md');
  });
});
