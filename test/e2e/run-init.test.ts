import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliProcess,
  explain,
  hasStackTrace,
  requireBuiltCli,
  runCli,
  startCli,
  tempDir,
} from '../helpers/run-cli.js';
import { runFileOk } from '../helpers/run-file.js';

/**
 * `squall init` and `squall init --yaml` write starter tests that run as they are against
 * `squall serve-demo`: only --host (the demo's ephemeral port) and --duration (seconds, not the
 * starter's 30) are given on the command line, as a user trying it out would.
 */

const dir = tempDir('squall-run-init-');
let demo: CliProcess | undefined;
let demoUrl = '';

beforeAll(async () => {
  requireBuiltCli();
  demo = startCli(['serve-demo', '--port', '0'], { timeoutMs: 120_000 });
  demoUrl = (await demo.waitFor('stdout', /listening on (http:\/\/\S+)/))[1]!;
});
afterAll(async () => {
  demo?.kill('SIGTERM');
  await demo?.result;
  dir.remove();
});

describe('squall init', () => {
  it.each([
    { flags: [] as string[], file: 'load-test.ts' },
    { flags: ['--yaml'], file: 'load-test.yaml' },
  ])('init $flags writes $file, which runs against serve-demo and passes', async ({ flags, file }) => {
    const made = await runCli(['init', ...flags], { cwd: dir.path });
    expect(made.code, explain(made)).toBe(0);
    const path = join(dir.path, file);
    expect(existsSync(path), explain(made)).toBe(true);
    // It explains itself: comments on what to run and where the docs are.
    expect(readFileSync(path, 'utf8')).toMatch(/serve-demo/);

    const {
      run,
      result: r,
      why,
    } = await runFileOk(path, ['--host', demoUrl, '--duration', '2s'], {
      cwd: dir.path,
    });
    const ctx = `${why}\nendpoints ${JSON.stringify(r.endpoints)}\nthresholds ${JSON.stringify(r.thresholds)}`;
    expect(run.code, ctx).toBe(0);
    expect(r.passed, ctx).toBe(true);
    expect(r.thresholds.length, ctx).toBeGreaterThan(0);
    expect(r.metrics.http_reqs.count, ctx).toBeGreaterThan(0);
    expect(r.metrics.http_req_failed.fails, ctx).toBe(0);
    expect(r.errors, ctx).toEqual([]);
    expect(
      r.checks.every((c) => c.fails === 0 && c.passes > 0),
      ctx,
    ).toBe(true);
    // Both user types ran: the starter shows weighted users.
    const users = Object.values(r.scenarios).flatMap((s) => Object.values(s.users));
    expect(users.length, ctx).toBeGreaterThanOrEqual(2);
    for (const u of users) expect(u.iterations, ctx).toBeGreaterThan(0);
    expect(hasStackTrace(run.stdout + run.stderr), ctx).toBe(false);

    // A second init does not overwrite the user's file.
    const again = await runCli(['init', ...flags], { cwd: dir.path });
    expect(again.code, explain(again)).toBe(2);
    expect(again.stderr, explain(again)).toMatch(/exists/);
    expect(hasStackTrace(again.stderr), explain(again)).toBe(false);
  });
});
