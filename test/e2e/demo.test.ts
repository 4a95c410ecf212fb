import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  explain,
  hasStackTrace,
  readResult,
  requireBuiltCli,
  runCli,
  startCli,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * The first thing a new user runs: `squall demo` starts the built-in API, loads it, reports and
 * stops it; `squall serve-demo` runs the API alone until it is told to stop.
 */

const dir = tempDir();

beforeAll(requireBuiltCli);
afterAll(() => dir.remove());

/** Whether anything answers at `url` (a stopped server refuses the connection). */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

describe('squall demo', () => {
  it('runs end to end: summary with the endpoints, a result with no failures, passed', async () => {
    const out = join(dir.path, 'demo.json');
    // cwd in a temp dir: the demo must not write its default result when -o json= is given.
    const run = await runCli(['demo', '-d', '3s', '-o', `json=${out}`], { cwd: dir.path, timeoutMs: 30_000 });
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    const why = `endpoints: ${JSON.stringify(r.endpoints)}\nthresholds: ${JSON.stringify(r.thresholds)}\n${explain(run)}`;

    expect(r.endpoints.length, why).toBeGreaterThanOrEqual(3);
    for (const ep of r.endpoints) {
      expect(ep.count, why).toBeGreaterThan(0);
      expect(ep.failures, why).toBe(0);
      // The summary shows every endpoint by name.
      expect(run.stdout, why).toContain(ep.name);
    }
    expect(r.metrics.http_req_failed.fails, why).toBe(0);
    expect(r.errors, why).toEqual([]);
    expect(r.thresholds.length, why).toBeGreaterThan(0);
    expect(
      r.thresholds.every((t) => t.ok),
      why,
    ).toBe(true);
    expect(r.passed, why).toBe(true);
    expect(r.endReason).toBe('completed');
    expect(existsSync(join(dir.path, '.squall', 'demo-result.json')), why).toBe(false);
    expect(hasStackTrace(run.stdout + run.stderr), why).toBe(false);

    // The demo API it started is stopped again.
    const api = /demo API is up at (http:\/\/\S+)/.exec(run.stderr)?.[1];
    expect(api, why).toBeDefined();
    expect(await answers(`${api}/health`), why).toBe(false);
  });

  it('without -o writes its result and an HTML report to .squall/ in the working directory', async () => {
    const cwd = join(dir.path, 'default-out');
    mkdirSync(cwd);
    const run = await runCli(['demo', '-d', '1s', '-q'], { cwd, timeoutMs: 30_000 });
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(join(cwd, '.squall', 'demo-result.json'), run);
    expect(r.config.command).toBe('demo');
    expect(r.metrics.http_reqs.count, explain(run)).toBeGreaterThan(0);
    // The report embeds this very document (the browser tests check how it renders).
    const html = readFileSync(join(cwd, '.squall', 'demo-report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain(JSON.stringify(r.startedAt));
  });
});

describe('squall serve-demo', () => {
  it('--port 0 prints its URL, answers /health, and stops on SIGTERM', async () => {
    const p = startCli(['serve-demo', '--port', '0'], { timeoutMs: 30_000 });
    const url = (await p.waitFor('stdout', /listening on (http:\/\/\S+)/))[1]!;
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });

    p.kill('SIGTERM');
    const run = await p.result;
    expect(run.timedOut, explain(run)).toBe(false);
    expect(run.code, explain(run)).toBe(0);
    expect(await answers(`${url}/health`), explain(run)).toBe(false);
    expect(hasStackTrace(run.stdout + run.stderr), explain(run)).toBe(false);
  });

  // `kill -INT PID` (a supervisor, a script, `timeout -s INT`) reaches squall alone, not its child:
  // serve-demo swallows SIGINT, expecting the terminal to deliver it to the API too, so it never stops.
  it('stops on a SIGINT sent to its own pid', async () => {
    const p = startCli(['serve-demo', '--port', '0'], { timeoutMs: 5000 });
    const url = (await p.waitFor('stdout', /listening on (http:\/\/\S+)/))[1]!;
    p.kill('SIGINT');
    const run = await p.result;
    expect(run.timedOut, `serve-demo was still running 5 s after SIGINT\n${explain(run)}`).toBe(false);
    expect([0, 130], explain(run)).toContain(run.code);
    expect(await answers(`${url}/health`), explain(run)).toBe(false);
  });
});
