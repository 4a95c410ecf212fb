import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../fixtures/services/services.js';
import { type Hit, type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { type CliResult, explain, requireBuiltCli, runCli, startCli, tempDir } from '../helpers/run-cli.js';

/**
 * Secrets in outputs (issue 10, item 4): one distinct secret planted in each place a user puts
 * one (URL password, secret headers, secret query parameters, a monitored command's arguments),
 * for `quick`, `run` (YAML and TypeScript) and `monitor`; then every output file and stream is
 * searched for each of them. The target must still receive the real values.
 */

const dir = tempDir('squall-secrets-');
let server: RouteServer;
beforeAll(async () => {
  requireBuiltCli();
  // 401 on /deny: a failed request, so errors[] and the failures CSV have rows to leak into.
  server = await startRouteServer({ handler: (hit) => (hit.path === '/deny' ? { status: 401 } : undefined) });
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

let serial = 0;
/** A secret no output may contain, named for where it was planted. */
const secret = (where: string) =>
  `sq${++serial}x${where.replace(/\W/g, '')}Zk${(serial * 7919).toString(36)}`;

/** A service for --monitor-cmd that is ready only when it got every secret it was started with. */
function writeService(): string {
  const path = join(dir.path, 'svc.mjs');
  writeFileSync(
    path,
    `import http from 'node:http';
const arg = (name) => process.argv[process.argv.indexOf(name) + 1];
const port = Number(arg('--port'));
const key = arg('--api-key');
const flagToken = process.argv.find((a) => a.startsWith('--token='))?.slice(8);
http
  .createServer((req, res) => {
    const q = new URL(req.url, 'http://x').searchParams;
    const ok = q.get('token') === process.env.WANT_READY && flagToken === process.env.WANT_FLAG &&
      key === process.env.WANT_KEY && process.env.SVC_TOKEN === process.env.WANT_ENV;
    res.statusCode = ok ? 200 : 503;
    res.end(ok ? 'ok' : 'missing a secret');
  })
  .listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`,
  );
  return path;
}

/** `--monitor-cmd`/`--cmd` and its ready URL, each carrying secrets in the usual shapes. */
async function monitoredService(prefix: string) {
  const port = await freePort();
  const s = {
    env: secret(`${prefix}-cmd-env`),
    flag: secret(`${prefix}-cmd-flag`),
    key: secret(`${prefix}-cmd-key`),
    ready: secret(`${prefix}-ready-token`),
  };
  const cmd = `SVC_TOKEN=${s.env} '${process.execPath}' '${writeService()}' --port ${port} --token=${s.flag} --api-key ${s.key}`;
  return {
    cmd,
    ready: `http://127.0.0.1:${port}/ready?token=${s.ready}`,
    // The service checks what it got against these (the test's own environment, not squall's flags).
    env: { WANT_ENV: s.env, WANT_FLAG: s.flag, WANT_KEY: s.key, WANT_READY: s.ready },
    secrets: Object.values(s),
  };
}

/** Every `-o` file output of a run into `out`, and the GitHub step summary. */
function outputFlags(out: string, kinds = ['json', 'html', 'md', 'csv', 'junit']): string[] {
  mkdirSync(out, { recursive: true });
  const path = (k: string) => join(out, k === 'csv' ? 'r' : `r.${k === 'junit' ? 'xml' : k}`);
  return kinds.flatMap((k) => ['-o', `${k}=${path(k)}`]);
}

/** The outputs of a run: each file in `out` by name, and both streams. */
function everyOutput(out: string, run: CliResult, more: Record<string, string> = {}): Record<string, string> {
  const files = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
  return { ...files, stdout: run.stdout, stderr: run.stderr, ...more };
}

/** Asserts no secret appears in any output, naming the output and the secret when one does. */
function expectNoSecret(outputs: Record<string, string>, secrets: readonly string[], run: CliResult): void {
  const leaks = Object.entries(outputs).flatMap(([name, text]) =>
    secrets.filter((s) => text.includes(s)).map((s) => `${s} in ${name}`),
  );
  expect(leaks, explain(run)).toEqual([]);
}

const headerOf = (h: Hit, name: string) => String(h.headers[name] ?? '');
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

/** Header flags for quick: every secret-named header of the issue, each with its own secret. */
function secretHeaders(prefix: string, withAuthorization: boolean) {
  const h: Record<string, string> = {
    ...(withAuthorization ? { Authorization: `Bearer ${secret(`${prefix}-authorization`)}` } : {}),
    'Proxy-Authorization': `Basic ${secret(`${prefix}-proxy-authorization`)}`,
    Cookie: `sid=${secret(`${prefix}-cookie`)}`,
    'X-Auth-Token': secret(`${prefix}-x-auth-token`),
    'X-Api-Key': secret(`${prefix}-x-api-key`),
    'X-User-Password': secret(`${prefix}-password-header`),
  };
  const secrets = Object.values(h).map((v) => v.replace(/^(Bearer|Basic) |^sid=/, ''));
  return { headers: h, secrets };
}

/** The secrets of one load run: URL password, Authorization, query token and api_key, headers. */
function plantSecrets(prefix: string) {
  const { headers, secrets } = secretHeaders(`${prefix}-headers`, false);
  const s = {
    pw: secret(`${prefix}-url-password`),
    authz: secret(`${prefix}-authorization`),
    token: secret(`${prefix}-query-token`),
    apiKey: secret(`${prefix}-query-api-key`),
  };
  return { ...s, headers, all: [...Object.values(s), ...secrets] };
}

/** Each request got the URL's credentials as Basic auth, the query secrets and every header. */
function expectReceived(hits: readonly Hit[], user: string, s: ReturnType<typeof plantSecrets>): void {
  for (const h of hits) {
    expect(headerOf(h, 'authorization')).toBe(basic(user, s.pw));
    expect(h.query).toMatchObject({ token: s.token, api_key: s.apiKey });
    for (const [k, v] of Object.entries(s.headers)) expect(headerOf(h, k.toLowerCase())).toBe(v);
  }
}

describe('squall quick', () => {
  it('records no URL password, secret header, query secret or --monitor-cmd argument, and still sends them', async () => {
    const out = join(dir.path, 'quick');
    const s = plantSecrets('quick');
    const { pw, token, apiKey, headers } = s;
    const svc = await monitoredService('quick');
    const url = `${server.url.replace('//', `//alice:${pw}@`)}/q?token=${token}&api_key=${apiKey}&page=2`;
    const before = server.hits.length;
    const run = await runCli(
      [
        'quick',
        '-n',
        '20',
        '-c',
        '2',
        ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
        '--monitor-cmd',
        svc.cmd,
        '--monitor-ready',
        svc.ready,
        '--json',
        ...outputFlags(out),
        url,
      ],
      { env: { GITHUB_STEP_SUMMARY: join(out, 'step-summary.md'), ...svc.env }, timeoutMs: 60_000 },
    );
    expect(run.code, explain(run)).toBe(0);
    // Authorization is left out here: it would take the place of the URL's credentials.
    const all = [...s.all.filter((x) => x !== s.authz), ...svc.secrets];
    const outputs = everyOutput(out, run);
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['r.json', 'r.html', 'r.md', 'r.xml', 'r_stats.csv', 'step-summary.md']),
    );
    expectNoSecret(outputs, all, run);
    // Recorded, and redacted rather than dropped: the reader still sees what ran.
    const doc = JSON.parse(run.stdout);
    expect(doc.config.url).toBe(
      `${server.url.replace('//', '//alice:[redacted]@')}/q?token=[redacted]&api_key=[redacted]&page=2`,
    );
    expect(doc.config.headers['X-Auth-Token']).toBe('[redacted]');
    expect(doc.config.monitor.cmd).toContain('--token=[redacted]');
    expect(run.stderr).toContain('alice:[redacted]@');

    // The target got the real values: the URL's credentials as Basic auth, headers, query.
    const hits = server.hits.slice(before);
    expect(hits.length).toBe(20);
    expectReceived(hits, 'alice', s);
  });

  it('keeps the Authorization header out of the summary, the dashboard and the Prometheus labels', async () => {
    const out = join(dir.path, 'quick-live');
    const { headers, secrets } = secretHeaders('live', true);
    const token = secret('live-query-token');
    const before = server.hits.length;
    const cli = startCli(
      [
        'quick',
        '-d',
        '2s',
        // A light open-model load: the dashboard and the scrape need time, not traffic.
        '-R',
        '50',
        ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
        '--ui',
        '-o',
        'prometheus=127.0.0.1:0',
        // The scrape is read during the run: no need to serve it on afterwards.
        '--prometheus-linger',
        '0',
        ...outputFlags(out),
        `${server.url}/live?token=${token}`,
      ],
      { env: { GITHUB_STEP_SUMMARY: join(out, 'step-summary.md') }, timeoutMs: 30_000 },
    );
    const dashboard = new URL((await cli.waitFor('stderr', /^dashboard: (\S+)$/m))[1]!);
    const metrics = (await cli.waitFor('stderr', /^prometheus: (\S+)$/m))[1]!;
    dashboard.pathname = '/events';
    const [events, scrape] = await Promise.all([readFor(dashboard.href, 1200), readFor(metrics, 1200)]);
    const run = await cli.result;
    expect(run.code, explain(run)).toBe(0);
    expect(events).toContain('[redacted]');
    expect(scrape).toContain('GET /live');
    expectNoSecret(
      everyOutput(out, run, { dashboard: events, prometheus: scrape }),
      [...secrets, token],
      run,
    );
    expect(run.stdout).toContain('GET /live');
    const hits = server.hits.slice(before);
    expect(hits.length).toBeGreaterThan(0);
    expect(headerOf(hits[0]!, 'authorization')).toBe(headers.Authorization);
    expect(hits[0]!.query.token).toBe(token);
  });
});

/** What a live endpoint sends within `ms` (an event stream never ends by itself). */
function readFor(url: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    const req = http.get(url, (res) => {
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(body));
    setTimeout(() => {
      req.destroy();
      resolve(body);
    }, ms);
  });
}

describe('squall run', () => {
  it('a YAML test: target password, defaults.headers, request headers and query secrets stay out', async () => {
    const out = join(dir.path, 'run-yaml');
    const s = plantSecrets('yaml');
    const { pw, authz, token, apiKey, headers } = s;
    const svc = await monitoredService('yaml');
    const file = join(dir.path, 'secret.yaml');
    writeFileSync(
      file,
      [
        `target: ${server.url.replace('//', `//bob:${pw}@`)}`,
        `defaults: { headers: ${JSON.stringify(headers)} }`,
        'vus: 1',
        'iterations: 2',
        'users:',
        '  - name: Member',
        '    flow:',
        `      - get: /yaml?token=${token}&api_key=${apiKey}`,
        '      - get: /deny',
        `        headers: { Authorization: "Bearer ${authz}" }`,
        '',
      ].join('\n'),
    );
    const before = server.hits.length;
    const run = await runCli(
      ['run', file, '--monitor-cmd', svc.cmd, '--monitor-ready', svc.ready, ...outputFlags(out)],
      { env: { GITHUB_STEP_SUMMARY: join(out, 'step-summary.md'), ...svc.env }, timeoutMs: 60_000 },
    );
    expect(run.code, explain(run)).toBe(0);
    const outputs = everyOutput(out, run);
    expectNoSecret(outputs, [...s.all, ...svc.secrets], run);
    const doc = JSON.parse(outputs['r.json']!);
    expect(doc.config.target).toBe(server.url.replace('//', '//bob:[redacted]@'));
    expect(doc.config.defaults.headers).toMatchObject({
      Cookie: '[redacted]',
      'X-User-Password': '[redacted]',
    });
    expect(doc.errors.length).toBeGreaterThan(0);

    const hits = server.hits.slice(before);
    const yaml = hits.filter((h) => h.path === '/yaml');
    const deny = hits.filter((h) => h.path === '/deny');
    expect([yaml.length, deny.length]).toEqual([2, 2]);
    expectReceived(yaml, 'bob', s);
    for (const h of deny) expect(headerOf(h, 'authorization')).toBe(`Bearer ${authz}`);
  });

  it('a TypeScript test: secrets in an absolute URL, headers and a thrown error message stay out', async () => {
    const out = join(dir.path, 'run-ts');
    const s = plantSecrets('ts');
    const { pw, authz, token, apiKey, headers } = s;
    const url = `${server.url.replace('//', `//carol:${pw}@`)}/ts?token=${token}&api_key=${apiKey}`;
    const file = join(dir.path, 'secret.ts');
    writeFileSync(
      file,
      `import { defineTest } from 'squall';

const url = ${JSON.stringify(url)};
export default defineTest({
  target: ${JSON.stringify(server.url)},
  defaults: { headers: ${JSON.stringify(headers)} },
  scenarios: {
    main: {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 2,
      users: [
        {
          name: 'Member',
          async run({ http }) {
            await http.get(url);
            const res = await http.get('/deny', { headers: { Authorization: 'Bearer ${authz}' } });
            // A script's own error that quotes the request: URL, credential and all.
            throw new Error('GET ' + url + ' with Authorization: Bearer ${authz} answered ' + res.status);
          },
        },
      ],
    },
  },
});
`,
    );
    const before = server.hits.length;
    const run = await runCli(['run', file, '--json', ...outputFlags(out)], {
      env: { GITHUB_STEP_SUMMARY: join(out, 'step-summary.md') },
    });
    expect(run.code, explain(run)).toBe(0);
    expectNoSecret(everyOutput(out, run), s.all, run);
    const doc = JSON.parse(run.stdout);
    const thrown = doc.errors.find((e: { kind: string }) => e.kind === 'exception');
    expect(thrown?.example).toContain('carol:[redacted]@');
    expect(run.stderr).toContain('iteration failed');

    const hits = server.hits.slice(before);
    const ts = hits.filter((h) => h.path === '/ts');
    expect(ts.length).toBe(2);
    expectReceived(ts, 'carol', s);
    for (const h of hits.filter((x) => x.path === '/deny')) {
      expect(headerOf(h, 'authorization')).toBe(`Bearer ${authz}`);
    }
  });
});

describe('squall monitor', () => {
  it('records and prints the command and ready URL without their secrets, and starts the service with them', async () => {
    const out = join(dir.path, 'monitor');
    const svc = await monitoredService('monitor');
    const run = await runCli(
      [
        'monitor',
        '--cmd',
        svc.cmd,
        '--ready',
        svc.ready,
        '-d',
        '1s',
        '--interval',
        '200ms',
        '--json',
        ...outputFlags(out),
      ],
      { env: { GITHUB_STEP_SUMMARY: join(out, 'step-summary.md'), ...svc.env }, timeoutMs: 30_000 },
    );
    // Ready at all means the service got every secret: it answers 503 otherwise.
    expect(run.code, explain(run)).toBe(0);
    expectNoSecret(everyOutput(out, run), svc.secrets, run);
    const doc = JSON.parse(run.stdout);
    expect(doc.config.cmd).toContain('SVC_TOKEN=[redacted]');
    expect(doc.config.cmd).toContain('--api-key [redacted]');
    expect(doc.config.ready).toContain('token=[redacted]');
    expect(run.stderr).toContain('--token=[redacted]');
  });
});
