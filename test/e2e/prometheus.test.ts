import net from 'node:net';
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
 * `-o prometheus=HOST:PORT` from the CLI: /metrics scraped while the load runs. To compare the
 * scrape with the server exactly, the target answers its first ANSWERED requests (/a with 200,
 * /b with 404) and then holds every later one unanswered until the test ends: once each VU or
 * connection waits on a held request, squall's counts cannot move, and the scrape must show
 * what the server answered, no more, no less.
 */

const ANSWERED = 7;
/** Longer than any test: a held request is let go only when the server closes. */
const HOLD_MS = 10 * 60_000;
const WORKERS = 3;

const dir = tempDir('squall-prometheus-');
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

/** A target that answers the first ANSWERED requests and holds the rest; counts its answers. */
async function holdingTarget(): Promise<{ server: RouteServer; answered: Map<string, number> }> {
  const answered = new Map<string, number>();
  let total = 0;
  const s = await startRouteServer({
    handler: (hit) => {
      if (total >= ANSWERED) return { delayMs: HOLD_MS };
      total++;
      answered.set(hit.path, (answered.get(hit.path) ?? 0) + 1);
      return { status: hit.path === '/b' ? 404 : 200 };
    },
  });
  return { server: s, answered };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a scrape (the exposition grammar itself is tested in prometheus-text.test.ts). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [
          k,
          v!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)),
        ]),
      );
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

const named = (all: Sample[], name: string) => all.filter((s) => s.name === name);

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return samples(await res.text());
}

/** Polls `probe` until it returns true; fails with `what` after `ms`. */
async function until(what: () => string, probe: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts squall, waits for its /metrics URL and for every worker to hang on a held request, then
 * for the scrape's request count to reach what the server answered; returns that scrape.
 */
async function scrapeWhenSettled(args: string[], answered: Map<string, number>, s: RouteServer) {
  cli = startCli(args, { timeoutMs: 45_000 });
  const p = cli;
  const url = (await p.waitFor('stderr', /prometheus: (http:\/\/127\.0\.0\.1:\d+\/metrics)/))[1]!;
  const context = () => `server saw ${s.hits.length} requests\n--- stderr ---\n${p.stderr()}`;
  await until(context, () => s.hits.length >= ANSWERED + WORKERS);
  let last: Sample[] = [];
  const total = () => named(last, 'squall_http_reqs_total').reduce((n, x) => n + x.value, 0);
  await until(
    () => `scraped ${total()} requests, server answered ${ANSWERED}\n${context()}`,
    async () => {
      last = await scrape(url);
      return total() >= ANSWERED;
    },
  );
  expect([...answered.values()].reduce((a, b) => a + b, 0)).toBe(ANSWERED);
  return { url, first: last, second: await scrape(url), p };
}

/** The scrape's counts per request name and status, as `name status` -> count. */
function requestCounts(all: Sample[]): Map<string, number> {
  return new Map(
    named(all, 'squall_http_reqs_total').map((s) => [`${s.labels.name} ${s.labels.status}`, s.value]),
  );
}

/** What the server answered, in the same shape: `GET /a 200` -> count. */
function serverCounts(answered: Map<string, number>): Map<string, number> {
  return new Map([...answered].map(([path, n]) => [`GET ${path} ${path === '/b' ? 404 : 200}`, n]));
}

describe('-o prometheus=HOST:PORT', () => {
  it('squall run: a scrape during the run counts exactly what the server answered', async () => {
    const t = await holdingTarget();
    server = t.server;
    const file = writeTestFile(
      dir.path,
      'two-paths.yaml',
      `target: ${server.url}
defaults: { timeout: 60s }
scenarios:
  s:
    executor: constant-vus
    vus: ${WORKERS}
    duration: 30s
    users:
      - name: U
        flow:
          - get: /a
          - get: /b
`,
    );
    const out = join(dir.path, 'run.json');
    const { url, first, second, p } = await scrapeWhenSettled(
      ['run', file, '-q', '-o', 'prometheus=127.0.0.1:0', '-o', `json=${out}`],
      t.answered,
      server,
    );
    const expected = serverCounts(t.answered);
    expect(t.answered.size, 'the server answered both paths').toBe(2);
    expect(requestCounts(first)).toEqual(expected);
    // Nothing moves while every VU waits: a later scrape says the same.
    expect(requestCounts(second)).toEqual(expected);

    const failed = new Map(named(first, 'squall_http_req_failed_total').map((s) => [s.labels.name, s.value]));
    expect(failed).toEqual(
      new Map([
        ['GET /a', 0],
        ['GET /b', t.answered.get('/b')],
      ]),
    );
    for (const [path, n] of t.answered) {
      const count = named(first, 'squall_http_req_duration_seconds_count').find(
        (s) => s.labels.name === `GET ${path}`,
      );
      expect(count?.value, path).toBe(n);
    }
    expect(named(first, 'squall_vus')[0]?.value).toBe(WORKERS);

    // Ctrl-C: the run ends with every output written, and the endpoint closes with it.
    p.kill('SIGINT');
    const r = await p.result;
    expect(r.code, explain(r)).toBe(130);
    const doc = readResult(out, r);
    for (const ep of doc.endpoints) {
      for (const [status, n] of Object.entries(ep.statusCodes)) {
        expect(n, `${ep.name} ${status}`).toBe(expected.get(`${ep.name} ${status}`));
      }
    }
    await expect(fetch(url)).rejects.toThrow();
  });

  it('squall quick: a scrape during the run counts exactly what the server answered', async () => {
    const t = await holdingTarget();
    server = t.server;
    const { first, second, p } = await scrapeWhenSettled(
      [
        'quick',
        '-q',
        '-c',
        String(WORKERS),
        '-d',
        '30s',
        '--timeout',
        '60s',
        '-o',
        'prometheus=127.0.0.1:0',
        `${server.url}/a`,
      ],
      t.answered,
      server,
    );
    expect(requestCounts(first)).toEqual(serverCounts(t.answered));
    expect(requestCounts(second)).toEqual(serverCounts(t.answered));
    p.kill('SIGINT');
    const r = await p.result;
    expect(r.code, explain(r)).toBe(130);
  });

  it('a value that is not HOST:PORT: exit 2 and a message naming it, before any load', async () => {
    server = await startRouteServer();
    for (const value of ['localhost', '127.0.0.1:99999', '127.0.0.1:']) {
      const r = await runCli(['quick', '-n', '3', '-o', `prometheus=${value}`, `${server.url}/a`]);
      expect(r.code, explain(r)).toBe(2);
      expect(r.stderr).toContain(`prometheus=${value}`);
      expect(r.stderr).toContain('HOST:PORT');
      expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    }
    expect(server.hits.length).toBe(0);
  });

  it('a port already in use: exit 2 and a message saying so, before any load', async () => {
    server = await startRouteServer();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const file = writeTestFile(
      dir.path,
      'one.yaml',
      `target: ${server.url}
scenarios:
  s: { executor: shared-iterations, vus: 1, iterations: 3, users: [ { name: U, flow: [ { get: /a } ] } ] }
`,
    );
    try {
      for (const args of [
        ['quick', '-n', '3', `${server.url}/a`],
        ['run', file],
      ]) {
        const r = await runCli([...args, '-o', `prometheus=127.0.0.1:${port}`]);
        expect(r.code, explain(r)).toBe(2);
        expect(r.stderr).toContain('-o prometheus=HOST:PORT');
        expect(r.stderr).toContain(`port ${port}`);
        expect(r.stderr).toContain('already in use');
        expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
      }
      expect(server.hits.length).toBe(0);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
