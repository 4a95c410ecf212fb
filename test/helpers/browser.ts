import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Real headless Chromium for the tests of the HTML report and the live dashboard, driven by
 * playwright-core with the distribution's own Chromium (no browser download). Without Chromium
 * the browser tests are skipped, with `browserMissing()` saying how to install it.
 */

// The functions passed to page.evaluate run in the browser. This project compiles without the
// DOM's types (lib ES2023), so the little of the DOM they use is declared here, for this file.
interface PageNode {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}
interface PageElement extends PageNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
declare const document: PageNode;

export const CHROMIUM_PATH = process.env.SQUALL_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  return (
    `no Chromium at ${CHROMIUM_PATH}: install it with \`sudo apt-get install -y chromium\` ` +
    '(Debian/Ubuntu; CI does this), or point SQUALL_CHROMIUM at a Chromium binary'
  );
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}

/** A page that keeps what went wrong in it and every request it made. */
export interface WatchedPage {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
}

export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const w: WatchedPage = { page, consoleErrors: [], pageErrors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => w.pageErrors.push(e.message));
  page.on('request', (r) => w.requests.push(r.url()));
  return w;
}

/**
 * For each `[data-chart]` element that is shown, how many pixels of its canvas are coloured
 * (clearly not grey): the series drawn, as opposed to the axes, grid and labels, which are grey.
 * 0 means the chart drew no data.
 */
export function chartInk(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const host of document.querySelectorAll('[data-chart]')) {
      if (host.closest('[hidden]')) continue;
      const canvas = host.querySelector('canvas');
      let n = 0;
      if (canvas && canvas.width > 0 && canvas.height > 0) {
        const px: Uint8ClampedArray = canvas
          .getContext('2d')
          .getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < px.length; i += 4) {
          const r = px[i]!;
          const g = px[i + 1]!;
          const b = px[i + 2]!;
          if (px[i + 3]! > 100 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
        }
      }
      out[host.getAttribute('data-chart')!] = n;
    }
    return out;
  });
}

/** Every `data-field` figure inside `root` (the page when omitted): field -> data-value. */
export function figures(page: Page, root = 'body'): Promise<Record<string, string>> {
  return page.evaluate((sel) => {
    const out: Record<string, string> = {};
    const scope = document.querySelector(sel);
    for (const e of scope?.querySelectorAll('[data-field]') ?? []) {
      out[e.getAttribute('data-field')!] = e.getAttribute('data-value') ?? '';
    }
    return out;
  }, root);
}

export interface TableRow {
  /** The row's `key` attribute (`data-endpoint`, `data-check`, …). */
  key: string | null;
  /** Each figure of the row: data-field -> its data-value and text. */
  cells: Record<string, { value: string | null; text: string | null }>;
}

/** The rows matching `selector`, each keyed by its `keyAttr`, with their figures. */
export function tableRows(page: Page, selector: string, keyAttr: string): Promise<TableRow[]> {
  return page.evaluate(
    ([sel, attr]) =>
      [...document.querySelectorAll(sel)].map((tr) => {
        const cells: TableRow['cells'] = {};
        for (const c of tr.querySelectorAll('[data-field]')) {
          cells[c.getAttribute('data-field')!] = { value: c.getAttribute('data-value'), text: c.textContent };
        }
        return { key: tr.getAttribute(attr), cells };
      }),
    [selector, keyAttr] as const,
  );
}
