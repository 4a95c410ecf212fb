import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../result/schema.js';
import { VERSION } from '../result/version.js';
import { ciFacts, collectRunMeta, defaultRunName, gitFacts } from './run-meta.js';

const fixture = (name: string): ResultDocument =>
  JSON.parse(
    readFileSync(new URL(`../../test/fixtures/results/${name}.json`, import.meta.url), 'utf8'),
  ) as ResultDocument;
const root = mkdtempSync(join(tmpdir(), 'squall-run-meta-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('run meta', () => {
  it('names a run by its test file, quick by METHOD URL, bench by its files, monitor by its command', () => {
    expect(defaultRunName(fixture('run-full'))).toBe('full');
    expect(defaultRunName(fixture('quick-open-model'))).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/prompts\/1$/,
    );
    expect(defaultRunName(fixture('bench'))).toBe(
      'bench/cache.bench.ts bench/ops.bench.ts bench/config.bench.ts',
    );
    expect(defaultRunName(fixture('monitor-died'))).toBe('sleep 1.5');
    const named = fixture('run-full');
    named.config = { ...named.config, name: 'checkout flow' };
    expect(defaultRunName(named)).toBe('checkout flow');
  });

  it('reads the commit, branch and dirty flag of a work tree, and null outside one', () => {
    const repo = join(root, 'repo');
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        cwd: repo,
        encoding: 'utf8',
      });
    execFileSync('git', ['init', '-q', '-b', 'trunk', repo]);
    writeFileSync(join(repo, 'a.txt'), 'one\n');
    git('add', 'a.txt');
    git('commit', '-qm', 'first');
    const head = git('rev-parse', 'HEAD').trim();
    expect(gitFacts(repo)).toEqual({ commit: head, branch: 'trunk', dirty: false });
    writeFileSync(join(repo, 'a.txt'), 'two\n');
    expect(gitFacts(repo)).toEqual({ commit: head, branch: 'trunk', dirty: true });
    git('checkout', '-q', '--detach');
    expect(gitFacts(repo)?.branch).toBeNull();
    const outside = mkdtempSync(join(tmpdir(), 'squall-no-git-'));
    try {
      expect(gitFacts(outside)).toBeNull();
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("reads GitHub Actions' run id, ref and pull request number", () => {
    expect(ciFacts({})).toBeNull();
    expect(
      ciFacts({ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '987', GITHUB_REF: 'refs/pull/42/merge' }),
    ).toEqual({
      provider: 'github',
      runId: '987',
      ref: 'refs/pull/42/merge',
      pullRequest: 42,
    });
    expect(ciFacts({ GITHUB_ACTIONS: 'true', GITHUB_REF: 'refs/heads/main' })).toEqual({
      provider: 'github',
      runId: null,
      ref: 'refs/heads/main',
      pullRequest: null,
    });
  });

  it('collects every field, the given name and labels first', () => {
    const doc = fixture('quick-open-model');
    const meta = collectRunMeta(
      { doc, name: 'api smoke', labels: { env: 'ci' } },
      { cwd: root, env: { GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '1' } },
    );
    expect(meta).toMatchObject({
      name: 'api smoke',
      labels: { env: 'ci' },
      kind: 'quick',
      startedAt: doc.startedAt,
      passed: doc.passed,
      node: process.version,
      squallVersion: VERSION,
      ci: { provider: 'github', runId: '1', ref: null, pullRequest: null },
    });
    expect(meta.host.length).toBeGreaterThan(0);
    expect(meta.cpu.length).toBeGreaterThan(0);
    expect(collectRunMeta({ doc: fixture('bench') }, { cwd: root, env: {} }).kind).toBe('bench');
    expect(collectRunMeta({ doc: fixture('run-full') }, { cwd: root, env: {} }).name).toBe('full');
  });
});
