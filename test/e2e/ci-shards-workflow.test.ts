import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, ROOT, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * The GitHub Actions matrix workflow of docs/scale.md (examples/ci/github-actions-shards.yml),
 * kept honest: its structure is checked, then its `run:` scripts run here as Actions runs them
 * (bash -eo pipefail, `npx squall` replaced by this build, the `${{ … }}` expressions by their
 * values, the artifacts by a folder): the four shards at once against a real server on
 * 127.0.0.1, then the merge, with a threshold that only the merged run fails.
 */

const WORKFLOW_FILE = join(ROOT, 'examples', 'ci', 'github-actions-shards.yml');
/** An Actions expression, as the workflow writes it. */
const expr = (inner: string) => ['$', `{{ ${inner} }}`].join('');

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  outputs?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix: { shard: number[] } };
  steps: Step[];
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(readFileSync(WORKFLOW_FILE, 'utf8')) as Workflow;
const dir = tempDir('squall-shards-workflow-');

/** A step of a job, by its name, its `uses:` or its id. */
function step(job: string, key: string): Step {
  const found = workflow.jobs[job]!.steps.find(
    (s) => s.name?.startsWith(key) || s.uses === key || s.id === key,
  );
  if (!found) throw new Error(`no step ${key} in job ${job}`);
  return found;
}

/** A `run:` script as Actions runs it: the expressions given, squall this build. */
function script(text: string, values: Record<string, string>): string {
  let out = text.replaceAll('npx squall', `"${process.execPath}" "${BIN}"`);
  for (const [inner, value] of Object.entries(values)) out = out.replaceAll(expr(inner), value);
  expect(out, 'every expression has a value').not.toContain(expr('').slice(0, 3));
  return out;
}

/** Runs a script with Actions' shell, and returns its exit code, output and $GITHUB_OUTPUT. */
function runStep(
  text: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; outputs: Record<string, string> }> {
  const outputFile = join(cwd, `github-output-${Math.random().toString(36).slice(2)}`);
  writeFileSync(outputFile, '');
  return new Promise((done) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', text], {
      cwd,
      env: {
        ...process.env,
        ...env,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: join(cwd, 'step-summary.md'),
      },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => {
      const outputs = Object.fromEntries(
        readFileSync(outputFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      done({ code, out, outputs });
    });
  });
}

let target: TargetServer;
beforeAll(async () => {
  requireBuiltCli();
  target = await startTarget();
});
afterAll(async () => {
  await target.close();
  dir.remove();
});

describe('examples/ci/github-actions-shards.yml', () => {
  it('is a matrix of four shards between a start time and a merge', () => {
    expect(workflow.jobs.shard!.strategy!.matrix.shard).toEqual([1, 2, 3, 4]);
    expect(workflow.jobs.shard!.strategy!['fail-fast']).toBe(false);
    expect(workflow.jobs.shard!.needs).toBe('start');
    expect(workflow.jobs.merge!.needs).toBe('shard');
    expect(step('shard', 'actions/upload-artifact@v4').with).toMatchObject({
      name: `squall-shard-${expr('matrix.shard')}`,
      path: `shard-${expr('matrix.shard')}.json`,
    });
    expect(step('merge', 'actions/download-artifact@v4').with).toMatchObject({
      pattern: 'squall-shard-*',
      'merge-multiple': true,
      path: 'shards',
    });
  });

  it('picks a start time about two minutes ahead', async () => {
    const r = await runStep(step('start', 'at').run!, dir.path, {});
    expect(r.code, r.out).toBe(0);
    const ahead = Date.parse(r.outputs.at!) - Date.now();
    expect(ahead).toBeGreaterThan(60_000);
    expect(ahead).toBeLessThanOrEqual(120_000);
  });

  it('runs four shards that pass alone, whose merge fails the threshold the whole run fails', async () => {
    const work = join(dir.path, 'repo');
    mkdirSync(join(work, 'perf'), { recursive: true });
    // 40 iterations of one request: 10 a shard, under the budget; 40 merged, over it. A VU for
    // each shard.
    writeFileSync(
      join(work, 'perf', 'api.yaml'),
      [
        'target: http://127.0.0.1:1',
        'scenarios:',
        '  shared:',
        '    executor: shared-iterations',
        '    vus: 4',
        '    iterations: 40',
        '    users: [ { name: Reader, flow: [ { get: /items } ] } ]',
        'thresholds:',
        '  http_reqs: ["count<30"]',
        '',
      ].join('\n'),
    );
    // The repository variable the workflow reads as SQUALL_HOST: the server here.
    const env = { SQUALL_HOST: target.url };
    expect(workflow.env?.SQUALL_HOST).toBe(expr('vars.SQUALL_HOST'));
    // A few seconds ahead, in the start job's format (date -u +%Y-%m-%dT%H:%M:%SZ).
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000).toISOString().replace('.000Z', 'Z');
    const load = step('shard', 'Load test').run!;
    const shards = await Promise.all(
      workflow.jobs.shard!.strategy!.matrix.shard.map((n) =>
        runStep(script(load, { 'matrix.shard': String(n), 'needs.start.outputs.at': at }), work, env),
      ),
    );
    for (const r of shards) expect(r.code, r.out).toBe(0);

    // The artifacts, downloaded into one folder.
    const merge = join(dir.path, 'merge');
    mkdirSync(join(merge, 'shards'), { recursive: true });
    for (const n of workflow.jobs.shard!.strategy!.matrix.shard) {
      copyFileSync(join(work, `shard-${n}.json`), join(merge, 'shards', `shard-${n}.json`));
    }
    const merged = await runStep(script(step('merge', 'Merge and judge').run!, {}), merge, env);
    expect(merged.code, merged.out).toBe(0);
    expect(merged.outputs.code).toBe('99');
    const doc = JSON.parse(readFileSync(join(merge, 'merged.json'), 'utf8')) as {
      metrics: { http_reqs: { count: number } };
      passed: boolean;
    };
    expect(doc.metrics.http_reqs.count).toBe(target.count());
    expect(doc.passed).toBe(false);
    expect(readFileSync(join(merge, 'summary.md'), 'utf8')).toMatch(/squall failed/);

    const fail = await runStep(script(step('merge', 'Fail on a threshold').run!, {}), merge, {
      CODE: merged.outputs.code!,
    });
    expect(fail.code).toBe(99);
    expect(fail.out).toMatch(/::error::squall merge: a threshold failed/);
  });
});
