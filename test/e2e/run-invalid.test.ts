import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectationOf } from '../helpers/invalid-fixtures.js';
import { explain, hasStackTrace, ROOT, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * Every file of test/fixtures/invalid/ through the CLI, as a user meets it: `squall run FILE`
 * exits 2 before any load, with `error CODE: …` on stderr naming the file and the line (YAML and
 * JSON: the lines marked `<- here`) or the key path, the expected text, and never a stack trace;
 * nothing on stdout. Each fixture states its expectations in its header comments (`expect:`,
 * `message:`, `path:`), the same ones src/config/invalid-fixtures.test.ts reads in-process.
 * Then a few mistakes only the command line can make.
 */

const FIXTURES = 'test/fixtures/invalid';
const dir = tempDir('squall-run-invalid-');

beforeAll(requireBuiltCli);
afterAll(() => dir.remove());

const CASES = readdirSync(join(ROOT, FIXTURES))
  .sort()
  .map((name) => {
    const expectation = expectationOf(name, readFileSync(join(ROOT, FIXTURES, name), 'utf8'));
    // `x.ts.txt` runs as `x.ts` (kept as .txt so the repository's own checks skip it).
    let file = `${FIXTURES}/${name}`;
    if (name.endsWith('.txt')) {
      file = join(dir.path, name.slice(0, -'.txt'.length));
      copyFileSync(join(ROOT, FIXTURES, name), file);
    }
    return { name, file, expectation };
  });

/** No host from the environment: a fixture about a missing target must stay without one. */
const CLEAN_ENV = {
  SQUALL_HOST: undefined,
  LOAD_TEST_HOST: undefined,
  SQUALL_FIXTURE_UNSET_TOKEN: undefined,
};

describe.concurrent('invalid test files through the CLI', () => {
  it('there are at least fifteen', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES)('$name', async ({ file, expectation: x }) => {
    const run = await runCli(['run', file], { env: CLEAN_ENV, timeoutMs: 30_000 });
    const why = `expected ${JSON.stringify(x)}\n${explain(run)}`;
    expect(run.code, why).toBe(2);
    expect(run.stderr, why).toContain(`error ${x.code}`);
    expect(run.stderr, why).toContain(x.message);
    // The place: file:line for every marked line, and the key path when the fixture names one.
    for (const line of x.lines) expect(run.stderr, why).toContain(`${file}:${line}:`);
    if (x.lines.length === 0) expect(run.stderr, why).toContain(file);
    if (x.path) expect(run.stderr, why).toContain(x.path);
    expect(hasStackTrace(run.stderr), why).toBe(false);
    // Before any load: no summary, no result.
    expect(run.stdout, why).toBe('');
  });
});

describe.concurrent('command-line mistakes with a test file', () => {
  const valid = () => {
    const path = join(dir.path, 'valid.yaml');
    writeFileSync(
      path,
      'target: http://127.0.0.1:9\nvus: 1\nduration: 1s\nusers: [{ name: U, flow: [{ get: /x }] }]\n',
    );
    return path;
  };

  const MISTAKES: Array<{ why: string; args: () => string[]; code: string; names: RegExp[] }> = [
    {
      why: 'a file that does not exist',
      args: () => ['run', join(dir.path, 'nope.yaml')],
      code: 'SQ_CONFIG_FILE_NOT_FOUND',
      names: [/nope\.yaml/],
    },
    {
      why: 'an extension squall does not read',
      args: () => {
        const path = join(dir.path, 'test.toml');
        writeFileSync(path, 'vus = 1\n');
        return ['run', path];
      },
      code: 'SQ_CONFIG_FILE_TYPE',
      names: [/test\.toml/, /\.yaml/],
    },
    {
      why: 'a preset with a typo',
      args: () => ['run', valid(), '--preset', 'stres'],
      // A flag's mistake names the flag (SQ_USAGE_BAD_FLAG), as the same typo in the file names its line.
      code: 'SQ_USAGE_BAD_FLAG',
      names: [/--preset/, /'stres'/, /did you mean 'stress'/],
    },
    {
      why: '--iterations with a preset (presets are shaped in time)',
      args: () => ['run', valid(), '--preset', 'spike', '--iterations', '10'],
      code: 'SQ_USAGE_BAD_FLAG',
      names: [/--iterations/, /preset/],
    },
    {
      why: 'a zero --vus',
      args: () => ['run', valid(), '--vus', '0'],
      code: 'SQ_USAGE_BAD_FLAG',
      names: [/--vus/, /"0"/],
    },
    {
      why: 'a --threshold on a metric that does not exist',
      args: () => ['run', valid(), '--threshold', 'iteration_duraton:p(95)<1'],
      code: 'SQ_THRESHOLD_UNKNOWN_METRIC',
      names: [/iteration_duraton/, /did you mean 'iteration_duration'/],
    },
    {
      why: 'a tag filter on a metric that keeps no tags',
      args: () => ['run', valid(), '--threshold', 'iterations{name:GET /x}:count>0'],
      code: 'SQ_THRESHOLD_SYNTAX',
      names: [/iterations\{name:GET \/x\}/, /'name'/],
    },
  ];

  it.each(MISTAKES)('$why', async ({ args, code, names }) => {
    const run = await runCli(args(), { env: CLEAN_ENV, timeoutMs: 30_000 });
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr, explain(run)).toContain(`error ${code}`);
    for (const n of names) expect(run.stderr, explain(run)).toMatch(n);
    expect(hasStackTrace(run.stderr), explain(run)).toBe(false);
    expect(run.stdout, explain(run)).toBe('');
  });
});
