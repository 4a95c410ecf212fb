import { execFileSync } from 'node:child_process';
import { cpus, hostname } from 'node:os';
import { basename, extname } from 'node:path';
import type { ResultDocument } from '../result/schema.js';
import { VERSION } from '../result/version.js';
import type { RunMeta } from './types.js';

/** A git call that hangs (a network filesystem, a lock) must not hold the run's end. */
const GIT_TIMEOUT_MS = 3000;

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, {
      cwd,
      timeout: GIT_TIMEOUT_MS,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** The commit, branch and dirty flag of the work tree around `cwd`; null outside one or without git. */
export function gitFacts(cwd: string): RunMeta['git'] {
  const commit = git(['rev-parse', 'HEAD'], cwd);
  if (!commit) return null;
  const branch = git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
  const status = git(['status', '--porcelain', '--untracked-files=no'], cwd);
  return {
    commit,
    // A detached HEAD (CI checks out a commit) has no branch.
    branch: branch && branch !== 'HEAD' ? branch : null,
    dirty: status !== null && status !== '',
  };
}

/** GitHub Actions' facts about the run, when the environment says it is one. */
export function ciFacts(env: NodeJS.ProcessEnv): RunMeta['ci'] {
  if (env.GITHUB_ACTIONS !== 'true') return null;
  const ref = env.GITHUB_REF || null;
  const pr = ref?.match(/^refs\/pull\/(\d+)\//);
  return {
    provider: 'github',
    runId: env.GITHUB_RUN_ID || null,
    ref,
    pullRequest: pr ? Number(pr[1]) : null,
  };
}

/** What the document ran: 'quick' | 'run' | 'bench' | 'monitor'. */
export function kindOf(doc: ResultDocument): string {
  if (doc.kind) return doc.kind;
  // Older documents carry no kind; their config names the command that wrote them.
  const command = doc.config.command;
  return command === 'quick' || command === 'monitor' || command === 'bench' ? command : 'run';
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The name a run is saved under when `--name` is not given: the test's `name` (when its config
 * carries one), else the test file's name without its extension; `METHOD URL` for quick; the
 * bench files for bench.
 */
export function defaultRunName(doc: ResultDocument): string {
  const c = doc.config;
  const kind = kindOf(doc);
  if (kind === 'quick') return `${text(c.method) ?? 'GET'} ${text(c.url) ?? ''}`.trim();
  if (kind === 'monitor') return text(c.cmd) ?? (c.pid != null ? `pid ${String(c.pid)}` : 'monitor');
  if (kind === 'bench') {
    const files = Array.isArray(c.files) ? c.files.filter((f): f is string => typeof f === 'string') : [];
    return files.length > 0 ? files.join(' ') : 'bench';
  }
  const named = text(c.name);
  if (named) return named;
  const file = text(c.file);
  if (file) return basename(file, extname(file));
  return kind;
}

export function collectRunMeta(
  run: { doc: ResultDocument; name?: string; labels?: Record<string, string> },
  ctx: { cwd: string; env: NodeJS.ProcessEnv },
): RunMeta {
  const { doc } = run;
  return {
    name: run.name || defaultRunName(doc),
    labels: { ...(run.labels ?? {}) },
    kind: kindOf(doc),
    startedAt: doc.startedAt,
    passed: typeof doc.passed === 'boolean' ? doc.passed : null,
    git: gitFacts(ctx.cwd),
    host: hostname(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    squallVersion: VERSION,
    ci: ciFacts(ctx.env),
  };
}
