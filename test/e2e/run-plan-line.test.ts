import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * `squall run` says what each scenario will do before the load starts, defaults applied (issue
 * 14): one line per scenario on stderr, the same words as the table in
 * src/config/describe-plan.test.ts.
 */

const dir = tempDir('squall-run-plan-line-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

describe('the plan line at the start of a run', () => {
  it('one line per scenario, with the defaults the user did not write, and none with -q', async () => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      'two.yaml',
      `scenarios:
  shared:
    executor: shared-iterations
    vus: 2
    iterations: 4
    users: [{ name: U, flow: [{ get: /a }] }]
  paced:
    executor: constant-arrival-rate
    rate: 4
    duration: 500ms
    preAllocatedVUs: 1
    startTime: 100ms
    users: [{ name: U, flow: [{ get: /b }] }]
`,
    );
    const { run, result, why } = await runFileOk(file, ['--host', server.url], { quiet: false });
    expect(run.code, why).toBe(0);
    expect(result.scenarios.shared, why).toMatchObject({ iterations: 4 });
    const lines = run.stderr.split('\n');
    expect(lines, why).toContain(
      '  shared: 4 iterations shared by 2 VUs (maxDuration 10m), gracefulStop 30s',
    );
    expect(lines, why).toContain(
      '  paced: 4 iterations/s for 500ms (preAllocatedVUs 1, maxVUs 1), starting at 100ms, gracefulStop 30s',
    );
    // Printed before the load: ahead of anything the run itself reports.
    expect(run.stderr.indexOf('  shared:'), why).toBeLessThan(run.stderr.indexOf('  paced:'));
    expect(run.stderr.indexOf('squall run:'), why).toBeLessThan(run.stderr.indexOf('  shared:'));

    const quiet = await runFileOk(file, ['--host', server.url]);
    expect(quiet.run.code, quiet.why).toBe(0);
    expect(quiet.run.stderr, quiet.why).not.toContain('gracefulStop');
  });
});
