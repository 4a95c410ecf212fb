import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import type { ConvertSource } from './types.js';

/**
 * Which tool a test file was written for, from its text (the extension only narrows the
 * guess): a k6 script imports 'k6' or one of its modules, an Artillery test is YAML with
 * `config:` and `scenarios:` whose items have a `flow:`, a locustfile is Python with an HttpUser.
 * Undefined when it is none of them; `why` then says what was seen.
 */
export function detectSource(text: string, file: string): { source?: ConvertSource; why: string } {
  const ext = extname(file).toLowerCase();
  if (ext === '.py' || /^\s*(from|import)\s+locust\b/m.test(text)) {
    if (/\b(HttpUser|FastHttpUser)\b/.test(text)) return { source: 'locust', why: 'a Locust HttpUser' };
    return { why: 'a Python file with no HttpUser or FastHttpUser class (not a locustfile)' };
  }
  if (['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'].includes(ext) || /^\s*import\s/m.test(text)) {
    if (/\bfrom\s+['"]k6(\/[\w/-]+)?['"]|\brequire\(\s*['"]k6(\/[\w/-]+)?['"]\s*\)/.test(text))
      return { source: 'k6', why: "imports 'k6'" };
    return { why: "a JavaScript/TypeScript file that imports neither 'k6' nor one of its modules" };
  }
  if (['.yml', '.yaml', '.json', ''].includes(ext)) {
    const doc = parseDocument(text);
    if (doc.errors.length > 0) return { source: ext === '.json' ? undefined : 'artillery', why: 'YAML' };
    const root = doc.toJS() as unknown;
    if (isArtillery(root)) return { source: 'artillery', why: 'config and scenarios with a flow' };
    return { why: 'a YAML file without the config: and scenarios: (each with a flow:) of an Artillery test' };
  }
  return { why: `a ${ext} file (k6: .js/.ts, Artillery: .yml/.yaml, Locust: .py)` };
}

export function isArtillery(root: unknown): boolean {
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return false;
  const r = root as Record<string, unknown>;
  return (
    typeof r.config === 'object' &&
    r.config !== null &&
    Array.isArray(r.scenarios) &&
    r.scenarios.some(
      (s) => typeof s === 'object' && s !== null && Array.isArray((s as { flow?: unknown }).flow),
    )
  );
}
