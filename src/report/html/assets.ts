import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SquallError } from '../../errors/index.js';
import { bundlePage } from './page-bundle.js';

/**
 * The files inlined into every report page: uPlot (the charting library, from its npm package)
 * and the page's own script (page/*.ts, bundled into ./assets by the build) and styles.
 * Read once per process: a dashboard serves the page many times and `squall report` may render
 * many documents.
 */
export interface PageAssets {
  uplotJs: string;
  uplotCss: string;
  pageJs: string;
  pageCss: string;
}

let cached: PageAssets | undefined;

export function pageAssets(): PageAssets {
  cached ??= {
    uplotJs: inlineable(readAsset(resolvePackageFile('uplot/dist/uPlot.iife.min.js')), 'script'),
    uplotCss: inlineable(readAsset(resolvePackageFile('uplot/dist/uPlot.min.css')), 'style'),
    pageJs: inlineable(pageScript(), 'script'),
    pageCss: inlineable(readAsset(fileURLToPath(new URL('./assets/report.css', import.meta.url))), 'style'),
  };
  return cached;
}

/**
 * The bundle the build wrote beside this module; run from the sources (tests), where there is
 * none, the page's sources bundled now, so that a test never draws a stale page.
 */
function pageScript(): string {
  const built = fileURLToPath(new URL('./assets/report.js', import.meta.url));
  if (existsSync(built) || !existsSync(fileURLToPath(new URL('./page/main.ts', import.meta.url)))) {
    return readAsset(built);
  }
  return bundlePage();
}

/** The `'sha256-…'` source a Content-Security-Policy needs to allow one inline script. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function resolvePackageFile(spec: string): string {
  try {
    return createRequire(import.meta.url).resolve(spec);
  } catch (e) {
    throw missing(spec, e);
  }
}

function readAsset(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw missing(path, e);
  }
}

function missing(what: string, cause: unknown): SquallError {
  return new SquallError(
    'SQ_INTERNAL',
    `the HTML report needs ${what}, which cannot be read (${(cause as Error).message}); ` +
      'the squall installation is incomplete: reinstall it (npm install squall)',
    { cause },
  );
}

/** Inline text must not close its element early: `</script` (or `</style`) would end it. */
function inlineable(text: string, tag: 'script' | 'style'): string {
  if (text.toLowerCase().includes(`</${tag}`) || text.includes('<!--')) {
    throw new SquallError(
      'SQ_INTERNAL',
      `an HTML report asset contains "</${tag}" or "<!--" and cannot be inlined`,
    );
  }
  return text;
}
