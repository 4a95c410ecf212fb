import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that always ends: each missing folder from the nearest existing one down is made
 * once, and the first failure is thrown. Node 20's `mkdirSync(dir, { recursive: true })` loops
 * forever at 100 % CPU where a parent exists but refuses children with ENOENT (/proc/self/x).
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = dir;
  while (!existsSync(d)) {
    missing.push(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  for (const m of missing.reverse()) mkdirSync(m);
}
