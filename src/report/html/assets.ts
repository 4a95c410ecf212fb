import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SquallError } from '../../errors/index.js';
import * as figures from '../../util/figures.js';
import * as monitorState from '../monitor-state.js';

/**
 * The files inlined into every report page: uPlot (the charting library, from its npm package)
 * and the page's own script and styles (./assets, copied next to the compiled code by the build).
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
    pageJs: inlineable(
      inlinedModule('squallFigures', figures) +
        inlinedModule('squallMonitor', monitorState) +
        readAsset(fileURLToPath(new URL('./assets/report.js', import.meta.url))),
      'script',
    ),
    pageCss: inlineable(readAsset(fileURLToPath(new URL('./assets/report.css', import.meta.url))), 'style'),
  };
  return cached;
}

/**
 * The page formats figures and judges the watched process with the very functions every other
 * output uses: util/figures.ts's, inlined as `squallFigures`, and report/monitor-state.ts's, as
 * `squallMonitor` (those modules import no values and their functions call only each other, so
 * each one's text runs as it is in the browser).
 */
function inlinedModule(name: string, module: object): string {
  const fns = Object.entries(module as Record<string, unknown>).filter(([, f]) => typeof f === 'function');
  const bodies = fns.map(([, f]) => String(f)).join('\n');
  return `const ${name} = (() => {\n${bodies}\nreturn { ${fns.map(([fn]) => fn).join(', ')} };\n})();\n`;
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
