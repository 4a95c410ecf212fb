import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildOptions, Plugin } from 'esbuild';

/**
 * Compiles a TypeScript test file, and the local files it imports, into one ES module with
 * esbuild in this process, and caches the result by content. Node then imports a plain .mjs:
 * no loader hooks, whose thread alone cost more than the rest of `squall run`'s start-up
 * (docs/PERFORMANCE.md, "Start-up").
 *
 * - `squall` becomes the URL of this package's own index module (the CLI's instance).
 * - Other packages stay imports, of the file Node would load from the test's folder.
 * - `import.meta.url`, `__dirname` and `__filename` are those of each source file (the test's, a
 *   helper's), not the cache's: a helper reading `new URL('./data.csv', import.meta.url)` finds
 *   its own neighbour, as it would unbundled.
 * - The source map points at the original files, so stack frames show the test's own lines.
 */

/**
 * Part of the cache key: this file's own modification time, which changes with every install or
 * build of squall (whose esbuild, plugin or options may compile the same input differently).
 */
const COMPILER_STAMP = statSync(fileURLToPath(import.meta.url)).mtimeMs;

/** The package's public entry, as load-module.ts resolves it. */
export interface CompileTarget {
  absPath: string;
  indexUrl: string;
}

interface CacheMeta {
  inputs: Array<{ path: string; sha256: string }>;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * A folder only this user can write: a compiled file there is imported as code, so one that
 * another user could plant is not trusted (the compile then goes to a fresh temporary folder).
 */
function cacheDir(): { dir: string; shared: boolean } {
  const uid = process.getuid?.();
  const dir = process.env.SQUALL_CACHE_DIR || join(tmpdir(), `squall-${uid ?? 'user'}`, 'compiled');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (uid === undefined || st.uid === uid) return { dir, shared: true };
  } catch {
    // Not writable: compile without a cache.
  }
  return { dir: mkdtempSync(join(tmpdir(), 'squall-compiled-')), shared: false };
}

function cached(file: string, metaFile: string): boolean {
  try {
    statSync(file);
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as CacheMeta;
    return meta.inputs.every((i) => sha256(readFileSync(i.path)) === i.sha256);
  } catch {
    return false;
  }
}

/** Writes next to the target and renames: another squall compiling the same file never sees half of it. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * Resolves `squall` to the package's own index and every other package to the file Node would
 * load, then leaves them external: bundling a package could change what it does.
 */
function externals(target: CompileTarget, usesRequire: { value: boolean }): Plugin {
  return {
    name: 'squall-externals',
    setup(build) {
      const ownRoot = dirname(fileURLToPath(target.indexUrl)) + sep;
      // An absolute file: URL, as Node allows: squall's own modules and JavaScript stay imports
      // (one instance); another TypeScript file is compiled in.
      build.onResolve({ filter: /^file:/ }, (args) => {
        const path = fileURLToPath(args.path);
        if (path.startsWith(ownRoot) || !/\.[mc]?ts$/.test(path)) return { path: args.path, external: true };
        return { path };
      });
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'inner' || isBuiltin(args.path) || args.path.startsWith('file:'))
          return undefined;
        const required = args.kind === 'require-call' || args.kind === 'require-resolve';
        if (required) usesRequire.value = true;
        // require('squall') goes through load-module.ts's CommonJS hook, which hands out the same instance.
        if (args.path === 'squall') return { path: required ? 'squall' : target.indexUrl, external: true };
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'inner',
        });
        if (found.errors.length > 0) return { errors: found.errors };
        if (found.external || found.path === '') return { path: args.path, external: true };
        return { path: required ? found.path : pathToFileURL(found.path).href, external: true };
      });
    },
  };
}

/** `__dirname` or `__filename` used, not declared (an ES module often declares its own). */
const FREE_NAME = (name: string) => new RegExp(`(?<![.\\w$])${name}\\b`, 'g');
const DECLARED = (name: string) => new RegExp(`\\b(?:const|let|var|function)\\s+${name}\\b`);

/** Gives each bundled source file its own `import.meta.url`, `__dirname` and `__filename`. */
function ownLocation(): Plugin {
  return {
    name: 'squall-own-location',
    setup(build) {
      build.onLoad({ filter: /\.[mc]?[jt]sx?$/ }, (args) => {
        if (args.namespace !== 'file' || args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        let text = readFileSync(args.path, 'utf8');
        const url = pathToFileURL(args.path).href;
        text = text
          .replace(/\bimport\.meta\.url\b/g, JSON.stringify(url))
          .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path))
          .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)));
        for (const [name, value] of [
          ['__filename', args.path],
          ['__dirname', dirname(args.path)],
        ] as const) {
          if (!DECLARED(name).test(text)) text = text.replace(FREE_NAME(name), JSON.stringify(value));
        }
        const ext = args.path.slice(args.path.lastIndexOf('.') + 1);
        const loader = ext.endsWith('x')
          ? ext.startsWith('t')
            ? 'tsx'
            : 'jsx'
          : ext.includes('t')
            ? 'ts'
            : 'js';
        return { contents: text, loader, resolveDir: dirname(args.path) };
      });
    },
  };
}

/** The file URL of the compiled module for `target`, compiling it unless the cache holds it. */
export async function compileTestModule(target: CompileTarget): Promise<string> {
  const { absPath } = target;
  const source = readFileSync(absPath);
  const { dir, shared } = cacheDir();
  const key = sha256(JSON.stringify([COMPILER_STAMP, target.indexUrl, absPath, sha256(source)]));
  const outFile = join(dir, `${key}.mjs`);
  const metaFile = join(dir, `${key}.json`);
  if (shared && cached(outFile, metaFile)) return pathToFileURL(outFile).href;

  const esbuild = await import('esbuild');
  const fileUrl = pathToFileURL(absPath).href;
  const usesRequire = { value: false };
  const options = {
    entryPoints: [absPath],
    absWorkingDir: dirname(absPath),
    bundle: true,
    write: false as const,
    format: 'esm' as const,
    platform: 'node' as const,
    target: 'node20',
    outfile: outFile,
    sourcemap: 'external' as const,
    sourcesContent: false,
    metafile: true as const,
    logLevel: 'silent' as const,
    plugins: [externals(target, usesRequire), ownLocation()],
  } satisfies BuildOptions;
  let result = await esbuild.build(options);
  if (usesRequire.value) {
    // require() in an ES module: give it one that resolves from the test's folder. Only then,
    // since a test may declare its own `require` the same way.
    result = await esbuild.build({
      ...options,
      banner: {
        js: `import { createRequire as __squallCreateRequire } from 'node:module'; const require = __squallCreateRequire(${JSON.stringify(fileUrl)});`,
      },
    });
  }
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!.text;
  const map = JSON.parse(result.outputFiles.find((f) => f.path.endsWith('.map'))!.text) as {
    sources: string[];
  };
  // Node resolves the map's sources against the module's URL; make them the original files'.
  map.sources = map.sources.map((s) => pathToFileURL(resolve(dir, s)).href);
  const code =
    js.replace(/\/\/# sourceMappingURL=\S*\s*$/, '') +
    `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
  writeAtomic(outFile, code);
  try {
    const inputs = Object.keys(result.metafile.inputs).map((p) => {
      const path = resolve(dirname(absPath), p);
      return { path, sha256: path === absPath ? sha256(source) : sha256(readFileSync(path)) };
    });
    writeAtomic(metaFile, JSON.stringify({ inputs } satisfies CacheMeta));
  } catch {
    // An input that cannot be read again (removed meanwhile): this compile is simply not cached.
  }
  return pathToFileURL(outFile).href;
}
