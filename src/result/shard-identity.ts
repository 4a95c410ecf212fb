import { createHash } from 'node:crypto';

/**
 * A test's identity across shards (ShardSection.test): shards of one test resolve the same
 * `config`, whatever the machine; documents of different tests differ. Keys that say how or
 * where this one process ran, not what the test is, are left out.
 */
const RUN_SPECIFIC_KEYS: ReadonlySet<string> = new Set([
  'shard',
  'startAt',
  'output',
  'outputs',
  'out',
  'workers',
  'monitor',
  'runId',
  'reportDir',
]);

/** JSON with every object's keys sorted, so that key order never changes the identity. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The config a test's identity is computed over: run-specific keys out; a file by its base name. */
export function identityConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (RUN_SPECIFIC_KEYS.has(k)) continue;
    // The same test file sits in a different directory on each machine (or pod).
    out[k] = k === 'file' && typeof v === 'string' ? v.split(/[\\/]/).pop() : v;
  }
  return out;
}

/** First 16 hex digits of sha256 over the canonical JSON of the test's config. */
export function testIdentity(config: Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalJson(identityConfig(config)))
    .digest('hex')
    .slice(0, 16);
}
