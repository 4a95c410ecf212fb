import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveMessage } from '../../src/report/html/live-message.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { explain, readResult, requireBuiltCli, startCli, tempDir } from '../helpers/run-cli.js';
import { writeTestFile } from '../helpers/run-file.js';

/**
 * `--ui` from the CLI with plain HTTP requests (no browser): the dashboard may not be framed by
 * any page, its Stop needs the page's own token and a same-origin request (issue 10 #21), and
 * its Scenarios panel carries the VUs while the test runs (issue 10 #19).
 */

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The first `frame` event of /events, parsed. */
function firstFrame(url: string): Promise<{ headers: http.IncomingHttpHeaders; frame: LiveMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}events`, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const m = /event: frame\ndata: (.*)\n\n/.exec(buffer);
        if (m) {
          req.destroy();
          resolve({ headers: res.headers, frame: JSON.parse(m[1]!) as LiveMessage });
        }
      });
    });
    req.on('error', reject);
  });
}

const dir = tempDir('squall-dashboard-http-');
let server: RouteServer;

beforeAll(async () => {
  requireBuiltCli();
  server = await startRouteServer({ delayMs: 5 });
});
afterAll(async () => {
  await server?.close();
  dir.remove();
});

function expectNoFraming(r: { headers: http.IncomingHttpHeaders }, what: string): void {
  expect(r.headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
  expect(r.headers['x-frame-options'], what).toBe('DENY');
  expect(r.headers['access-control-allow-origin'], what).toBeUndefined();
}

describe('--ui dashboard over HTTP', () => {
  it('no response can be framed; Stop needs the page token from the page itself', async () => {
    const out = join(dir.path, 'quick.json');
    const cli = startCli(
      ['quick', '--ui', '-q', '-d', '30s', '-c', '1', '-o', `json=${out}`, `${server.url}/a`],
      {
        timeoutMs: 45_000,
      },
    );
    const url = (await cli.waitFor('stderr', /dashboard: (http:\/\/\S+)/))[1]!;
    const origin = new URL(url).origin;
    const stop = `${url}stop`;

    const page = await request(url);
    expect(page.status).toBe(200);
    expectNoFraming(page, 'GET /');
    const token =
      /<script type="application\/json" id="squall-live">\{"token":"([0-9a-f]{32})"\}<\/script>/.exec(
        page.body,
      )?.[1];
    expect(token, 'the page carries its token').toBeDefined();
    expectNoFraming(await firstFrame(url), 'GET /events');
    expectNoFraming(await request(`${url}nope`), '404');
    expectNoFraming(await request(url, { headers: { Host: 'attacker.example' } }), '403 Host');

    // Stop: POST only, never a CORS grant, never without the token or from another origin.
    const refused: [string, Reply][] = [
      ['GET', await request(stop)],
      [
        'OPTIONS preflight',
        await request(stop, { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } }),
      ],
      ['no token', await request(stop, { method: 'POST' })],
      ['wrong token', await request(stop, { method: 'POST', headers: { 'X-Squall-Token': 'f'.repeat(32) } })],
      [
        'token from another origin',
        await request(stop, {
          method: 'POST',
          headers: { 'X-Squall-Token': token!, Origin: 'http://evil.example' },
        }),
      ],
      [
        'token, cross-site fetch',
        await request(stop, {
          method: 'POST',
          headers: { 'X-Squall-Token': token!, 'Sec-Fetch-Site': 'cross-site' },
        }),
      ],
    ];
    for (const [what, r] of refused) {
      expect([403, 405], what).toContain(r.status);
      expectNoFraming(r, what);
    }
    // The test still runs: nothing above stopped it.
    expect(cli.child.exitCode).toBeNull();

    const ok = await request(stop, {
      method: 'POST',
      headers: { 'X-Squall-Token': token!, Origin: origin, 'Sec-Fetch-Site': 'same-origin' },
    });
    expect(ok.status).toBe(202);
    expectNoFraming(ok, 'the accepted stop');
    const run = await cli.result;
    const why = explain(run);
    expect(run.code, why).toBe(130);
    expect(readResult(out, run).endReason, why).toBe('interrupted');
  });

  it('the Scenarios panel has the VUs while the test runs, not 0', async () => {
    const file = writeTestFile(
      dir.path,
      'vus.yaml',
      `scenarios:
  steady:
    executor: constant-vus
    vus: 3
    duration: 30s
    users:
      - name: Reader
        flow: [{ get: /b }]
`,
    );
    const out = join(dir.path, 'vus.json');
    const cli = startCli(['run', file, '--ui', '-q', '--host', server.url, '-o', `json=${out}`], {
      timeoutMs: 45_000,
    });
    const url = (await cli.waitFor('stderr', /dashboard: (http:\/\/\S+)/))[1]!;
    // A frame once the VUs run (the first may come before they start).
    let scenario: NonNullable<LiveMessage['doc']['scenarios']>[string] | undefined;
    for (let i = 0; i < 50 && !(scenario && scenario.iterations > 0); i++) {
      scenario = (await firstFrame(url)).frame.doc.scenarios?.steady;
      if (!(scenario && scenario.iterations > 0)) await new Promise((r) => setTimeout(r, 100));
    }
    const token = /"token":"([0-9a-f]+)"/.exec((await request(url)).body)![1]!;
    await request(`${url}stop`, { method: 'POST', headers: { 'X-Squall-Token': token } });
    const run = await cli.result;
    const why = explain(run);
    const doc = readResult(out, run);
    expect(scenario, why).toBeDefined();
    expect(scenario!.iterations, why).toBeGreaterThan(0);
    expect(scenario!.vusMax, why).toBe(3);
    expect(scenario!.users.Reader?.vus, why).toBe(3);
    expect(doc.scenarios?.steady?.vusMax, why).toBe(3);
  });
});
