import { SourceMap } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A place in the test file, 1-based, in the file as the user wrote it. */
export interface ScriptPosition {
  line: number;
  column: number;
}

/**
 * Source maps of test files that tsx compiled to CommonJS and loaded under a `data:` URL (a .ts
 * file outside a `"type": "module"` package). Node neither maps their stack frames nor keeps the
 * map, so the loader hands it over (config/load-module.ts); keyed by the file's absolute path.
 */
const compiledMaps = new Map<string, string | SourceMap>();

/** Keeps the base64 source map of a test file compiled under a data: URL. */
export function rememberSourceMap(absPath: string, base64: string): void {
  compiledMaps.set(absPath, base64);
}

function mapOf(absPath: string): SourceMap | undefined {
  const m = compiledMaps.get(absPath);
  if (m === undefined || m instanceof SourceMap) return m;
  try {
    const map = new SourceMap(JSON.parse(Buffer.from(m, 'base64').toString('utf8')));
    compiledMaps.set(absPath, map);
    return map;
  } catch {
    compiledMaps.delete(absPath);
    return undefined;
  }
}

/** `:LINE:COL` right after a frame's file, past a query tsx may add (`?namespace=…`, encoded in a data: URL). */
const POSITION = /^(?:(?:\?|%3F)[^:\s)]*)?:(\d+):(\d+)/;

/**
 * The first place in an error's stack that is in the test file `file` (as given, relative to
 * the working directory, or absolute), in the file's own lines: Node maps ES modules itself
 * (tsx enables source maps); CommonJS compiled under a data: URL is mapped here.
 */
export function scriptPosition(e: unknown, file: string): ScriptPosition | undefined {
  const stack = e instanceof Error ? e.stack : undefined;
  if (!stack) return undefined;
  const absPath = resolve(file);
  const url = pathToFileURL(absPath).href;
  const dataKey = `?filePath=${encodeURIComponent(absPath)}`;
  for (const frame of stack.split('\n').slice(1)) {
    const data = frame.lastIndexOf(dataKey);
    if (data >= 0) {
      const m = POSITION.exec(frame.slice(data + dataKey.length));
      const entry = m && mapOf(absPath)?.findEntry(Number(m[1]) - 1, Number(m[2]) - 1);
      if (entry && 'originalLine' in entry) {
        return { line: entry.originalLine + 1, column: entry.originalColumn + 1 };
      }
      continue;
    }
    for (const base of [url, absPath]) {
      const at = frame.indexOf(base);
      if (at < 0) continue;
      const m = POSITION.exec(frame.slice(at + base.length));
      if (m) return { line: Number(m[1]), column: Number(m[2]) };
    }
  }
  return undefined;
}

/** Whether an error's stack passes through the test file (compiled or not). */
export function thrownFromScript(e: unknown, file: string): boolean {
  if (!(e instanceof Error) || !e.stack) return false;
  const absPath = resolve(file);
  return (
    e.stack.includes(absPath) ||
    e.stack.includes(pathToFileURL(absPath).href) ||
    e.stack.includes(`?filePath=${encodeURIComponent(absPath)}`)
  );
}

/** `file:line` of where the test script threw, for messages; just the file when unknown. */
export function scriptPlace(e: unknown, file: string): string {
  const pos = scriptPosition(e, file);
  return pos ? `${file}:${pos.line}` : file;
}
