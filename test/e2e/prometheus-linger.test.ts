import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import {
  type CliProcess,
  explain,
  hasStackTrace,
  readResult,
  requireBuiltCli,
  runCli,
  startCli,
  tempDir,
} from '../helpers/run-cli.js';
import { writeTestFile } from '../helpers/run-file.js';

/**
 * `--prometheus-linger`: once the run is over and every output is written, `/metrics` keeps
 * serving the final figures for a while, so the last scrape can read them (issue 11, item 15:
 * the endpoint used to close with the run, and the last scrape saw 1,238 of 1,249 requests).
 */

const dir = tempDir('squall-linger-');
let server: RouteServer | undefined;
let cli: CliProcess | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  cli?.kill('SIGKILL');
  cli = undefined;
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const LINGER_LINE = /serving final metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics) for (\S+); Ctrl-C to stop/;

/** The sum of a counter's samples in a text-format scrape. */
async function scrapedTotal(url: string, name: string): Promise<number> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  let total = 0;
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{.*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) total += Number(m[2]);
  }
  return total;
}

const portClosed = (url: string) =>
  fetch(url).then(
    () => false,
    () => true,
  );

describe('--prometheus-linger', () => {
  it('quick -n 500 --prometheus-linger 3s: after the outputs are written, a scrape reads the final count; then the port closes', async () => {
    server = await startRouteServer();
    const json = join(dir.path, 'quick.json');
    const html = join(dir.path, 'quick.html');
    cli = startCli([
      'quick',
      '-n',
      '500',
      '-c',
      '4',
      '-o',
      'prometheus=127.0.0.1:0',
      '--prometheus-linger',
      '3s',
      '-o',
      `json=${json}`,
      '-o',
      `html=${html}`,
      `${server.url}/x`,
    ]);
    const m = await cli.waitFor('stderr', LINGER_LINE);
    const url = m[1]!;
    expect(m[2]).toBe('3s');
    // Every other output is already there: a CI job reading files is not held up by the linger.
    expect(existsSync(json) && existsSync(html), cli.stderr()).toBe(true);
    expect(cli.stderr().indexOf(`wrote ${json}`)).toBeGreaterThanOrEqual(0);
    expect(cli.stderr().indexOf(`wrote ${json}`)).toBeLessThan(m.index);
    expect(cli.stdout()).toContain('http_reqs');
    expect(server.hits.length).toBe(500);
    expect(await scrapedTotal(url, 'squall_http_reqs_total')).toBe(server.hits.length);
    expect(await scrapedTotal(url, 'squall_http_req_duration_seconds_count')).toBe(server.hits.length);
    const r = await cli.result;
    expect(r.code, explain(r)).toBe(0);
    expect(readResult(json, r).endpoints[0]!.count).toBe(server.hits.length);
    expect(await portClosed(url)).toBe(true);
  });

  it('Ctrl-C during the linger ends it with the run exit code (0), not 130; the default linger is 15s', async () => {
    server = await startRouteServer();
    const r = await runCli(['quick', '-n', '20', '-o', 'prometheus=127.0.0.1:0', `${server.url}/x`], {
      signal: { name: 'SIGINT', whenStderr: LINGER_LINE },
    });
    expect(r.code, explain(r)).toBe(0);
    expect(LINGER_LINE.exec(r.stderr)?.[2], explain(r)).toBe('15s');
    expect(r.stderr).not.toContain('interrupted');
  });

  it('squall run: a failed threshold exits 99 after the linger, and SIGTERM during it keeps 99', async () => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      'fail.yaml',
      `target: ${server.url}
thresholds:
  http_reqs: ['count>1000000']
scenarios:
  s: { executor: shared-iterations, vus: 2, iterations: 30, users: [ { name: U, flow: [ { get: /a } ] } ] }
`,
    );
    cli = startCli(['run', file, '-o', 'prometheus=127.0.0.1:0', '--prometheus-linger', '10m']);
    const url = (await cli.waitFor('stderr', LINGER_LINE))[1]!;
    expect(await scrapedTotal(url, 'squall_http_reqs_total')).toBe(server.hits.length);
    expect(server.hits.length).toBe(30);
    cli.kill('SIGTERM');
    const r = await cli.result;
    expect(r.code, explain(r)).toBe(99);
    expect(await portClosed(url)).toBe(true);
  });

  it('--prometheus-linger 0: no linger, the process exits as soon as the run is written', async () => {
    server = await startRouteServer();
    const r = await runCli([
      'quick',
      '-n',
      '20',
      '-o',
      'prometheus=127.0.0.1:0',
      '--prometheus-linger',
      '0',
      `${server.url}/x`,
    ]);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr, explain(r)).toMatch(/prometheus: http:/);
    expect(r.stderr).not.toContain('serving final metrics');
  });

  it('an interrupted run does not linger: Ctrl-C ends it (exit 130) and the endpoint closes', async () => {
    server = await startRouteServer();
    const r = await runCli(
      ['quick', '-d', '30s', '-R', '20', '-o', 'prometheus=127.0.0.1:0', `${server.url}/x`],
      {
        signal: { name: 'SIGINT', whenStderr: /prometheus: http:/, afterMs: 300 },
      },
    );
    expect(r.code, explain(r)).toBe(130);
    expect(r.stderr).not.toContain('serving final metrics');
    expect(await portClosed(/prometheus: (\S+)/.exec(r.stderr)![1]!)).toBe(true);
  });

  it('a bad value, or the flag without -o prometheus=HOST:PORT: exit 2 before any load', async () => {
    server = await startRouteServer();
    for (const [args, says] of [
      [['-o', 'prometheus=127.0.0.1:0', '--prometheus-linger', 'soon'], '--prometheus-linger "soon"'],
      [['--prometheus-linger', '5s'], 'applies to -o prometheus=HOST:PORT'],
      [
        ['-o', 'prometheus-rw=http://127.0.0.1:9/w', '--prometheus-linger', '5s'],
        'applies to -o prometheus=HOST:PORT',
      ],
    ] as const) {
      const r = await runCli(['quick', '-n', '3', ...args, `${server.url}/x`]);
      expect(r.code, explain(r)).toBe(2);
      expect(r.stderr, explain(r)).toContain(says);
      expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    }
    expect(server.hits.length).toBe(0);
  });
});
