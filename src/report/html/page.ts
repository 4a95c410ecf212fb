import type { ResultDocument } from '../../result/schema.js';
import { cspHash, pageAssets } from './assets.js';
import { jsonForScript } from './embed.js';
import { pageTitle } from './title.js';

export { pageTitle };

/**
 * The report page: one HTML file with everything inlined (uPlot, the page script, the styles,
 * the document as JSON), so it opens from disk with no network. The HTML report and the live
 * dashboard serve the same page; the script reads the document from `#squall-result`, or, when
 * `#squall-live` is present, streams it from the dashboard's /events.
 */
export interface PageOptions {
  /** The document to show; null on the live page, which receives it from its server. */
  doc: ResultDocument | null;
  /** The dashboard's page: the token it sends with POST /stop. */
  live?: { token: string };
}

export function renderPage(opts: PageOptions): string {
  const a = pageAssets();
  // Only our two scripts may run, and the report may not connect anywhere: a value in the
  // document can never load or send anything, even if it slipped past the page's escaping.
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(a.uplotJs)} ${cspHash(a.pageJs)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    `connect-src ${opts.live ? "'self'" : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const data = [
    `<script type="application/json" id="squall-result">${jsonForScript(opts.doc)}</script>`,
    opts.live ? `<script type="application/json" id="squall-live">${jsonForScript(opts.live)}</script>` : '',
  ].join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="squall">
<title>${escapeHtml(opts.live ? 'live — squall' : pageTitle(opts.doc))}</title>
<style>${a.uplotCss}</style>
<style>${a.pageCss}</style>
</head>
<body>
<div id="app"><noscript>This report is drawn by JavaScript; allow scripts for this file to see it.</noscript></div>
${data}
<script>${a.uplotJs}</script>
<script>${a.pageJs}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
