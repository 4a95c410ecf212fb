import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { expectationOf } from '../../test/helpers/invalid-fixtures.js';
import { type ErrorLocation, formatError, isSquallError } from '../errors/index.js';
import { ConfigError } from '../errors/issues.js';
import { resolveTest } from './resolve-test.js';

/**
 * Every file in test/fixtures/invalid/ must fail before the load starts with exit 2, the right
 * code, the expected text, and its place: file:line for YAML/JSON (the lines marked `<- here`),
 * the key path for TypeScript. Each fixture states its expectations in its own header comments
 * (`expect:`, `message:`, `path:`), so adding a case is adding a file. `.txt` fixtures hold
 * sources that must not parse (which the repository's own checks would reject); they are copied
 * to a temporary file with their real extension. Modules load in a child Node process, as the
 * CLI loads them (vitest would route their imports through vite).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'test/fixtures/invalid');
const RESOLVE_URL = pathToFileURL(join(ROOT, 'src/config/resolve-test.ts')).href;
const ERRORS_URL = pathToFileURL(join(ROOT, 'src/errors/index.ts')).href;

interface Outcome {
  ok: boolean;
  code?: string;
  exitCode?: number;
  message?: string;
  where?: ErrorLocation;
  issueLines?: Array<number | undefined>;
  formatted?: string;
}

function outcomeOf(e: unknown): Outcome {
  if (!isSquallError(e)) throw e;
  return {
    ok: false,
    code: e.code,
    exitCode: e.exitCode,
    message: e.message,
    ...(e.where ? { where: e.where } : {}),
    issueLines: e instanceof ConfigError ? e.issues.map((i) => i.where.line) : [],
    formatted: formatError(e),
  };
}

/** resolveTest with an empty environment (so SQUALL_HOST and friends cannot interfere). */
function resolveInChild(files: string[]): Outcome[] {
  const script = `
    import { resolveTest } from ${JSON.stringify(RESOLVE_URL)};
    import { formatError } from ${JSON.stringify(ERRORS_URL)};
    const out = [];
    for (const file of process.argv.slice(1)) {
      try {
        await resolveTest(file, {}, {});
        out.push({ ok: true });
      } catch (e) {
        out.push({ ok: false, code: e.code, exitCode: e.exitCode, message: e.message, where: e.where,
          issueLines: (e.issues ?? []).map((i) => i.where.line), formatted: formatError(e) });
      }
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...files], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome[];
}

const tmp = mkdtempSync(join(tmpdir(), 'squall-invalid-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cases = readdirSync(DIR)
  .sort()
  .map((name) => {
    const source = join(DIR, name);
    const expectation = expectationOf(name, readFileSync(source, 'utf8'));
    // `x.ts.txt` runs as `x.ts`; in the copy, its lines are where they were.
    const file = name.endsWith('.txt') ? join(tmp, name.slice(0, -'.txt'.length)) : source;
    if (file !== source) copyFileSync(source, file);
    const isModule = /\.(m|c)?[jt]s$/.test(file);
    return { name, file, isModule, expectation };
  });

const moduleOutcomes = new Map<string, Outcome>();
const modules = cases.filter((c) => c.isModule);
for (const [i, o] of resolveInChild(modules.map((c) => c.file)).entries())
  moduleOutcomes.set(modules[i]!.name, o);

describe('invalid test files', () => {
  it('has at least fifteen of them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('$name', async ({ name, file, isModule, expectation: x }) => {
    const o = isModule
      ? moduleOutcomes.get(name)!
      : await resolveTest(file, {}, {}).then(() => ({ ok: true }) as Outcome, outcomeOf);
    expect(o.ok, `${name} was accepted`).toBe(false);
    expect(o.code).toBe(x.code);
    expect(o.exitCode).toBe(2);
    expect(o.message).toContain(x.message);
    if (x.path) expect(o.where?.path).toBe(x.path);
    if (x.lines.length === 1) expect(o.where?.line).toBe(x.lines[0]);
    if (x.lines.length > 1) expect(o.issueLines).toEqual(x.lines);
    // The rendered error names the place and never shows a stack.
    expect(o.formatted).not.toMatch(/\n\s+at /);
    expect(o.formatted).toContain(x.lines.length === 1 ? `${file}:${x.lines[0]}:` : file);
  });
});
