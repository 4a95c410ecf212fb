// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the YAML test's strings are flow templates, not JS ones.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { explain, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * Every option from a flag, a SQUALL_* variable, a .env file or squall.config.*, in that order
 * of precedence, and `squall config` saying where each value came from (issue 18).
 */

let server: RouteServer | undefined;
const dirs: Array<{ remove(): void }> = [];

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => {
  for (const d of dirs) d.remove();
});

/** A folder with a test file (and whatever else the case writes), used as squall's cwd. */
function project(): { path: string; test: string } {
  const d = tempDir('squall-config-sources-');
  dirs.push(d);
  const test = writeTestFile(
    d.path,
    'api.yaml',
    'users:\n  - name: u\n    flow:\n      - get: "${env.API_PATH:-/x}"\n',
  );
  return { path: d.path, test };
}

/** What the run's one scenario was sized to. */
function executorOf(r: RunResult): { vus: number; iterations: number } {
  return (r.config.scenarios as Array<{ executor: { vus: number; iterations: number } }>)[0]!.executor;
}

/** No SQUALL_* variable of the caller's environment leaks into these runs. */
const clean = { SQUALL_VUS: undefined, SQUALL_ITERATIONS: undefined, SQUALL_HOST: undefined };

describe('flags > env > file > defaults', () => {
  it('the config file sizes the run; SQUALL_VUS beats it; a flag beats both', async () => {
    server = await startRouteServer();
    const p = project();
    writeFileSync(
      join(p.path, 'squall.config.json'),
      JSON.stringify({ host: server.url, run: { vus: 2, iterations: 4 } }),
    );
    const fromFile = await runFileOk(p.test, [], { cwd: p.path, env: clean });
    expect(fromFile.run.code, fromFile.why).toBe(0);
    expect(executorOf(fromFile.result), fromFile.why).toMatchObject({ vus: 2, iterations: 4 });
    expect(server.on('/x').length, fromFile.why).toBe(4);

    const fromEnv = await runFileOk(p.test, [], { cwd: p.path, env: { ...clean, SQUALL_VUS: '3' } });
    expect(executorOf(fromEnv.result), fromEnv.why).toMatchObject({ vus: 3, iterations: 4 });

    const fromFlag = await runFileOk(p.test, ['-u', '1'], {
      cwd: p.path,
      env: { ...clean, SQUALL_VUS: '3' },
    });
    expect(executorOf(fromFlag.result), fromFlag.why).toMatchObject({ vus: 1, iterations: 4 });
    expect(server.on('/x').length).toBe(12);
  });

  it('the config file is found upward from the current folder; YAML works as JSON does', async () => {
    server = await startRouteServer();
    const p = project();
    writeFileSync(join(p.path, 'squall.config.yaml'), `host: ${server.url}\nrun:\n  iterations: 3\n`);
    const sub = join(p.path, 'sub', 'deeper');
    mkdirSync(sub, { recursive: true });
    const { run, result, why } = await runFileOk(p.test, [], { cwd: sub, env: clean });
    expect(run.code, why).toBe(0);
    expect(executorOf(result).iterations, why).toBe(3);
    expect(server.on('/x').length, why).toBe(3);
  });

  it('a .env here sets the test env and SQUALL_* flags, never over a variable already set', async () => {
    server = await startRouteServer();
    const p = project();
    writeFileSync(
      join(p.path, '.env'),
      `API_PATH=/from-dotenv\nSQUALL_ITERATIONS=5\nSQUALL_HOST=${server.url}\n`,
    );
    const a = await runFileOk(p.test, [], { cwd: p.path, env: clean });
    expect(a.run.code, a.why).toBe(0);
    expect(server.on('/from-dotenv').length, a.why).toBe(5);
    const b = await runFileOk(p.test, [], { cwd: p.path, env: { ...clean, SQUALL_ITERATIONS: '2' } });
    expect(executorOf(b.result).iterations, b.why).toBe(2);
    expect(server.on('/from-dotenv').length, b.why).toBe(7);
  });
});

describe('squall config', () => {
  it('shows each value and where it came from: flag, env, file, default', async () => {
    const p = project();
    writeFileSync(
      join(p.path, 'squall.config.json'),
      JSON.stringify({ timeout: '5s', run: { vus: 2, duration: '1m' } }),
    );
    const run = await runCli(['config', 'run', '--json', '--', '--duration', '10s'], {
      cwd: p.path,
      env: { ...clean, SQUALL_VUS: '7' },
    });
    expect(run.code, explain(run)).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      configFile: string;
      options: Record<string, { value: unknown; source: string; from?: string }>;
    };
    expect(doc.configFile).toBe('squall.config.json');
    expect(doc.options.vus).toMatchObject({ value: '7', source: 'env', from: 'SQUALL_VUS' });
    expect(doc.options.duration).toMatchObject({ value: '10s', source: 'flag' });
    expect(doc.options.timeout).toMatchObject({
      value: '5s',
      source: 'file',
      from: 'squall.config.json:timeout',
    });
    expect(doc.options.color).toMatchObject({ value: true, source: 'default' });

    const text = await runCli(['config', 'run'], { cwd: p.path, env: { ...clean, SQUALL_VUS: '7' } });
    expect(text.code, explain(text)).toBe(0);
    expect(text.stdout).toMatch(/--vus\s+7\s+env SQUALL_VUS/);
    expect(text.stdout).toMatch(/--duration\s+1m\s+file squall\.config\.json:run\.duration/);
  });
});

describe('bad values name their source', () => {
  it('a bad SQUALL_ variable: exit 2 naming it', async () => {
    const p = project();
    const run = await runCli(['run', p.test, '-i', '1'], {
      cwd: p.path,
      env: { ...clean, SQUALL_VUS: 'many' },
    });
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toMatch(/--vus "many" is not a whole number/);
    expect(run.stderr).toMatch(/SQUALL_VUS/);
    const bool = await runCli(['run', p.test], { cwd: p.path, env: { ...clean, SQUALL_QUIET: 'perhaps' } });
    expect(bool.code, explain(bool)).toBe(2);
    expect(bool.stderr).toMatch(/SQUALL_QUIET="perhaps" is not a yes or no/);
  });

  it('a bad value or an unknown key in the file: exit 2 naming file:key', async () => {
    const p = project();
    writeFileSync(join(p.path, 'squall.config.json'), JSON.stringify({ run: { vus: true } }));
    const wrongType = await runCli(['run', p.test], { cwd: p.path, env: clean });
    expect(wrongType.code, explain(wrongType)).toBe(2);
    expect(wrongType.stderr).toMatch(/squall\.config\.json:run\.vus is true; expected a text or a number/);

    writeFileSync(join(p.path, 'squall.config.json'), JSON.stringify({ run: { vuz: 3 } }));
    const unknown = await runCli(['run', p.test], { cwd: p.path, env: clean });
    expect(unknown.code, explain(unknown)).toBe(2);
    expect(unknown.stderr).toMatch(
      /squall\.config\.json:run\.vuz is not a flag of squall \(did you mean 'vus'\?\)/,
    );

    writeFileSync(
      join(p.path, 'squall.config.json'),
      JSON.stringify({ run: { vus: 'lots', iterations: 1 } }),
    );
    const badValue = await runCli(['run', p.test], { cwd: p.path, env: clean });
    expect(badValue.code, explain(badValue)).toBe(2);
    expect(badValue.stderr).toMatch(/--vus "lots"/);
    expect(badValue.stderr).toMatch(/squall\.config\.json:run\.vus/);
  });
});
