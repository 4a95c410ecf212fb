import type { ResultDocument } from '../../result/schema.js';
import { cspHash, pageAssets } from './assets.js';
import { jsonForScript } from './embed.js';

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

/** `2026-12-03 10:41` in local time; '' when the date is missing or bad. */
function titleDate(iso: unknown): string {
  const d = new Date(String(iso ?? ''));
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * `load-test.yaml — 2026-12-03 10:41 — squall`: the test (its file, else its URL, else the
 * watched process) and the run's date, so saved tabs and files can be told apart. The page
 * script sets the same title (report.js pageTitle).
 */
export function pageTitle(doc: ResultDocument | null): string {
  const c = (doc?.config ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const file = str(c.file);
  let name = file ? (file.split(/[\\/]/).pop() ?? '') : str(c.target) || str(c.url) || str(c.host);
  if (c.command === 'monitor') {
    const m = (doc?.monitor ?? {}) as unknown as Record<string, unknown>;
    const cmd = str(m.cmd) || str(c.cmd);
    const pid = typeof m.pid === 'number' ? m.pid : typeof c.pid === 'number' ? c.pid : undefined;
    const pidText = pid === undefined ? '' : `pid ${pid}`;
    name = `monitor ${cmd ? `'${cmd}'${pidText ? ` (${pidText})` : ''}` : pidText || '-'}`;
  }
  return [name, titleDate(doc?.startedAt), 'squall'].filter((x) => x).join(' — ');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
