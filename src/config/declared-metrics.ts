import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { MetricKind } from '../thresholds/index.js';

/**
 * Custom metrics a script test may create after it has loaded: `new Trend('verify_ms')` inside
 * setup() or a flow (created on first use) is as valid as one at the top level, but the registry
 * only knows it once that code has run. A threshold on it must not be refused before the load, so
 * the test's sources (the file and the local files it imports) are read for metrics constructed
 * with a literal name. A name built at run time (`new Counter(prefix + '_n')`) is not found: such
 * a metric must be created at the top level of the file to take a threshold.
 */

const CONSTRUCTED = /\bnew\s+(Counter|Gauge|Rate|Trend)\s*\(\s*(['"`])([A-Za-z_][A-Za-z0-9_]*)\2/g;
const LOCAL_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;
const EXTENSIONS = ['', '.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '/index.ts', '/index.js'];
/** Enough for any test's own helpers; a bound so a cycle or a huge tree cannot stall start-up. */
const MAX_FILES = 100;

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  // TypeScript imports `./util.js` for `./util.ts`.
  const candidates = [...EXTENSIONS.map((e) => base + e), base.replace(/\.(m|c)?js$/, '.$1ts')];
  return candidates.find((p) => existsSync(p) && statSync(p).isFile());
}

const KINDS: Readonly<Record<string, MetricKind>> = {
  Counter: 'counter',
  Gauge: 'gauge',
  Rate: 'rate',
  Trend: 'trend',
};

/** Metrics constructed with a literal name in `entry` and the local modules it imports. */
export function metricsInSources(entry: string): Map<string, MetricKind> {
  const found = new Map<string, MetricKind>();
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0 && seen.size < MAX_FILES) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(CONSTRUCTED)) if (!found.has(m[3]!)) found.set(m[3]!, KINDS[m[1]!]!);
    for (const m of text.matchAll(LOCAL_IMPORT)) {
      const next = resolveLocal(file, m[2]!);
      if (next !== undefined) queue.push(next);
    }
  }
  return found;
}
