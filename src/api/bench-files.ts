import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { SquallError } from '../errors/index.js';

/** What a bench file's name ends with. */
export const BENCH_FILE = /\.bench\.(ts|mts|js|mjs)$/;
/** Folders never searched: dependencies, build output, version control. */
const SKIPPED = new Set(['node_modules', 'dist', 'build', '.git']);

export interface BenchFile {
  abs: string;
  /** Relative to cwd, as reports name it. */
  rel: string;
}

function walk(dir: string, out: string[]): void {
  for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (d.isDirectory()) {
      if (!SKIPPED.has(d.name)) walk(join(dir, d.name), out);
    } else if (d.isFile() && BENCH_FILE.test(d.name)) out.push(join(dir, d.name));
  }
}

/**
 * The bench files `squall bench` runs: each path given as it is (a file) or searched (a folder),
 * the current folder when none is given. A missing path, or nothing found, is bad input (exit 2).
 */
export function findBenchFiles(paths: readonly string[], cwd: string): BenchFile[] {
  const found: string[] = [];
  for (const p of paths.length ? paths : ['.']) {
    const abs = resolve(cwd, p);
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      throw new SquallError('SQ_CONFIG_FILE_NOT_FOUND', `${p} does not exist`, {
        where: { file: p },
        hint: 'give bench files (*.bench.ts, .mts, .js, .mjs) or folders that hold them',
      });
    }
    if (!isDir) {
      found.push(abs);
      continue;
    }
    const before = found.length;
    walk(abs, found);
    if (found.length === before) {
      throw new SquallError(
        'SQ_BENCH_EMPTY',
        `no bench file under ${p === '.' ? 'the current folder' : p}: squall bench looks for *.bench.ts, .mts, .js and .mjs (not in node_modules, dist, build or .git)`,
        { where: { file: p } },
      );
    }
  }
  return [...new Set(found)].map((abs) => ({ abs, rel: relative(cwd, abs) || abs }));
}
