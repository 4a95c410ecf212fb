import { existsSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { badFlag } from '../errors/index.js';
import { fileReporter } from '../report/registry.js';
import { makeDirs } from '../util/make-dirs.js';
import { type OutputSpec, STAMP } from './outputs.js';

/** `--report-dir DIR` of quick, run and bench. */
export interface ReportDirFlags {
  reportDir?: string;
}

/** What a report folder gets, as teams keep them: the document, the page, the summary, Locust's CSVs. */
const KINDS = ['json', 'html', 'md', 'csv'] as const;

/**
 * `--report-dir DIR`: the outputs `-o json=DIR/NAME_STAMP.json -o html=… -o md=… -o csv=DIR/NAME_STAMP`
 * would give, STAMP being the run's start in UTC (`YYYYMMDD_HHMMSS`), filled in when the files
 * are written. DIR is made when missing; one that is a file, or cannot be made, is bad input,
 * found before the load.
 */
export function reportDirOutputs(dir: string | undefined, name: string): OutputSpec[] {
  if (dir === undefined) return [];
  if (dir.trim() === '') {
    throw badFlag(
      '--report-dir',
      '--report-dir is empty; expected a folder, for example --report-dir reports',
    );
  }
  const full = resolve(dir);
  if (existsSync(full) && !statSync(full).isDirectory()) {
    throw badFlag(
      '--report-dir',
      `--report-dir ${dir} is a file, not a folder; expected a folder to write the reports into (it is made when missing)`,
    );
  }
  try {
    makeDirs(full);
  } catch (e) {
    throw badFlag('--report-dir', `--report-dir ${dir} cannot be made: ${(e as Error).message}`);
  }
  return KINDS.map((kind) => {
    // csv's path is the prefix of Locust's three files, which add their own `_stats.csv` and so on.
    const ext = kind === 'csv' ? '' : fileReporter(kind)!.extension;
    return { kind, path: join(dir, `${name}_${STAMP}${ext}`), stamped: true };
  });
}

/** A name fit for a file: letters, digits, `.` and `-`, lower case (`GET 127.0.0.1:80/a` → `get-127.0.0.1-80-a`). */
export function fileSlug(text: string, fallback: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 100);
  return slug === '' ? fallback : slug;
}

/** `squall quick`'s report name: `METHOD host/path` as a slug. */
export function quickReportName(method: string, url: URL): string {
  return fileSlug(`${method} ${url.host}${url.pathname}`, 'quick');
}

/** `squall run`'s report name: the test file's name without its extension. */
export function runReportName(file: string | null): string {
  if (file === null) return 'test';
  const base = basename(file, extname(file));
  return /^[\w.-]+$/.test(base) ? base : fileSlug(base, 'test');
}
