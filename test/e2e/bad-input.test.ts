import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, hasStackTrace, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * Bad input exits 2 with a message that names what was wrong (the flag or the value), before
 * any load starts, never with a stack trace (DESIGN.md, exit codes).
 */

let server: TargetServer;
let url: string;
const dir = tempDir();

beforeAll(async () => {
  requireBuiltCli();
  // A live target: if squall ever starts the load despite a bad flag, the server's count shows it.
  server = await startTarget();
  url = server.url;
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

interface BadInput {
  why: string;
  /** Built lazily: the target's URL is known only once it listens. */
  args: () => string[];
  /** Every pattern must appear in stderr: the flag and/or the value it rejects. */
  names: RegExp[];
}

const CASES: BadInput[] = [
  { why: 'quick without a URL', args: () => ['quick'], names: [/url/i] },
  { why: 'a URL that is not http', args: () => ['quick', 'ftp://x'], names: [/ftp/] },
  { why: 'not a URL at all', args: () => ['quick', 'not a url'], names: [/not a url/] },
  { why: 'zero connections', args: () => ['quick', '-c', '0', url], names: [/-c/, /"0"|'0'|\b0\b/] },
  { why: 'connections not a number', args: () => ['quick', '-c', 'abc', url], names: [/-c/, /abc/] },
  { why: 'a duration with a bad unit', args: () => ['quick', '-d', '10x', url], names: [/-d/, /10x/] },
  { why: 'a negative request count', args: () => ['quick', '-n', '-5', url], names: [/-n/, /-5/] },
  { why: 'a zero rate', args: () => ['quick', '-R', '0', url], names: [/-R/, /"0"|'0'|\b0\b/] },
  { why: 'a header without a colon', args: () => ['quick', '-H', 'nocolon', url], names: [/-H/, /nocolon/] },
  { why: 'a method with a space', args: () => ['quick', '-m', 'GE T', url], names: [/-m/, /GE T/] },
  {
    why: 'a threshold without METRIC:EXPR',
    args: () => ['quick', '--threshold', 'nope', url],
    names: [/threshold/, /nope/],
  },
  {
    why: 'a threshold on an unknown metric (with a suggestion)',
    args: () => ['quick', '--threshold', 'http_req_durationn:p(95)<1', url],
    names: [/http_req_durationn/, /did you mean[^\n]*\bhttp_req_duration\b/i],
  },
  {
    why: 'a percentile above 100',
    args: () => ['quick', '--threshold', 'http_req_duration:p(101)<1', url],
    names: [/threshold/, /p\(101\)/],
  },
  {
    why: 'an aggregation that does not fit the metric',
    args: () => ['quick', '--threshold', 'http_reqs:p(95)<1', url],
    names: [/http_reqs/, /p\(95\)/],
  },
  {
    why: 'an unknown output kind',
    args: () => ['quick', '-o', `xml=${dir.path}/a.xml`, url],
    names: [/-o/, /xml/],
  },
  { why: 'an output without KIND=', args: () => ['quick', '-o', 'json', url], names: [/-o/, /json/] },
  {
    why: 'a timeout that is not a duration',
    args: () => ['quick', '--timeout', 'never', url],
    names: [/--timeout/, /never/],
  },
  {
    why: 'a misspelled flag (with a suggestion)',
    args: () => ['quick', '--conections', '5', url],
    names: [/--conections/, /--connections/],
  },
  { why: 'an unknown command', args: () => ['frobnicate'], names: [/frobnicate/] },
  { why: 'two URLs', args: () => ['quick', url, url], names: [/argument/i] },
  { why: 'demo with a bad duration', args: () => ['demo', '-d', 'soon'], names: [/-d/, /soon/] },
  { why: 'demo with zero connections', args: () => ['demo', '-c', '0'], names: [/-c/] },
];

describe('bad input exits 2 with a message naming the bad part', () => {
  it('has at least 12 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(12);
  });

  it.each(CASES)('$why', async ({ args, names }) => {
    const before = server.count();
    const run = await runCli(args(), { timeoutMs: 15_000, cwd: dir.path });
    expect(run.code, explain(run)).toBe(2);
    for (const name of names) expect(run.stderr, explain(run)).toMatch(name);
    // One error line with a code, as errors/format.ts renders it; no crash output.
    expect(run.stderr, explain(run)).toMatch(/^error SQ_[A-Z_]+: /m);
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    expect(run.stderr, explain(run)).not.toMatch(/SQ_INTERNAL|squall bug/);
    // Errors go to stderr; stdout stays clean for --json consumers.
    expect(run.stdout, explain(run)).toBe('');
    // Raised before the load: the target saw nothing.
    expect(server.count(), explain(run)).toBe(before);
  });
});

describe('an output that cannot be written', () => {
  // The path is known before the load starts; finding out after it ran loses the whole run: today
  // squall runs the load, then exits 1 with nothing on stdout (the summary is never printed).
  it('is reported before any load is sent, naming -o and the path, with exit 2', async () => {
    const blocker = `${dir.path}/a-file`;
    writeFileSync(blocker, 'not a directory');
    const before = server.count();
    const target = `${blocker}/sub/result.json`;
    const run = await runCli(['quick', '-c', '2', '-n', '50', '-o', `json=${target}`, url], {
      cwd: dir.path,
    });
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    expect(run.stderr, explain(run)).toContain(target);
    expect(run.stderr, explain(run)).toMatch(/-o/);
    expect(server.count() - before, `requests sent before failing\n${explain(run)}`).toBe(0);
    expect(run.code, explain(run)).toBe(2);
  });

  it('refuses a path where permission bits say yes but writing fails (/proc), before any load', async () => {
    const before = server.count();
    const run = await runCli(['quick', '-c', '2', '-n', '50', '-o', 'junit=/proc/squall-test.xml', url]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toContain('-o junit=/proc/squall-test.xml cannot be written');
    expect(server.count() - before, explain(run)).toBe(0);
  });

  it('refuses two outputs that would write the same file', async () => {
    const same = `${dir.path}/same.out`;
    const run = await runCli(['quick', '-n', '10', '-o', `json=${same}`, '-o', `md=${same}`, url]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toContain(`-o md=${same} and -o json=${same} would write the same file`);
    expect(existsSync(same), explain(run)).toBe(false);
  });
});
