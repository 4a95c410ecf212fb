import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_STORE_PATH } from '../../src/store/open.js';
import { BIN, ROOT, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * The GitHub Actions workflow that docs/history.md documents (examples/ci/github-actions.yml),
 * kept honest: its structure is checked, then its jobs run here step by step as Actions would run
 * them: each `run:` script through bash with `npx squall` replaced by this build, the cache and
 * the comment script played by small stand-ins (a folder of cache entries; an in-memory pull
 * request), against real servers on 127.0.0.1. A main push, a second main push, then a pull
 * request against a server three times slower (exit 99, a regressed comment) and one against the
 * same server (exit 0, the same comment updated).
 */

const WORKFLOW_FILE = join(ROOT, 'examples', 'ci', 'github-actions.yml');
const MARKER = '<!-- squall-compare -->';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Job {
  if?: string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { push?: { branches?: string[] }; pull_request?: unknown };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** The steps that are not squall's, named by `uses:` or `name:`: skipped (the test starts its own server). */
const SKIPPED = ['actions/checkout@v4', 'actions/setup-node@v4', 'Install', 'Start the service under test'];
/** Not squall's either, but played by stand-ins: the cache and the comment. Every other step runs. */
const CACHE_RESTORE = 'actions/cache/restore@v4';
const CACHE_SAVE = 'actions/cache/save@v4';
const GITHUB_SCRIPT = 'actions/github-script@v7';

const stepKey = (s: Step) => s.uses ?? s.name ?? '(unnamed step)';
const workflowText = readFileSync(WORKFLOW_FILE, 'utf8');
const workflow = parse(workflowText) as Workflow;
const jobOn = (event: string): Job => {
  const jobs = Object.values(workflow.jobs).filter((j) => j.if === `github.event_name == '${event}'`);
  expect(jobs, `one job for ${event}`).toHaveLength(1);
  return jobs[0]!;
};
const pathsOf = (s: Step) =>
  String(s.with?.path ?? '')
    .split('\n')
    .filter(Boolean);

/** The Actions cache: entries in creation order, each a folder with the saved paths; keys immutable. */
class Cache {
  readonly entries: { key: string; dir: string }[] = [];
  constructor(private readonly root: string) {}
  restore(key: string, prefixes: string[], workspace: string, paths: string[]): string | null {
    const newest = (match: (k: string) => boolean) => this.entries.filter((e) => match(e.key)).at(-1);
    let hit = newest((k) => k === key);
    for (const p of prefixes) hit ??= newest((k) => k.startsWith(p));
    if (!hit) return null;
    for (const p of paths) {
      if (!existsSync(join(hit.dir, p))) continue;
      mkdirSync(dirname(join(workspace, p)), { recursive: true });
      copyFileSync(join(hit.dir, p), join(workspace, p));
    }
    return hit.key;
  }
  /** As actions/cache/save: a key that exists, or no file to save, is a warning and saves nothing. */
  save(key: string, workspace: string, paths: string[]): string | null {
    if (this.entries.some((e) => e.key === key)) return `cache ${key} exists`;
    if (!paths.every((p) => existsSync(join(workspace, p)))) return `nothing at ${paths.join(', ')}`;
    const dir = join(this.root, String(this.entries.length));
    for (const p of paths) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      copyFileSync(join(workspace, p), join(dir, p));
    }
    this.entries.push({ key, dir });
    return null;
  }
}

/** A pull request's comments, behind the part of Octokit the comment script calls. */
class PullRequest {
  readonly comments: { id: number; body: string }[] = [];
  creates = 0;
  updates = 0;
  constructor(readonly number: number) {}
  github() {
    const issues = {
      listComments: async () => ({ data: this.comments.map((c) => ({ ...c })) }),
      createComment: async (p: { issue_number: number; body: string }) => {
        expect(p.issue_number).toBe(this.number);
        this.creates++;
        this.comments.push({ id: 1000 + this.comments.length, body: p.body });
      },
      updateComment: async (p: { comment_id: number; body: string }) => {
        const c = this.comments.find((x) => x.id === p.comment_id);
        expect(c, `comment ${p.comment_id}`).toBeDefined();
        this.updates++;
        c!.body = p.body;
      },
    };
    return {
      paginate: async (list: (p: unknown) => Promise<{ data: unknown[] }>, params: unknown) =>
        (await list(params)).data,
      rest: { issues },
    };
  }
}

interface StepRun {
  key: string;
  code: number | null;
  output: string;
}

interface JobContext {
  workspace: string;
  runId: string;
  ref: string;
  event: 'push' | 'pull_request';
  cache: Cache;
  pr?: PullRequest;
}

/** `${{ … }}` as far as this workflow uses it; anything else fails the test rather than guessing. */
function expand(text: string, ctx: Map<string, string>): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expr: string) => {
    if (ctx.has(expr)) return ctx.get(expr)!;
    // A step output never written is empty, as on GitHub.
    if (/^steps\.[\w-]+\.outputs\.[\w-]+$/.test(expr)) return '';
    throw new Error(`the test does not know the expression \${{ ${expr} }}`);
  });
}

const expandAll = (vars: Record<string, string> | undefined, ctx: Map<string, string>) =>
  Object.fromEntries(Object.entries(vars ?? {}).map(([k, v]) => [k, expand(String(v), ctx)]));

/** A `run:` script as Actions runs it (bash -eo pipefail), with this build's squall as `npx squall`. */
function bash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  const local = script.replaceAll('npx squall', `"${process.execPath}" "${BIN}"`);
  expect(local, 'every squall call of a step is `npx squall`').not.toMatch(/(^|[\s;&|])squall\s/);
  const file = join(cwd, '..', `step-${Date.now()}-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, local);
  return new Promise((done) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => {
      output += '\n[killed: the step ran over 40 s]';
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, 40_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

/** The environment the runner gives every step, without what this machine's own env would add. */
function runnerEnv(job: JobContext, files: { output: string; summary: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(GITHUB_|RUNNER_|SQUALL_|FORCE_COLOR$|(https?|no)_proxy$)/i.test(k)) continue;
    env[k] = v;
  }
  return {
    ...env,
    NO_COLOR: '1',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: job.event,
    GITHUB_RUN_ID: job.runId,
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_REF: job.ref,
    GITHUB_WORKSPACE: job.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
  };
}

/** One job, step by step: a failed step skips the rest but `if: always()` ones, as on GitHub. */
async function runJob(job: Job, ctx: JobContext): Promise<StepRun[]> {
  const expr = new Map([
    ['github.run_id', ctx.runId],
    ['github.run_attempt', '1'],
  ]);
  const summary = join(ctx.workspace, '..', 'step-summary.md');
  const runs: StepRun[] = [];
  let failed = false;
  for (const step of job.steps) {
    const key = stepKey(step);
    if (step.if !== undefined && step.if !== 'always()')
      throw new Error(`the test does not know if: ${step.if}`);
    if (failed && step.if !== 'always()') continue;
    const env = {
      ...expandAll(workflow.env, expr),
      ...expandAll(job.env, expr),
      ...expandAll(step.env, expr),
    };
    let run: StepRun;
    if (SKIPPED.includes(key)) {
      continue;
    } else if (key === CACHE_RESTORE) {
      const hit = ctx.cache.restore(
        expand(step.with!.key!, expr),
        String(step.with!['restore-keys'] ?? '')
          .split('\n')
          .filter(Boolean)
          .map((k) => expand(k, expr)),
        ctx.workspace,
        pathsOf(step),
      );
      run = { key, code: 0, output: hit ? `restored ${hit}` : 'cache miss' };
    } else if (key === CACHE_SAVE) {
      const warning = ctx.cache.save(expand(step.with!.key!, expr), ctx.workspace, pathsOf(step));
      run = { key, code: 0, output: warning ?? 'saved' };
    } else if (key === GITHUB_SCRIPT) {
      expect(ctx.pr, 'the comment is posted on pull requests only').toBeDefined();
      const fs = {
        existsSync: (p: string) => existsSync(resolve(ctx.workspace, p)),
        readFileSync: (p: string, enc: BufferEncoding) => readFileSync(resolve(ctx.workspace, p), enc),
      };
      const requireStub = (id: string) => {
        if (id === 'fs' || id === 'node:fs') return fs;
        throw new Error(`the comment script requires ${id}`);
      };
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
        ...args: string[]
      ) => (...a: unknown[]) => Promise<unknown>;
      const script = new AsyncFunction('require', 'github', 'context', 'process', step.with!.script!);
      await script(
        requireStub,
        ctx.pr!.github(),
        { repo: { owner: 'acme', repo: 'api' }, issue: { number: ctx.pr!.number } },
        { env },
      );
      run = { key, code: 0, output: '' };
    } else if (step.run !== undefined && step.uses === undefined) {
      const output = join(ctx.workspace, '..', `output-${runs.length}`);
      writeFileSync(output, '');
      const r = await bash(expand(step.run, expr), ctx.workspace, {
        ...runnerEnv(ctx, { output, summary }),
        ...env,
      });
      for (const line of readFileSync(output, 'utf8').split('\n').filter(Boolean)) {
        expect(line, 'a one-line step output').not.toContain('<<');
        const eq = line.indexOf('=');
        if (step.id) expr.set(`steps.${step.id}.outputs.${line.slice(0, eq)}`, line.slice(eq + 1));
      }
      run = { key, ...r };
    } else {
      throw new Error(`step '${key}' is neither squall's (run:) nor one the test knows how to stand in for`);
    }
    runs.push(run);
    if (run.code !== 0) failed = true;
  }
  return runs;
}

const git = (cwd: string, ...args: string[]) =>
  new Promise<void>((done, fail) => {
    const c = spawn('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.com', ...args], {
      cwd,
      stdio: 'ignore',
    });
    c.on('close', (code) => (code === 0 ? done() : fail(new Error(`git ${args.join(' ')}: exit ${code}`))));
  });

/**
 * `actions/checkout`: a fresh git work tree holding the test file the workflow runs, aimed at `url`,
 * its load `seconds` long. Six for the baseline and a same-speed pull request: compare needs at
 * least three to resample the run's seconds, and a few more to settle a same-speed pair as
 * unchanged on a shared machine. A run nothing compares, or one three times slower, needs fewer.
 */
async function checkout(root: string, name: string, url: string, seconds = 6): Promise<string> {
  const ws = join(root, name, 'repo');
  mkdirSync(join(ws, 'perf'), { recursive: true });
  writeFileSync(
    join(ws, 'perf', 'api.yaml'),
    `target: ${url}
scenarios:
  steady:
    executor: constant-vus
    vus: 4
    duration: ${seconds}s
    users:
      - name: Reader
        flow:
          - get: /items
`,
  );
  await git(ws, 'init', '-q', '-b', 'main');
  await git(ws, 'add', '.');
  await git(ws, 'commit', '-q', '-m', 'the perf test');
  return ws;
}

const explainJob = (runs: StepRun[]) =>
  runs.map((r) => `--- ${r.key}: exit ${r.code}\n${r.output.slice(-3000)}`).join('\n');
const stepNamed = (runs: StepRun[], key: string) => runs.find((r) => r.key === key);

const dir = tempDir('squall-ci-workflow-');
const cache = new Cache(join(dir.path, 'cache'));
const pr = new PullRequest(7);
let fast: TargetServer;
let slow: TargetServer;

beforeAll(async () => {
  requireBuiltCli();
  fast = await startTarget({ delayMs: 20 });
  slow = await startTarget({ delayMs: 60 });
});
afterAll(async () => {
  await fast?.close();
  await slow?.close();
  dir.remove();
});

describe('examples/ci/github-actions.yml', () => {
  it('runs on pushes to main and on pull requests, keeps .squall/history.db in the cache, comments with a marker', () => {
    expect(workflow.on.push?.branches).toEqual(['main']);
    expect(workflow.on.pull_request).toBeDefined();
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const main = jobOn('push');
    const pull = jobOn('pull_request');
    expect(pull.permissions?.['pull-requests']).toBe('write');
    expect(main.permissions?.['pull-requests']).toBeUndefined();

    const all = [...main.steps, ...pull.steps];
    for (const s of all) {
      if (s.uses) expect([...SKIPPED, CACHE_RESTORE, CACHE_SAVE, GITHUB_SCRIPT]).toContain(s.uses);
    }
    // No stale entry in the skip list: each names a step of the workflow.
    for (const k of SKIPPED) expect(all.map(stepKey)).toContain(k);

    const cacheSteps = all.filter((s) => s.uses?.startsWith('actions/cache/'));
    expect(cacheSteps.map((s) => s.uses)).toEqual([CACHE_RESTORE, CACHE_SAVE, CACHE_RESTORE]);
    for (const s of cacheSteps) {
      expect(pathsOf(s)).toEqual([DEFAULT_STORE_PATH]);
      // A new entry per run (entries are immutable), the newest found again by its prefix.
      expect(s.with!.key).toMatch(/\$\{\{ github\.run_id \}\}/);
      const prefix = s.with!.key!.split('$')[0]!;
      if (s.uses === CACHE_RESTORE) expect(s.with!['restore-keys']).toBe(prefix);
    }
    expect(
      pull.steps.some((s) => s.uses === CACHE_SAVE),
      'a pull request saves no cache',
    ).toBe(false);
    expect(main.steps.find((s) => s.uses === CACHE_SAVE)?.if).toBe('always()');

    const script = pull.steps.find((s) => s.uses === GITHUB_SCRIPT)?.with?.script;
    expect(script).toContain(MARKER);
    expect(main.steps.some((s) => s.uses === GITHUB_SCRIPT)).toBe(false);
    // The PostgreSQL variant, shown in comments.
    expect(workflowText).toMatch(/^# +SQUALL_STORE: \$\{\{ secrets\.SQUALL_STORE \}\}$/m);
  });

  it('on main, two pushes: each keeps its run, sets the baseline and saves a new cache entry', async () => {
    // The first push's run is only kept; the second's becomes the baseline compared with.
    for (const [runId, seconds] of [
      ['101', 2],
      ['102', 6],
    ] as const) {
      const ws = await checkout(dir.path, `main-${runId}`, fast.url, seconds);
      const runs = await runJob(jobOn('push'), {
        workspace: ws,
        runId,
        ref: 'refs/heads/main',
        event: 'push',
        cache,
      });
      const why = explainJob(runs);
      expect(
        runs.every((r) => r.code === 0),
        why,
      ).toBe(true);
      expect(stepNamed(runs, CACHE_SAVE)?.output, why).toBe('saved');
      expect(stepNamed(runs, 'Load test, kept in the history')?.output, why).toMatch(
        /saved as run \d+ \(api\)/,
      );
      expect(stepNamed(runs, 'Make it the baseline')?.output, why).toMatch(/baseline 'main' is run \d+/);
      // Every `squall run` writes the job page's summary on its own.
      expect(statSync(join(ws, '..', 'step-summary.md')).size).toBeGreaterThan(0);
    }
    expect(cache.entries.map((e) => e.key)).toEqual(['squall-history-101-1', 'squall-history-102-1']);
  }, 60_000);

  it('a pull request against a server 3× slower: compare exits 99, the comment says regressed, the job fails', async () => {
    // Four seconds: three times slower is far beyond the 10 % budget in any second.
    const ws = await checkout(dir.path, 'pr-slow', slow.url, 4);
    const runs = await runJob(jobOn('pull_request'), {
      workspace: ws,
      runId: '103',
      ref: `refs/pull/${pr.number}/merge`,
      event: 'pull_request',
      cache,
      pr,
    });
    const why = explainJob(runs);
    expect(stepNamed(runs, CACHE_RESTORE)?.output, why).toBe('restored squall-history-102-1');
    expect(stepNamed(runs, 'Compare with main')?.code, why).toBe(0);
    expect(stepNamed(runs, 'Fail on a regression')?.code, why).toBe(99);
    expect(stepNamed(runs, 'Fail on a regression')?.output, why).toContain('::error::');
    const comment = readFileSync(join(ws, 'squall-comment.md'), 'utf8');
    expect(comment).toMatch(/^### ❌ squall compare: ✗ regressed: \d+ regressed/);
    expect(pr.comments.map((c) => c.body)).toEqual([`${MARKER}\n${comment}`]);
    expect(pr.creates).toBe(1);

    // The history came from main's two pushes; this run carries the pull request's facts.
    const list = await bash(
      'npx squall history list --json',
      ws,
      runnerEnv(
        { workspace: ws, runId: '103', ref: '', event: 'pull_request', cache },
        { output: join(ws, '..', 'o'), summary: join(ws, '..', 's') },
      ),
    );
    const saved = JSON.parse(list.output) as {
      meta: { ci: { runId: string; pullRequest: number | null } | null; git: { commit: string } | null };
    }[];
    expect(saved.map((r) => r.meta.ci?.runId)).toEqual(['103', '102', '101']);
    expect(saved[0]!.meta.ci?.pullRequest).toBe(pr.number);
    expect(saved[0]!.meta.git?.commit).toMatch(/^[0-9a-f]{40}$/);
    // Nothing from a pull request reaches the cache.
    expect(cache.entries).toHaveLength(2);
  }, 60_000);

  it('a pull request against the same server: compare exits 0, the same comment is updated, the job passes', async () => {
    const ws = await checkout(dir.path, 'pr-same', fast.url);
    const runs = await runJob(jobOn('pull_request'), {
      workspace: ws,
      runId: '104',
      ref: `refs/pull/${pr.number}/merge`,
      event: 'pull_request',
      cache,
      pr,
    });
    const why = explainJob(runs);
    expect(
      runs.every((r) => r.code === 0),
      why,
    ).toBe(true);
    expect(stepNamed(runs, 'Fail on a regression'), why).toBeDefined();
    const comment = readFileSync(join(ws, 'squall-comment.md'), 'utf8');
    expect(comment).toMatch(/^### .* squall compare: /);
    expect(comment).not.toContain('✗ regressed:');
    expect(pr.comments.map((c) => c.body)).toEqual([`${MARKER}\n${comment}`]);
    expect([pr.creates, pr.updates]).toEqual([1, 1]);
  }, 60_000);
});
