import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, explain, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * Start-up (issue 14): commands load lazily, and a test loads only what it uses. Which modules a
 * command loaded is read from a module hook that names every module Node loads (never a timing:
 * docs/PERFORMANCE.md, "Start-up", has the figures). TypeScript tests are compiled by esbuild
 * and cached by content: a second run of the same file does not load esbuild, a changed import
 * of it is compiled again.
 */

const dir = tempDir('squall-startup-');
/** A fresh compile cache for this file, so that "cold" means cold. */
const cache = join(dir.path, 'cache');
let target: TargetServer;

/** Preloaded with --import: prints `loaded URL` for each module Node loads after it. */
const HOOK = join(dir.path, 'trace-loads.mjs');
/** Preloaded with --import: `at MS URL` for every module (ES and CommonJS), `connect MS` once. */
const TIMED_HOOK = join(dir.path, 'trace-timed.mjs');

beforeAll(async () => {
  requireBuiltCli();
  const hook = `export async function load(url, context, next) {
  if (!url.startsWith('node:')) process.stderr.write('loaded ' + url + '\\n');
  return next(url, context);
}`;
  writeFileSync(
    HOOK,
    `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n`,
  );
  // Also timestamped (absolute ms), for the order against the run's first connection: the
  // ESM hook runs on its own thread, whose output may reach stderr late.
  const timedHook = `const now = () => (performance.timeOrigin + performance.now()).toFixed(3);
export async function load(url, context, next) {
  if (!url.startsWith('node:')) process.stderr.write('at ' + now() + ' ' + url + '\\n');
  return next(url, context);
}`;
  writeFileSync(
    TIMED_HOOK,
    `import Module, { register } from 'node:module';
import { subscribe } from 'node:diagnostics_channel';
import { pathToFileURL } from 'node:url';
const now = () => (performance.timeOrigin + performance.now()).toFixed(3);
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(timedHook)}`)});
// undici, yaml, esbuild and hdr-histogram-js are CommonJS: their files load through require.
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try {
    const f = Module._resolveFilename(request, parent, isMain);
    if (f.startsWith('/')) process.stderr.write('at ' + now() + ' ' + pathToFileURL(f).href + '\\n');
  } catch {}
  return load.apply(this, arguments);
};
let first = true;
subscribe('net.client.socket', () => {
  if (first) process.stderr.write('connect ' + now() + '\\n');
  first = false;
});
`,
  );
  target = await startTarget();
});
afterAll(async () => {
  await target?.close();
  dir.remove();
});

function traced(args: string[]): Promise<CliResult> {
  return runCli(args, {
    cwd: dir.path,
    env: { NODE_OPTIONS: `--import ${pathToFileURL(HOOK).href}`, SQUALL_CACHE_DIR: cache },
  });
}

/**
 * The modules a run loaded before it opened its first connection (to the target: the test's
 * first request), by TIMED_HOOK's lines.
 */
async function loadedBeforeFirstRequest(args: string[]): Promise<{ r: CliResult; before: string[] }> {
  const r = await runCli(args, {
    cwd: dir.path,
    env: { NODE_OPTIONS: `--import ${pathToFileURL(TIMED_HOOK).href}`, SQUALL_CACHE_DIR: cache },
  });
  const at = /^connect (\S+)$/m.exec(r.stderr);
  expect(at, `no connection seen\n${explain(r)}`).not.toBeNull();
  const connectAt = Number(at![1]);
  const before = [...r.stderr.matchAll(/^at (\S+) (\S+)$/gm)]
    .filter((m) => Number(m[1]) < connectAt)
    .map((m) => m[2]!);
  return { r, before };
}

/** Packages (and squall folders) a run loaded, by the hook's lines. */
function loaded(r: CliResult): string[] {
  return [...r.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1]!);
}

function loadedPackage(r: CliResult, name: string): boolean {
  return loaded(r).some((u) => u.includes(`/node_modules/${name}/`));
}

const HEAVY = ['zod', 'undici', 'yaml', 'esbuild', 'tsx', 'hdr-histogram-js'];

describe('commands load lazily', () => {
  it.each([
    { args: ['--version'], shows: /^\d+\.\d+\.\d+/ },
    { args: ['quick', '--help'], shows: /Usage: squall quick/ },
    { args: ['run', '--help'], shows: /Usage: squall run/ },
    { args: ['report', '--help'], shows: /Usage: squall report/ },
  ])('squall $args loads none of the heavy modules, nor the engine', async ({ args, shows }) => {
    const r = await traced(args);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(shows);
    // The hook saw the CLI itself, so an empty list below is no blind spot.
    expect(
      loaded(r).some((u) => u.endsWith('/bin/squall.js')),
      explain(r),
    ).toBe(true);
    for (const name of HEAVY) expect(loadedPackage(r, name), `${name}\n${r.stderr}`).toBe(false);
    expect(loaded(r).filter((u) => /\/dist\/(engine|transports|metrics|result\/build)/.test(u))).toEqual([]);
  });

  it('the top-level help still lists every command', async () => {
    const r = await traced(['--help']);
    expect(r.code, explain(r)).toBe(0);
    for (const c of ['quick', 'run', 'demo', 'serve-demo', 'monitor', 'report', 'init']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
  });
});

describe('squall run loads what the test uses', () => {
  it('a YAML test loads no TypeScript compiler; a TypeScript test no YAML parser', async () => {
    const yaml = join(dir.path, 'one.yaml');
    writeFileSync(yaml, 'vus: 1\niterations: 2\nusers:\n  - name: u\n    flow:\n      - get: /\n');
    const y = await traced(['run', yaml, '--host', target.url, '-q']);
    expect(y.code, explain(y)).toBe(0);
    expect(loadedPackage(y, 'esbuild')).toBe(false);
    expect(loadedPackage(y, 'tsx')).toBe(false);

    const ts = join(dir.path, 'one.ts');
    writeFileSync(
      ts,
      "import { defineTest } from 'squall';\nexport default defineTest({ vus: 1, iterations: 2, users: [{ name: 'u', async run({ http }) { await http.get('/'); } }] });\n",
    );
    const t = await traced(['run', ts, '--host', target.url, '-q']);
    expect(t.code, explain(t)).toBe(0);
    expect(loadedPackage(t, 'yaml')).toBe(false);
    expect(loadedPackage(t, 'tsx')).toBe(false);
  });

  it('compiles a TypeScript test once, and again when a file it imports changes', async () => {
    const helper = join(dir.path, 'path.ts');
    const test = join(dir.path, 'cached.ts');
    writeFileSync(helper, "export const path: string = '/first';\n");
    writeFileSync(
      test,
      "import { defineTest } from 'squall';\nimport { path } from './path.ts';\n" +
        "export default defineTest({ vus: 1, iterations: 1, users: [{ name: 'u', async run({ http }) { await http.get(path); } }] });\n",
    );
    // A server of its own: a target keeps only the first few requests it saw.
    const own = await startTarget();
    const args = ['run', test, '--host', own.url, '-q'];
    const first = await traced(args);
    expect(first.code, explain(first)).toBe(0);
    expect(loadedPackage(first, 'esbuild'), 'the first run compiles').toBe(true);
    const again = await traced(args);
    expect(again.code, explain(again)).toBe(0);
    expect(loadedPackage(again, 'esbuild'), 'the second run is served from the cache').toBe(false);

    writeFileSync(helper, "export const path: string = '/second';\n");
    const changed = await traced(args);
    expect(changed.code, explain(changed)).toBe(0);
    expect(loadedPackage(changed, 'esbuild'), 'a changed import is compiled again').toBe(true);
    expect(own.seen().map((s) => s.url)).toEqual(['/first', '/first', '/second']);
    await own.close();
  });

  it.each([
    // A TS test runs in the thread `squall run` guards (run-workers.ts), which builds its document
    // so far each second for the main thread: the builder and the histogram codec load before the
    // load, never in its middle.
    { kind: 'ts', file: 'first.ts', also: 'yaml', frames: true },
    { kind: 'yaml', file: 'first.yaml', also: 'esbuild', frames: false },
  ])(
    'a $kind run loads neither undici, the file reporters nor (unless it sends frames) the histogram codec and the document builder before its first request',
    async ({ file, also, frames }) => {
      const path = join(dir.path, file);
      writeFileSync(
        path,
        file.endsWith('.ts')
          ? "import { defineTest } from 'squall';\nexport default defineTest({ vus: 1, iterations: 1, users: [{ name: 'u', async run({ http }) { await http.get('/'); } }] });\n"
          : 'vus: 1\niterations: 1\nusers:\n  - name: u\n    flow:\n      - get: /\n',
      );
      // Warm the compile cache, so that the run below is the usual one.
      await traced(['run', path, '--host', target.url, '-q']);
      const { r, before } = await loadedBeforeFirstRequest(['run', path, '--host', target.url, '-q']);
      expect(r.code, explain(r)).toBe(0);
      // The hook saw the engine and the transport, so an empty list below is no blind spot.
      expect(before.some((u) => u.includes('/dist/transports/http/lean-transport.js'))).toBe(true);
      expect(before.some((u) => u.includes('/node_modules/hdr-histogram-js/dist/Int32Histogram.js'))).toBe(
        true,
      );
      const builder = (u: string) =>
        // The histogram codec (pako, WebAssembly) is for the document, after the run.
        u.endsWith('/node_modules/hdr-histogram-js/dist/index.js') ||
        u.includes('/node_modules/pako/') ||
        u.endsWith('/dist/result/build-result.js');
      const unwanted = before.filter(
        (u) =>
          u.includes('/node_modules/undici/') ||
          u.includes(`/node_modules/${also}/`) ||
          (!frames && builder(u)) ||
          /\/dist\/(report\/(console|csv|html|json|junit|markdown|prometheus-proto)|api\/deliver\.js|live\/dashboard)/.test(
            u,
          ),
      );
      expect(unwanted, r.stderr).toEqual([]);
      if (frames)
        expect(
          before.some((u) => u.endsWith('/dist/result/build-result.js')),
          r.stderr,
        ).toBe(true);
      // undici is not loaded at all for a run over plain http://.
      expect(r.stderr).not.toMatch(/\/node_modules\/undici\//);
    },
  );

  it('a test that names an https URL gets undici before its first request, not in the middle of the load', async () => {
    const path = join(dir.path, 'mixed.yaml');
    // The https request is never reached (one iteration, the first step only): naming it is enough.
    writeFileSync(
      path,
      '# also calls https://127.0.0.1:1/ in other runs\nvus: 1\niterations: 1\nusers:\n  - name: u\n    flow:\n      - get: /\n',
    );
    const { r, before } = await loadedBeforeFirstRequest(['run', path, '--host', target.url, '-q']);
    expect(r.code, explain(r)).toBe(0);
    expect(
      before.some((u) => u.includes('/node_modules/undici/')),
      r.stderr,
    ).toBe(true);
  });
});
