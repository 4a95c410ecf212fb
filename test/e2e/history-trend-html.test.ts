import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, requireBuiltCli, runCli as run, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * `squall history trend -o html=` end to end (issue 16): real quick runs saved with --save
 * against a server on 127.0.0.1 that answers in 5 ms, then in 25 ms; the page marks exactly one
 * change point, at the first slower run, the same run `history changes` names.
 */

const dir = tempDir('squall-trend-html-');
const store = join(dir.path, 'h.db');
const runCli = (args: string[]) =>
  run(args, { cwd: dir.path, env: { SQUALL_STORE: undefined, SQUALL_SAVE: undefined }, timeoutMs: 30_000 });
let fast: TargetServer;
let slow: TargetServer;

// Six runs per level: the fewest change points need is three per side; six keeps the step clear.
const RUNS_PER_LEVEL = 6;

/** One saved run of 'x'; returns the id the save printed. */
async function save(url: string): Promise<number> {
  const r = await runCli([
    'quick',
    url,
    '-d',
    '1s',
    '-c',
    '2',
    '-q',
    '--save',
    '--store',
    store,
    '--name',
    'x',
  ]);
  expect(r.code, explain(r)).toBe(0);
  const m = /saved as run (\d+)/.exec(r.stderr);
  expect(m, explain(r)).not.toBeNull();
  return Number(m![1]);
}

beforeAll(async () => {
  requireBuiltCli();
  fast = await startTarget({ delayMs: 5 });
  slow = await startTarget({ delayMs: 25 });
});
afterAll(async () => {
  await fast?.close();
  await slow?.close();
  dir.remove();
});

describe('squall history trend -o html=', () => {
  it('draws the trend with one change point, at the first slower run', { timeout: 90_000 }, async () => {
    const ids: number[] = [];
    for (let i = 0; i < RUNS_PER_LEVEL; i++) ids.push(await save(fast.url));
    const firstSlow = await save(slow.url);
    ids.push(firstSlow);
    for (let i = 1; i < RUNS_PER_LEVEL; i++) ids.push(await save(slow.url));

    const page = join(dir.path, 'trend.html');
    const metric = ['--name', 'x', '--metric', 'http_req_duration:med', '--store', store];
    const t = await runCli(['history', 'trend', ...metric, '-o', `html=${page}`]);
    expect(t.code, explain(t)).toBe(0);
    expect(t.stderr).toContain(`wrote ${page}`);
    // The table is printed as without -o.
    for (const id of ids) expect(t.stdout).toMatch(new RegExp(`^${id} `, 'm'));

    const html = readFileSync(page, 'utf8');
    const marked = [...html.matchAll(/<g class="change-point" data-run="(\d+)">/g)].map((m) => Number(m[1]));
    expect(marked).toEqual([firstSlow]);
    expect(html).toContain(`run ${firstSlow}: `);
    expect(html.match(/<circle /g)).toHaveLength(ids.length);
    expect(html).toContain('http_req_duration:med of &#39;x&#39;');

    const ch = await runCli(['history', 'changes', ...metric, '--json']);
    expect(ch.code, explain(ch)).toBe(0);
    const changes = (JSON.parse(ch.stdout) as { changes: { id: number; shift: number }[] }).changes;
    expect(changes.map((c) => c.id)).toEqual([firstSlow]);
    expect(changes[0]!.shift).toBeGreaterThan(0);
  });

  it('-o other than html= is a bad flag (exit 2), before the store is read', async () => {
    const r = await runCli([
      'history',
      'trend',
      '--name',
      'x',
      '--metric',
      'http_req_duration:med',
      '--store',
      join(dir.path, 'nowhere', 'h.db'),
      '-o',
      'md=trend.md',
    ]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toContain('SQ_USAGE_BAD_FLAG');
    expect(r.stderr).toContain('html=PATH');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
