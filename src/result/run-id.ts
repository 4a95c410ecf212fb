import { randomBytes } from 'node:crypto';

let current: string | undefined;

/**
 * The id of this process's run, made once: a squall process runs one load, and its live views
 * (the Prometheus endpoint and remote write label every series with it), its frames and its
 * final document must all carry the same id. Readable and sortable: the start time (UTC) and
 * six random hex digits, e.g. `20250105T102233Z-3f9a1c`.
 */
export function processRunId(now: Date = new Date()): string {
  current ??= `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
  return current;
}
