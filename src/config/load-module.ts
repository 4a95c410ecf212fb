import { spawnSync } from 'node:child_process';
import Module, { register } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { rememberSourceMap, scriptPosition } from '../engine/script-location.js';
import { type ErrorLocation, isSquallError, SquallError } from '../errors/index.js';

/**
 * Imports a TypeScript or JavaScript test file, so that users need no build step and
 * `import { defineTest } from 'squall'` works wherever the file lives.
 *
 * - `.ts`/`.mts`/`.cts` go through tsx (esbuild), in a tsx namespace of our own.
 * - `.js`/`.mjs`/`.cjs` are plain dynamic imports.
 * - The bare specifier `squall` resolves to this very package's index module, for ESM (a
 *   module.register resolve hook) and for CommonJS (a .ts in a package without
 *   `"type": "module"` is compiled to `require('squall')`). Both give the same module instance
 *   the CLI runs, so what a test imports (custom metrics, later) shares state with the engine.
 *
 * Failures become SQ_SCRIPT_LOAD naming the file and, when known, the line: never a stack trace.
 */

/** The package's public entry next to this file: dist/index.js when built, src/index.ts from source. */
const OWN_EXT = extname(fileURLToPath(import.meta.url));
const INDEX_URL = new URL(`../index${OWN_EXT === '.ts' ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * The resolve hook, as a data: URL so that it loads in the hooks thread whether squall runs
 * from dist/ (JavaScript) or from source (where a .ts hooks file could not load). When the
 * target is built JavaScript the answer short-circuits, so no later hook (tsx's) can decorate
 * the URL with a query and make a second instance of the package.
 */
const HOOK_SOURCE = `
let target, direct, port;
export function initialize(data) { target = data.target; direct = data.direct; port = data.port; }
export async function resolve(specifier, context, next) {
  if (specifier !== 'squall') return next(specifier, context);
  return direct ? { url: target, shortCircuit: true } : next(target, context);
}
export async function load(url, context, next) {
  const r = await next(url, context);
  const at = typeof r.responseURL === 'string' && r.responseURL.startsWith('data:')
    ? r.responseURL.lastIndexOf('?filePath=') : -1;
  if (port && at >= 0 && r.source != null) {
    const src = typeof r.source === 'string' ? r.source : Buffer.from(r.source).toString('utf8');
    const m = /\\/\\/# sourceMappingURL=data:application\\/json;base64,([A-Za-z0-9+\\/=]+)\\s*$/.exec(src);
    const file = decodeURIComponent(r.responseURL.slice(at + 10)).replace(/\\?.*$/, '');
    if (m) port.postMessage({ file, map: m[1] });
  }
  return r;
}
`;
const HOOK_URL = `data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`;

/** A fake module id under which CommonJS finds the package's namespace in require's cache. */
const CJS_ID = `${fileURLToPath(INDEX_URL)}#squall-cjs`;

interface TsxApi {
  import(specifier: string, parentURL: string): Promise<unknown>;
}

let tsx: TsxApi | undefined;
let esmHookAfterTsx = false;
let esmHookInstalled = false;
let cjsHookInstalled = false;

/**
 * Hooks run last-registered-first, so our hook is registered after tsx's: it answers `squall`
 * before tsx could add its namespace to the URL. (tsx's one-shot `tsImport` registers a fresh
 * namespace on every call, after ours; its `register({ namespace })` is the same machinery with
 * the order in our hands.)
 */
function installEsmHook(): void {
  // The load hook sends the source maps Node drops (see engine/script-location.ts) over a port.
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (m: { file: string; map: string }) => rememberSourceMap(m.file, m.map));
  port1.unref();
  register(HOOK_URL, {
    data: { target: INDEX_URL, direct: OWN_EXT !== '.ts', port: port2 },
    transferList: [port2],
  });
  esmHookInstalled = true;
  esmHookAfterTsx = tsx !== undefined;
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

async function tsxApi(): Promise<TsxApi> {
  if (tsx === undefined) {
    const { register: registerTsx } = await import('tsx/esm/api');
    tsx = registerTsx({ namespace: 'squall-test' });
  }
  return tsx;
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

/** Imports the module at `absPath`; throws SQ_SCRIPT_LOAD with the file (and line when known). */
export async function importTestModule(absPath: string, file: string): Promise<Record<string, unknown>> {
  const isTs = TS_EXTENSIONS.has(extname(absPath));
  try {
    const api = isTs ? await tsxApi() : undefined;
    if (!esmHookInstalled || (isTs && !esmHookAfterTsx)) installEsmHook();
    await installCjsHook();
    const url = pathToFileURL(absPath).href;
    return (await (api ? api.import(url, import.meta.url) : import(url))) as Record<string, unknown>;
  } catch (e) {
    throw loadError(e, absPath, file);
  }
}

const ESBUILD_ERROR = /^(.*?):(\d+):(\d+): ERROR: (.*)$/m;

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
  const text = e instanceof Error ? e.message : String(e);
  const esbuild = ESBUILD_ERROR.exec(text);
  if (esbuild && text.startsWith('Transform failed')) {
    return new SquallError('SQ_SCRIPT_LOAD', `the test script has a syntax error: ${esbuild[4]}`, {
      where: { ...where, line: Number(esbuild[2]), column: Number(esbuild[3]) + 1 },
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
