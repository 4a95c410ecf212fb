import type { ResultDocument } from '../result/schema.js';

/** The result document as pretty JSON, newline-terminated so shells and diffs handle it well. */
export function renderJson(result: ResultDocument): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
