import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { merge, quick, run, sweep, type TestDefinition } from '../../src/index.js';
import { ROOT, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * squall as a library: a program outside the repository imports it by its package name, runs a
 * test and reads the typed result document.
 */

/** A child process, awaited: the target server runs in this process and must keep answering. */
function exec(
  file: string,
  args: string[],
  cwd: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

/** The user's program: what docs/library.md shows. */
const PROGRAM = `import { quick, type ResultDocument } from 'squall';

const url = process.argv[2] ?? '';
const result: ResultDocument = await quick({ url, duration: '2s', connections: 2 });
const p95: number | null = result.metrics.http_req_duration.p95;
// The document is typed: a field it does not have is a compile error.
// @ts-expect-error: no such field
result.metrics.http_req_duration.p95000;
console.log(JSON.stringify({ p95, requests: result.metrics.http_reqs.count, passed: result.passed }));
`;

describe('squall as a library', () => {
  let target: TargetServer;
  let dir: { path: string; remove(): void };

  beforeAll(async () => {
    requireBuiltCli();
    target = await startTarget();
    dir = tempDir('squall-library-');
    // A project outside the repo with squall installed: node_modules/squall is the package.
    mkdirSync(join(dir.path, 'node_modules', '@types'), { recursive: true });
    symlinkSync(ROOT, join(dir.path, 'node_modules', 'squall'), 'dir');
    symlinkSync(
      join(ROOT, 'node_modules', '@types', 'node'),
      join(dir.path, 'node_modules', '@types', 'node'),
      'dir',
    );
    writeFileSync(join(dir.path, 'package.json'), JSON.stringify({ name: 'user-project', type: 'module' }));
    writeFileSync(
      join(dir.path, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['bench.ts'],
      }),
    );
    writeFileSync(join(dir.path, 'bench.ts'), PROGRAM);
  });

  afterAll(async () => {
    await target?.close();
    dir?.remove();
  });

  it("a TypeScript file outside the repo imports { quick, type ResultDocument } from 'squall' and reads http_req_duration p95", async () => {
    const r = await exec(TSX, ['bench.ts', target.url], dir.path);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    // A library call writes nothing of its own: the program's line is all of stdout.
    const out = JSON.parse(r.stdout.trim()) as { p95: number; requests: number; passed: boolean };
    expect(out.requests).toBeGreaterThan(0);
    // The requests still in flight when the 2 s ended reached the server but are not counted.
    expect(out.requests).toBeLessThanOrEqual(target.count());
    expect(typeof out.p95).toBe('number');
    expect(out.p95).toBeGreaterThan(0);
    expect(out.passed).toBe(true);
    expect(r.stderr).toBe('');
  });

  it('the same file typechecks with tsc against the published types', async () => {
    const r = await exec(TSC, ['-p', 'tsconfig.json'], dir.path);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('tsc rejects a misuse of the result type, so the check above is real', async () => {
    writeFileSync(
      join(dir.path, 'wrong.ts'),
      "import type { ResultDocument } from 'squall';\nexport const n: string = ({} as ResultDocument).metrics.http_reqs.count;\n",
    );
    const wrong = await exec(
      TSC,
      [
        '--noEmit',
        '--strict',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--skipLibCheck',
        'wrong.ts',
      ],
      dir.path,
    );
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toMatch(/wrong\.ts.*Type 'number' is not assignable to type 'string'/);
  });

  it('run() runs a YAML test and returns its document, thresholds evaluated', async () => {
    const file = join(dir.path, 'api.yaml');
    writeFileSync(
      file,
      [
        `target: ${target.url}`,
        'scenarios:',
        '  main:',
        '    executor: shared-iterations',
        '    vus: 2',
        '    iterations: 6',
        '    users:',
        '      - name: Reader',
        '        flow:',
        '          - get: /health',
        'thresholds:',
        '  http_req_failed: ["rate<0.5"]',
        '',
      ].join('\n'),
    );
    const before = target.count();
    const doc = await run(file, { thresholds: ['http_reqs:count>0'] });
    expect(doc.metrics.http_reqs.count).toBe(6);
    expect(target.count() - before).toBe(6);
    expect(doc.endpoints.map((e) => e.name)).toEqual(['GET /health']);
    expect(doc.thresholds.map((t) => `${t.metric}:${t.expr}`)).toEqual([
      'http_req_failed:rate<0.5',
      'http_reqs:count>0',
    ]);
    expect(doc.passed).toBe(true);
    expect(doc.endReason).toBe('completed');
  });

  it('sweep() sweeps a URL and returns the sweep document; a bad level is a SquallError', async () => {
    const before = target.count();
    const doc = await sweep(target.url, { levels: [1, 2, 4], hold: '1s', warmup: '0s' });
    expect(doc.kind).toBe('sweep');
    expect(doc.sweep!.levels.map((l) => l.level)).toEqual([1, 2, 4]);
    expect(doc.sweep!.levels.reduce((n, l) => n + l.requests, 0)).toBe(target.count() - before);
    await expect(sweep(target.url, { levels: [4, 2] })).rejects.toThrow(/--levels "4,2" is not increasing/);
  });

  it('run() takes a test definition object, and a bad one is a SquallError naming the problem', async () => {
    const before = target.count();
    const doc = await run({
      target: target.url,
      scenarios: {
        main: {
          executor: 'per-vu-iterations',
          vus: 1,
          iterations: 3,
          users: [{ name: 'U', flow: [{ get: '/a' }] }],
        },
      },
    });
    expect(doc.metrics.http_reqs.count).toBe(3);
    expect(target.count() - before).toBe(3);
    await expect(
      // What a JavaScript caller (no type checks) could pass.
      run({
        target: target.url,
        scenarios: { main: { executor: 'no-such-executor', users: [] } },
      } as unknown as TestDefinition),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/^SQ_CONFIG/),
      message: expect.stringContaining('no-such-executor'),
    });
  });

  it('quick() with shard, then merge(): the shards add up to the whole run', async () => {
    const before = target.count();
    const shards = await Promise.all(
      ['1/2', '2/2'].map((shard) => quick({ url: target.url, requests: 101, connections: 3, shard })),
    );
    expect(shards.map((d) => d.metrics.http_reqs.count)).toEqual([51, 50]);
    const whole = await merge(shards);
    expect(whole.metrics.http_reqs.count).toBe(101);
    expect(target.count() - before).toBe(101);
    await expect(merge([shards[0]!, shards[0]!])).rejects.toMatchObject({ code: 'SQ_MERGE_MISMATCH' });
  });
});
