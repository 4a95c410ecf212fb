import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSquallError } from '../errors/index.js';
import { loadTestFile } from './load-test-file.js';

/**
 * The loader: YAML positions, modules of every kind, `import … from 'squall'` from a file outside
 * the package, CommonJS and ESM packages, k6's shape, and load failures as SQ_SCRIPT_LOAD.
 *
 * vitest transforms the code under test and routes its plain `import()` through vite, so .js and
 * .mjs tests (plain dynamic imports in production) load in a child Node process, as in the CLI.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOADER_URL = pathToFileURL(join(ROOT, 'src/config/load-test-file.ts')).href;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-load-'));
  // One folder of each package kind: a .ts in a CommonJS package is compiled to require().
  mkdirSync(join(dir, 'esm'));
  writeFileSync(join(dir, 'esm', 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(dir, 'cjs'));
  writeFileSync(join(dir, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** loadTestFile in a child Node process (tsx loads the .ts sources), as JSON without functions. */
function loadInChild(files: string[], distDir?: string): Array<Record<string, unknown>> {
  const loader = distDir ? pathToFileURL(join(distDir, 'config/load-test-file.js')).href : LOADER_URL;
  const index = distDir ? pathToFileURL(join(distDir, 'index.js')).href : undefined;
  const script = `
    import { loadTestFile } from ${JSON.stringify(loader)};
    const own = ${index ? `await import(${JSON.stringify(index)})` : 'undefined'};
    const out = [];
    for (const file of process.argv.slice(1)) {
      try {
        const t = await loadTestFile(file);
        out.push({ ok: true, data: JSON.parse(JSON.stringify(t.data)), k6Style: t.k6Style,
          sameSquall: own ? t.data.setup === own.defineTest : undefined,
          runType: typeof (t.data.users?.[0]?.run) });
      } catch (e) {
        out.push({ ok: false, code: e.code, exitCode: e.exitCode, message: e.message, where: e.where });
      }
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const args = distDir ? [] : ['--import', 'tsx'];
  const r = spawnSync(process.execPath, [...args, '--input-type=module', '-e', script, ...files], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
}

describe('YAML and JSON', () => {
  it('maps a path to the line and column of its value, or of its key', async () => {
    const file = write(
      'pos.yaml',
      [
        'target: http://127.0.0.1:5110',
        'scenarios:',
        '  s:',
        '    executor: constant-vus',
        '    users: []',
        '',
      ].join('\n'),
    );
    const t = await loadTestFile(file);
    expect(t.format).toBe('yaml');
    expect(t.locate(['scenarios', 's', 'executor'], 'value')).toEqual({ line: 4, column: 15 });
    expect(t.locate(['scenarios', 's', 'executor'], 'key')).toEqual({ line: 4, column: 5 });
    // A missing key points at the mapping that should hold it.
    expect(t.locate(['scenarios', 's', 'duration'], 'value')).toEqual({ line: 4, column: 5 });
    expect(t.locate(['scenarios', 's', 'users', 0], 'value')).toEqual({ line: 5, column: 12 });
  });

  it('reads JSON with positions too', async () => {
    const file = write('pos.json', '{\n  "target": "http://x",\n  "vus": 3\n}\n');
    const t = await loadTestFile(file);
    expect(t.format).toBe('json');
    expect(t.data).toEqual({ target: 'http://x', vus: 3 });
    expect(t.locate(['vus'], 'value')).toEqual({ line: 3, column: 10 });
  });

  it('reports every syntax error with its line', async () => {
    const file = write('syntax.yaml', 'a: [1, 2\nb: c: d\n');
    const e = await loadTestFile(file).catch((err: unknown) => err);
    expect(isSquallError(e) && e.code).toBe('SQ_CONFIG_SYNTAX');
    expect(isSquallError(e) && e.exitCode).toBe(2);
  });
});

describe('errors before loading', () => {
  it.each([
    ['missing.yaml', 'SQ_CONFIG_FILE_NOT_FOUND', 'does not exist'],
    ['test.txt', 'SQ_CONFIG_FILE_TYPE', "its extension is '.txt'"],
    ['test.yml2', 'SQ_CONFIG_FILE_TYPE', "(did you mean '.yml'?)"],
  ])('%s → %s', async (name, code, text) => {
    const e = await loadTestFile(join(dir, name)).catch((err: unknown) => err);
    expect(isSquallError(e)).toBe(true);
    if (!isSquallError(e)) return;
    expect(e.code).toBe(code);
    expect(e.message).toContain(text);
    expect(e.exitCode).toBe(2);
  });
});

describe('TypeScript modules (in process)', () => {
  const body = `import { defineTest } from 'squall';
const vus: number = 3;
export default defineTest({ vus, duration: '5s', users: [{ name: 'A', run: async () => {} }] });
`;

  it.each(['esm', 'cjs'])("loads a .ts in a %s package with `import … from 'squall'`", async (kind) => {
    const t = await loadTestFile(write(`${kind}/test.ts`, body));
    expect(t.format).toBe('module');
    expect(t.k6Style).toBe(false);
    expect(t.data).toMatchObject({ vus: 3, duration: '5s', users: [{ name: 'A' }] });
    expect(typeof (t.data as { users: Array<{ run: unknown }> }).users[0]!.run).toBe('function');
  });

  it("accepts k6's shape: export const options + a default function", async () => {
    const file = write(
      'esm/k6.ts',
      `export const options = { vus: 2, duration: '3s', thresholds: { http_reqs: ['count>1'] } };
export function setup() { return 1; }
export default async function () {}
`,
    );
    const t = await loadTestFile(file);
    expect(t.k6Style).toBe(true);
    expect(t.data).toMatchObject({ vus: 2, duration: '3s', users: [{ name: 'default' }] });
    expect(typeof (t.data as { setup: unknown }).setup).toBe('function');
  });

  it('names a missing import', async () => {
    const file = write('esm/imports.ts', "import { x } from './nowhere.js';\nexport default { x };\n");
    const e = await loadTestFile(file).catch((err: unknown) => err);
    expect(isSquallError(e) && e.code).toBe('SQ_SCRIPT_LOAD');
    expect(isSquallError(e) && e.message).toContain('imports something that is not there');
  });
});

describe('JavaScript modules (child process, as the CLI runs)', () => {
  it('loads .mjs, ESM .js, CommonJS .js and .cjs, each resolving squall', () => {
    const files = [
      write(
        'a.mjs',
        "import { defineTest } from 'squall';\nexport default defineTest({ vus: 1, users: [] });\n",
      ),
      write(
        'esm/b.js',
        "import { defineTest } from 'squall';\nexport default defineTest({ vus: 2, users: [] });\n",
      ),
      write(
        'cjs/c.js',
        "const { defineTest } = require('squall');\nmodule.exports = defineTest({ vus: 3, users: [] });\n",
      ),
      write(
        'd.cjs',
        "const { defineTest } = require('squall');\nmodule.exports = defineTest({ vus: 4, users: [] });\n",
      ),
      write('k6.mjs', 'export const options = { vus: 5 };\nexport default function () {}\n'),
    ];
    const out = loadInChild(files);
    expect(out.map((r) => r.ok)).toEqual([true, true, true, true, true]);
    expect(out.map((r) => (r.data as { vus: number }).vus)).toEqual([1, 2, 3, 4, 5]);
    expect(out[4]).toMatchObject({ k6Style: true, runType: 'function' });
  });

  it('finds the line of a syntax error and of a throw (source-mapped for TypeScript)', () => {
    const [syntax, throws, tsThrows] = loadInChild([
      write('syntax.mjs', 'const a = 1;\nconst b = ;\nexport default {};\n'),
      write('throws.mjs', "const a = 1;\n\nthrow new TypeError('nope');\n"),
      write(
        'esm/throws.ts',
        "import { defineTest } from 'squall';\nconst n: number = 1;\n\nif (n) throw new RangeError('boom');\nexport default defineTest({});\n",
      ),
    ]);
    expect(tsThrows).toMatchObject({ ok: false, code: 'SQ_SCRIPT_LOAD', where: { line: 4 } });
    expect(tsThrows!.message).toBe('the test script threw while loading: RangeError: boom');
    expect(syntax).toMatchObject({ ok: false, code: 'SQ_SCRIPT_LOAD', exitCode: 2, where: { line: 2 } });
    expect(syntax!.message).toContain('syntax error');
    expect(throws).toMatchObject({ ok: false, code: 'SQ_SCRIPT_LOAD', where: { line: 3 } });
    expect(throws!.message).toBe('the test script threw while loading: TypeError: nope');
  });
});

describe('the built package', () => {
  let dist: string;

  beforeAll(() => {
    // Build to a temporary folder, so the test does not depend on (or disturb) dist/.
    dist = join(dir, 'dist');
    spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dist],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    writeFileSync(join(dist, 'package.json'), '{ "type": "module" }\n');
    symlinkSync(join(ROOT, 'node_modules'), join(dist, 'node_modules'), 'dir');
  }, 150_000);

  it("gives every kind of test the CLI's own instance of squall", () => {
    const esm =
      "import { defineTest } from 'squall';\nexport default defineTest({ users: [], setup: defineTest });\n";
    const cjs =
      "const { defineTest } = require('squall');\nmodule.exports = { users: [], setup: defineTest };\n";
    const out = loadInChild(
      [
        write('esm/same.ts', esm),
        write('cjs/same.ts', esm),
        write('same.mjs', esm),
        write('cjs/same.js', cjs),
      ],
      dist,
    );
    expect(out.map((r) => [r.ok, r.sameSquall])).toEqual([
      [true, true],
      [true, true],
      [true, true],
      [true, true],
    ]);
  });
});
