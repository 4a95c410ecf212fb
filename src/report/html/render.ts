import type { ResultDocument } from '../../result/schema.js';
import { renderPage } from './page.js';

/** The self-contained HTML report of a result document: one file that opens offline. */
export function renderHtml(doc: ResultDocument): string {
  return renderPage({ doc });
}
