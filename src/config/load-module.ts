import { spawnSync } from 'node:child_process';
import Module, { register } from 'node:module';
import { dirname, extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scriptPosition } from '../engine/script-location.js';
import { type ErrorLocation, isSquallError, SquallError } from '../errors/index.js';
import { compileTestModule } from './compile-test-module.js';

/**
 * Imports a TypeScript or JavaScript test file, so that users need no build step and
 * `import { defineTest } from 'squall'` works wherever the file lives.
 *
 * - `.ts`/`.mts`/`.cts` are compiled by esbuild in process into one cached ES module
 *   (compile-test-module.ts), where `squall` is already this package's index module.
 * - `.js`/`.mjs`/`.cjs` are plain dynamic imports.
 * - The bare specifier `squall` resolves to this very package's index module, for ESM JavaScript
 *   (a module.register resolve hook) and for CommonJS (`require('squall')`). All give the same
 *   module instance the CLI runs, so what a test imports shares state with the engine.
 *
 * Failures become SQ_SCRIPT_LOAD naming the file and, when known, the line: never a stack trace.
 */

/** The package's public entry next to this file: dist/index.js when built, src/index.ts from source. */
const OWN_EXT = extname(fileURLToPath(import.meta.url));
const INDEX_URL = new URL(`../index${OWN_EXT === '.ts' ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * The resolve hook, as a data: URL so that it loads in the hooks thread whether squall runs
 * from dist/ (JavaScript) or from source (where a .ts hooks file could not load). When the
 * target is built JavaScript the answer short-circuits, so no later hook can decorate the URL
 * with a query and make a second instance of the package. Only JavaScript tests need it: the
 * hooks thread costs start-up time, so it is registered on first use.
 */
const HOOK_SOURCE = `
let target, direct;
export function initialize(data) { target = data.target; direct = data.direct; }
export async function resolve(specifier, context, next) {
  if (specifier !== 'squall') return next(specifier, context);
  return direct ? { url: target, shortCircuit: true } : next(target, context);
}
`;
const HOOK_URL = `data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`;

/** A fake module id under which CommonJS finds the package's namespace in require's cache. */
const CJS_ID = `${fileURLToPath(INDEX_URL)}#squall-cjs`;

let esmHookInstalled = false;
let cjsHookInstalled = false;

function installEsmHook(): void {
  if (esmHookInstalled) return;
  register(HOOK_URL, { data: { target: INDEX_URL, direct: OWN_EXT !== '.ts' } });
  esmHookInstalled = true;
}

type ResolveFilename = (request: string, ...rest: unknown[]) => string;

/**
 * CommonJS has no public resolve hook in Node 20 (module.registerHooks arrived in 22.15), so we
 * wrap `Module._resolveFilename` as tsx and ts-node do, and put the package's namespace in
 * require's cache under a fake id.
 */
async function installCjsHook(): Promise<void> {
  if (cjsHookInstalled) return;
  const ns = await import(INDEX_URL);
  const M = Module as unknown as {
    _resolveFilename: ResolveFilename;
    _cache: Record<string, unknown>;
    new (id: string): { exports: unknown; loaded: boolean; filename: string };
  };
  const shim = new M(CJS_ID);
  shim.exports = ns;
  shim.loaded = true;
  shim.filename = CJS_ID;
  M._cache[CJS_ID] = shim;
  const original = M._resolveFilename;
  M._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    return request === 'squall' ? CJS_ID : original.call(this, request, ...rest);
  };
  cjsHookInstalled = true;
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

/** Imports the module at `absPath`; throws SQ_SCRIPT_LOAD with the file (and line when known). */
export async function importTestModule(absPath: string, file: string): Promise<Record<string, unknown>> {
  const isTs = TS_EXTENSIONS.has(extname(absPath));
  try {
    await installCjsHook();
    if (!isTs) {
      installEsmHook();
      return (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
    }
    const url = await compileTestModule({ absPath, indexUrl: INDEX_URL });
    // Stack frames in the compiled module then name the test's own file and line.
    process.setSourceMapsEnabled(true);
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw loadError(e, absPath, file);
  }
}

/** An esbuild failure: its messages carry the file and line. */
interface EsbuildFailure {
  errors: Array<{ text: string; location: { file: string; line: number; column: number } | null }>;
}

function isEsbuildFailure(e: unknown): e is EsbuildFailure {
  const errors = (e as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && typeof errors[0]?.text === 'string';
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0]!.trim();
  return String(e);
}

/**
 * Node 20 keeps the position of an ES module's syntax error out of reach of the code that
 * imported it (only its own uncaught-error printer sees it), so ask `node --check`, the same
 * parser, where it is. This runs only on the error path.
 */
function syntaxErrorLine(absPath: string): { line: number; column: number } | undefined {
  const r = spawnSync(process.execPath, ['--check', absPath], { encoding: 'utf8', timeout: 10_000 });
  const lines = (r.stderr ?? '').split('\n');
  const head = lines.findIndex(
    (l) => l.startsWith(`${absPath}:`) || l.startsWith(pathToFileURL(absPath).href),
  );
  if (head < 0) return undefined;
  const line = Number(/:(\d+)$/.exec(lines[head]!.trim())?.[1]);
  if (!Number.isInteger(line)) return undefined;
  const caret = lines[head + 2]?.indexOf('^') ?? -1;
  return { line, column: caret >= 0 ? caret + 1 : 1 };
}

export function loadError(e: unknown, absPath: string, file: string): SquallError {
  if (isSquallError(e)) return e;
  const where: ErrorLocation = { file };
  if (isEsbuildFailure(e)) {
    const first = e.errors[0]!;
    const loc = first.location;
    // A file the test imports is named by its own path; the test file as the user gave it.
    const at: ErrorLocation = loc
      ? {
          file: resolve(dirname(absPath), loc.file) === absPath ? file : resolve(dirname(absPath), loc.file),
          line: loc.line,
          column: loc.column + 1,
        }
      : where;
    if (/^Could not resolve/.test(first.text)) {
      return new SquallError(
        'SQ_SCRIPT_LOAD',
        `the test script imports something that is not there: ${first.text}`,
        {
          where: at,
          hint: 'check the import path, or install the package next to the test file',
          cause: e,
        },
      );
    }
    return new SquallError('SQ_SCRIPT_LOAD', `the test script has a syntax error: ${first.text}`, {
      where: at,
      hint: 'fix the script; squall compiles TypeScript tests itself, so no build step is needed',
      cause: e,
    });
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return new SquallError(
      'SQ_SCRIPT_LOAD',
      `the test script imports something that is not there: ${errorText(e)}`,
      {
        where,
        hint: 'check the import path, or install the package next to the test file',
        cause: e,
      },
    );
  }
  if (e instanceof SyntaxError) {
    const pos = scriptPosition(e, absPath) ?? syntaxErrorLine(absPath);
    return new SquallError('SQ_SCRIPT_LOAD', `the test script has a syntax error: ${errorText(e)}`, {
      where: { ...where, ...pos },
      cause: e,
    });
  }
  const name = e instanceof Error ? e.name : 'a non-Error value';
  return new SquallError('SQ_SCRIPT_LOAD', `the test script threw while loading: ${name}: ${errorText(e)}`, {
    where: { ...where, ...scriptPosition(e, absPath) },
    hint: "a test file's top-level code runs before the load starts; move work that needs the target into setup() or a user's run()",
    cause: e,
  });
}
