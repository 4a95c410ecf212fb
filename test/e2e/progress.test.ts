import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { explain, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * The progress line on stderr of runs bounded by a count, not a time (issue 10 #20: it read
 * "100% 1s/0s", or 0% of a 10-minute maxDuration): it counts requests or iterations done of N
 * and shows the elapsed time alone. Each run takes a little over a second (one connection, a
 * server that answers after 5 ms), so that at least one progress line is written mid-run.
 */

const N = 300;
const dir = tempDir('squall-progress-');
let server: RouteServer;

beforeAll(async () => {
  requireBuiltCli();
  server = await startRouteServer({ delayMs: 5 });
});
afterAll(async () => {
  await server?.close();
  dir.remove();
});

/** The progress lines of a run's stderr (not a TTY: plain lines). */
const progressLines = (stderr: string) => stderr.split('\n').filter((l) => /\d+%|running \d/.test(l));

describe('progress of count-bounded runs', () => {
  it('quick -n N counts requests of N, with no time total', async () => {
    const run = await runCli(['quick', '-n', String(N), '-c', '1', `${server.url}/q`], { timeoutMs: 30_000 });
    const why = explain(run);
    expect(run.code, why).toBe(0);
    const lines = progressLines(run.stderr);
    expect(lines.length, why).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line, why).toMatch(new RegExp(`^\\d+% [\\d,]+/${N} reqs \\d+s  `));
      // The elapsed time alone: never `1s/0s`.
      expect(line, why).not.toMatch(/\d+s\/\d/);
    }
  });

  it('run with shared-iterations counts iterations of N, not a share of maxDuration', async () => {
    const file = writeTestFile(
      dir.path,
      'shared.yaml',
      `scenarios:
  counted:
    executor: shared-iterations
    vus: 1
    iterations: ${N}
    users:
      - name: U
        flow: [{ get: /r }]
`,
    );
    const { run, why } = await runFileOk(file, ['--host', server.url], { quiet: false });
    expect(run.code, why).toBe(0);
    expect(server.on('/r').length, why).toBe(N);
    const lines = progressLines(run.stderr);
    expect(lines.length, why).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line, why).toMatch(new RegExp(`^\\d+% [\\d,]+/${N} iterations \\d+s  `));
      expect(line, why).not.toMatch(/\d+s\/\d/);
    }
  });
});
