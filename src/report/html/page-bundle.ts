import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The report page's script: page/main.ts and what it imports (the formatters every output uses,
 * util/figures.ts and report/monitor-state.ts, among them), bundled by esbuild into one classic
 * script for the browser. `npm run build` writes it to dist (build-page.ts); a test run from the
 * sources, where no bundle exists, bundles it here.
 */
export function bundlePage(): string {
  // esbuild is a build tool (a devDependency, and tsx's): loaded only when bundling.
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const out = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL('./page/main.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    // Browsers of the last few years; the page uses DecompressionStream (2023 in every engine).
    target: ['chrome109', 'firefox113', 'safari16.4'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild wrote no page script');
  return file.text;
}
