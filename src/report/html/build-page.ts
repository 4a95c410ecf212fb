/**
 * `npm run build`'s last step (run with tsx): the page script bundled into dist beside the
 * compiled reporter, and the page's styles copied there. dist holds the bundle; git does not.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { bundlePage } from './page-bundle.js';

const out = new URL('../../../dist/report/html/assets/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('report.js', out), bundlePage());
cpSync(new URL('./assets/report.css', import.meta.url), new URL('report.css', out));
