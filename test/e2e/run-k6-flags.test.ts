import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFile, runFileOk, thresholdOf, writeTestFile } from '../helpers/run-file.js';

/**
 * The flags k6 users bring to `squall run` (issue 18): -u, -i, -s, --tag, --summary-export,
 * --http-debug, --no-thresholds, --insecure-skip-tls-verify, "did you mean", and the pointer to
 * `squall convert` for a k6 script or an Artillery file given to run.
 */

const dir = tempDir('squall-k6-flags-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const TEST = `users:
  - name: u
    flow:
      - get: /x
`;

describe('k6 flags on squall run', () => {
  it('-u 3 -i 9: the server sees 9 requests from up to 3 VUs', async () => {
    server = await startRouteServer();
    const file = writeTestFile(dir.path, 'ui.yaml', TEST);
    const { run, result, why } = await runFileOk(file, ['--host', server.url, '-u', '3', '-i', '9']);
    expect(run.code, why).toBe(0);
    expect(server.on('/x').length, why).toBe(9);
    expect(result.metrics.iterations, why).toMatchObject({ count: 9 });
    const executor = (result.config.scenarios as Array<{ executor: { vus: number; iterations: number } }>)[0]!
      .executor;
    expect(executor, why).toMatchObject({ vus: 3, iterations: 9 });
  });

  it('-s DURATION:TARGET ramps through the stages (k6 form), -s repeatable', async () => {
    server = await startRouteServer({ delayMs: 20 });
    const file = writeTestFile(dir.path, 'stages.yaml', TEST);
    const { run, result, why } = await runFileOk(file, ['--host', server.url, '-s', '1s:2', '-s', '1s:0']);
    expect(run.code, why).toBe(0);
    const executor = (result.config.scenarios as Array<{ executor: unknown }>)[0]!.executor;
    expect(executor, why).toMatchObject({
      type: 'ramping-vus',
      stages: [
        { durationMs: 1000, target: 2 },
        { durationMs: 1000, target: 0 },
      ],
    });
    expect(result.metrics.http_reqs, why).toMatchObject({ count: server.on('/x').length });
    const bad = await runCli(['run', file, '-s', '10s']);
    expect(bad.code, explain(bad)).toBe(2);
    expect(bad.stderr).toMatch(/--stage "10s" is not DURATION:TARGET/);
  });

  it('--tag team=x tags every sample: a threshold filtered on it counts every request', async () => {
    server = await startRouteServer();
    const file = writeTestFile(dir.path, 'tag.yaml', TEST);
    const { run, result, why } = await runFileOk(file, [
      '--host',
      server.url,
      '-i',
      '5',
      '--tag',
      'team=x',
      '--tag',
      'env=ci',
      '--threshold',
      'http_reqs{team:x}:count>0',
    ]);
    expect(run.code, why).toBe(0);
    expect(thresholdOf(result, 'http_reqs{team:x}', 'count>0').actual, why).toBe(server.on('/x').length);
    expect((result.config.scenarios as Array<{ tags: unknown }>)[0]!.tags).toEqual({ team: 'x', env: 'ci' });
  });

  it('--summary-export FILE writes the result document there', async () => {
    server = await startRouteServer();
    const file = writeTestFile(dir.path, 'export.yaml', TEST);
    const out = join(dir.path, 'summary.json');
    const run = await runCli(['run', file, '--host', server.url, '-i', '4', '-q', '--summary-export', out]);
    expect(run.code, explain(run)).toBe(0);
    const doc = readResult(out, run) as RunResult;
    expect(doc.metrics.http_reqs).toMatchObject({ count: server.on('/x').length });
  });

  it('--http-debug prints each request and response head to stderr', async () => {
    server = await startRouteServer({ handler: () => ({ headers: { 'x-from': 'route-server' } }) });
    const file = writeTestFile(
      dir.path,
      'debug.yaml',
      `defaults:\n  headers: { authorization: Bearer s3cret }\n${TEST}`,
    );
    const { run, why } = await runFile(file, ['--host', server.url, '-i', '2', '--http-debug']);
    expect(run.code, why).toBe(0);
    const requests = run.stderr.match(/^> GET \S+\/x$/gm) ?? [];
    expect(requests.length, why).toBe(server.on('/x').length);
    expect(run.stderr, why).toMatch(/^< 200 /m);
    expect(run.stderr, why).toMatch(/x-from: route-server/);
    expect(run.stderr, why).not.toMatch(/s3cret/);
  });

  it('--no-thresholds: a crossed threshold no longer fails the run', async () => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      'nothr.yaml',
      `thresholds:\n  http_reqs: ['count>1000000']\n${TEST}`,
    );
    const failing = await runFile(file, ['--host', server.url, '-i', '2']);
    expect(failing.run.code, failing.why).toBe(99);
    const { run, result, why } = await runFileOk(file, ['--host', server.url, '-i', '2', '--no-thresholds']);
    expect(run.code, why).toBe(0);
    expect(result.thresholds).toEqual([]);
    expect(result.passed).toBe(true);
  });

  it('--insecure-skip-tls-verify is -k', async () => {
    server = await startRouteServer();
    const file = writeTestFile(dir.path, 'insecure.yaml', TEST);
    const { run, result, why } = await runFileOk(file, [
      '--host',
      server.url,
      '-i',
      '1',
      '--insecure-skip-tls-verify',
    ]);
    expect(run.code, why).toBe(0);
    expect(result.config.insecure).toBe(true);
  });

  it('an unknown option gets "did you mean"', async () => {
    const file = writeTestFile(dir.path, 'typo.yaml', TEST);
    const run = await runCli(['run', file, '--vu', '3']);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toMatch(/unknown option '--vu'/);
    expect(run.stderr).toMatch(/Did you mean --vus\?/);
  });
});

describe('tests written for other tools point to squall convert', () => {
  it('a k6 script: exit 2 with the convert command', async () => {
    const file = writeTestFile(
      dir.path,
      'k6-script.js',
      "import http from 'k6/http';\nimport { sleep } from 'k6';\nexport default function () { http.get('http://127.0.0.1:1/'); sleep(1); }\n",
    );
    const run = await runCli(['run', file]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toMatch(
      /is a k6 script, not a squall test; convert it: squall convert \S*k6-script\.js -o \S*k6-script\.yaml/,
    );
    expect(run.stderr).not.toMatch(/install the package/);
  });

  it('an Artillery YAML: exit 2 with the convert command', async () => {
    const file = writeTestFile(
      dir.path,
      'artillery.yml',
      `config:
  target: http://127.0.0.1:1
  phases:
    - duration: 10
      arrivalRate: 5
scenarios:
  - name: browse
    flow:
      - get:
          url: /
`,
    );
    const run = await runCli(['run', file]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toMatch(
      /is an Artillery test, not a squall test; convert it: squall convert \S*artillery\.yml -o \S*artillery\.squall\.yaml/,
    );
    expect(existsSync(join(dir.path, 'artillery.squall.yaml'))).toBe(false);
    expect(readFileSync(file, 'utf8')).toMatch(/phases/);
  });
});
