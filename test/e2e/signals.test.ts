import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * Interrupting a long run (SIGINT, SIGTERM) writes every requested output for the part that ran
 * and exits 130 (DESIGN.md). The runs ask for 30 s; the signal comes once progress shows, so each
 * test takes a second or two, and the 20 s limit catches a squall that ignores the signal.
 */

const dir = tempDir();
let server: TargetServer | undefined;
/** The first progress line: the load is running and has measured something. */
const PROGRESS = /reqs [\d,]+/;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

describe('interrupted runs', () => {
  // SIGINT once progress shows; SIGTERM after a fixed delay, as a supervisor would send it.
  const SIGNALS = [
    { signal: 'SIGINT', plan: { whenStderr: PROGRESS } },
    { signal: 'SIGTERM', plan: { afterMs: 1500 } },
  ] as const;

  it.each(SIGNALS)('$signal: partial result written, exit 130', async ({ signal, plan }) => {
    // A small delay keeps the closed-model loop from eating both cores while it waits.
    server = await startTarget({ delayMs: 2 });
    const out = `${dir.path}/${signal}.json`;
    const run = await runCli(['quick', '-c', '4', '-d', '30s', '-o', `json=${out}`, server.url], {
      timeoutMs: 20_000,
      signal: { name: signal, ...plan },
    });

    expect(run.code, explain(run)).toBe(130);
    const r = readResult(out, run);
    const why = explain(run);
    expect(r.endReason, why).toBe('interrupted');
    expect(r.durationSec, why).toBeLessThan(30);
    expect(r.metrics.http_reqs.count, why).toBeGreaterThan(0);
    // Requests abandoned in flight are not in the result; every counted one reached the server.
    expect(r.metrics.http_reqs.count, why).toBeLessThanOrEqual(server.count());
    expect(r.metrics.http_req_failed.fails, why).toBe(0);
    expect(run.stderr, why).toMatch(/interrupted/i);
    // The summary of the part that ran is still printed.
    expect(run.stdout, why).toContain('http_reqs');
    expect(hasStackTrace(run.stdout + run.stderr), why).toBe(false);
  });

  it('SIGINT during an open-model run with --json: the partial document on stdout, exit 130', async () => {
    server = await startTarget();
    const run = await runCli(['quick', '-R', '100', '-d', '30s', '--json', server.url], {
      timeoutMs: 20_000,
      signal: { name: 'SIGINT', whenStderr: PROGRESS },
    });
    expect(run.code, explain(run)).toBe(130);
    const r = JSON.parse(run.stdout) as ReturnType<typeof readResult>;
    expect(r.endReason, explain(run)).toBe('interrupted');
    expect(r.config.model).toBe('open');
    expect(r.metrics.http_reqs.count, explain(run)).toBeGreaterThan(0);
    expect(r.metrics.http_reqs.count, explain(run)).toBeLessThanOrEqual(server.count());
    expect(typeof (r.metrics.dropped_iterations as { count: unknown }).count).toBe('number');
  });

  it('SIGINT with a threshold that would fail still exits 130 (interrupted wins)', async () => {
    server = await startTarget({ delayMs: 2 });
    const out = `${dir.path}/int-threshold.json`;
    const run = await runCli(
      [
        'quick',
        '-c',
        '2',
        '-d',
        '30s',
        '--threshold',
        'http_reqs:count>100000000',
        '-o',
        `json=${out}`,
        server.url,
      ],
      { timeoutMs: 20_000, signal: { name: 'SIGINT', whenStderr: PROGRESS } },
    );
    expect(run.code, explain(run)).toBe(130);
    const r = readResult(out, run);
    expect(r.endReason).toBe('interrupted');
    expect(r.thresholds[0], explain(run)).toMatchObject({ ok: false });
  });
});
