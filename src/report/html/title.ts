/**
 * The page's title, written into the file by page.ts and set again by the page script (which
 * adds `live` while a dashboard's run goes on): the test (its file, else its URL, else the
 * watched process) and the run's date, so saved tabs and files can be told apart. The page
 * bundles this file for the browser.
 */
import { monitoredName } from '../format.js';

type Loose = { config?: unknown; monitor?: unknown; startedAt?: unknown } | null;

/** `2026-12-03 10:41` in local time; '' when the date is missing or bad. */
function titleDate(iso: unknown): string {
  const d = new Date(String(iso ?? ''));
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** `load-test.yaml — 2026-12-03 10:41 — squall` (`… — live — squall` on a running dashboard). */
export function pageTitle(doc: Loose, live = false): string {
  const c = asRecord(doc?.config);
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const file = str(c.file);
  let name = file ? (file.split(/[\\/]/).pop() ?? '') : str(c.target) || str(c.url) || str(c.host);
  if (c.command === 'monitor') name = monitoredName(doc);
  return [name, titleDate(doc?.startedAt), live ? 'live' : '', 'squall'].filter((x) => x).join(' — ');
}

function asRecord(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}
