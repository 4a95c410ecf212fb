import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import {
  BIN,
  type CliResult,
  explain,
  hasStackTrace,
  ROOT,
  readResult,
  requireBuiltCli,
  tempDir,
} from '../helpers/run-cli.js';
import { writeTestFile } from '../helpers/run-file.js';

/**
 * The open-file limit (issue 10, item 1): a load that needs more sockets than `ulimit -n` allows
 * is refused before it starts, with how to raise the limit; and descriptors that run out during a
 * run are counted as EMFILE errors while the run ends normally with its outputs.
 */

const dir = tempDir('squall-open-files-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

/** `sh -c 'ulimit -n N; exec node bin/squall.js …'`, as the reproduction runs it. */
function runLimited(nofile: number, args: readonly string[], timeoutMs = 30_000): Promise<CliResult> {
  const child = spawn(
    'sh',
    ['-c', 'ulimit -n "$0" && exec "$@"', String(nofile), process.execPath, BIN, ...args],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', SQUALL_DEBUG: undefined, GITHUB_STEP_SUMMARY: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

describe('the open-file limit is checked before the load', () => {
  it('quick -c 1000 under ulimit -n 256: exit 2 naming -c, the limit and ulimit -n; no request sent', async () => {
    server = await startRouteServer();
    const out = join(dir.path, 'quick-refused.json');
    const run = await runLimited(256, [
      'quick',
      `${server.url}/`,
      '-c',
      '1000',
      '-d',
      '5s',
      '-o',
      `json=${out}`,
    ]);
    const why = explain(run);
    expect(run.code, why).toBe(2);
    expect(run.stderr, why).toContain('SQ_LIMIT_OPEN_FILES');
    expect(run.stderr, why).toMatch(/-c 1000 needs about \d+ open files/);
    expect(run.stderr, why).toMatch(/limit of this process is 256 \(ulimit -n\)/);
    expect(run.stderr, why).toMatch(/lower -c to \d+/);
    expect(run.stderr, why).toMatch(/ulimit -n \d+/);
    expect(hasStackTrace(run.stderr), why).toBe(false);
    expect(server.hits.length, 'requests sent before the refusal').toBe(0);
    expect(existsSync(out), 'a result for a load that never ran').toBe(false);
  });

  it('quick with -c that fits under the limit runs as usual', async () => {
    server = await startRouteServer();
    const out = join(dir.path, 'quick-fits.json');
    const run = await runLimited(256, [
      'quick',
      `${server.url}/`,
      '-c',
      '20',
      '-d',
      '300ms',
      '-q',
      '-o',
      `json=${out}`,
    ]);
    expect(run.code, explain(run)).toBe(0);
    expect(server.hits.length).toBeGreaterThan(0);
    const doc = readResult(out, run) as unknown as { errors: Array<{ kind: string }> };
    expect(doc.errors.map((e) => e.kind)).not.toContain('EMFILE');
  });

  it('run: a test whose peak VUs (constant-vus, and maxVUs of an arrival rate) exceed the limit: exit 2 before setup', async () => {
    server = await startRouteServer();
    for (const [name, scenario] of [
      ['vus.yaml', 'executor: constant-vus\n    vus: 1000\n    duration: 5s'],
      [
        'arrivals.yaml',
        'executor: constant-arrival-rate\n    rate: 10\n    duration: 5s\n    preAllocatedVUs: 5\n    maxVUs: 1000',
      ],
    ] as const) {
      const file = writeTestFile(
        dir.path,
        name,
        `target: ${server.url}
scenarios:
  s:
    ${scenario}
    users:
      - name: u
        flow: [{ get: /load }]
`,
      );
      const out = `${file}.json`;
      const run = await runLimited(256, ['run', file, '-o', `json=${out}`]);
      const why = `${name}: ${explain(run)}`;
      expect(run.code, why).toBe(2);
      expect(run.stderr, why).toContain('SQ_LIMIT_OPEN_FILES');
      expect(run.stderr, why).toMatch(/peak of 1000 VUs/);
      expect(run.stderr, why).toMatch(/limit of this process is 256 \(ulimit -n\)/);
      expect(run.stderr, why).toMatch(/lower --vus to \d+/);
      expect(hasStackTrace(run.stderr), why).toBe(false);
      expect(existsSync(out), why).toBe(false);
    }
    expect(server.hits.length, 'requests sent before the refusal').toBe(0);
  });
});

describe('descriptors that run out during a run', () => {
  it('EMFILE is a counted error kind; the run goes on, ends with exit 0 and writes its JSON', async () => {
    // The server closes every connection, so each request opens a new socket; for a while one VU
    // holds every free descriptor (its flow opens /dev/null until EMFILE), across at least one of
    // squall's once-a-second samples, then lets them go.
    server = await startRouteServer({ handler: () => ({ headers: { Connection: 'close' } }) });
    const file = writeTestFile(
      dir.path,
      'hog.ts',
      `import { closeSync, openSync } from 'node:fs';
import { defineTest } from 'squall';

export default defineTest({
  target: ${JSON.stringify(server.url)},
  scenarios: {
    s: {
      executor: 'constant-vus', vus: 2, duration: '2500ms',
      users: [{
        name: 'u',
        async run({ http, vu, sleep }) {
          if (vu.id === 1 && vu.iteration === 0) {
            const held: number[] = [];
            try {
              for (;;) held.push(openSync('/dev/null', 'r'));
            } catch {
              // EMFILE: every descriptor is taken.
            }
            setTimeout(() => { for (const fd of held) closeSync(fd); }, 1300);
          }
          await http.get('/hit');
          await sleep(0.01);
        },
      }],
    },
  },
});
`,
    );
    const out = `${file}.json`;
    const run = await runLimited(512, ['run', file, '-q', '-o', `json=${out}`]);
    const why = explain(run);
    expect(run.code, why).toBe(0);
    expect(hasStackTrace(run.stderr), why).toBe(false);
    const doc = readResult(out, run) as unknown as {
      errors: Array<{ kind: string; count: number }>;
      endReason: string;
    };
    const emfile = doc.errors.find((e) => e.kind === 'EMFILE');
    expect(emfile?.count ?? 0, `${why}\nerrors: ${JSON.stringify(doc.errors)}`).toBeGreaterThan(0);
    expect(doc.endReason).toBe('completed');
    // The load went on after the descriptors came back.
    expect(server.on('/hit').length, why).toBeGreaterThan(0);
  });
});
