import type { ResultDocument } from '../result/schema.js';
import type { RunMeta, StoredRun } from './types.js';

/**
 * One run as both stores keep it: the meta as JSON (the truth) plus the columns queries filter
 * and sort on, and the document whole as JSON text.
 */
export interface RunRow {
  id: number;
  saved_at: string;
  meta: string;
}

export function runFromRow(row: RunRow): StoredRun {
  return { id: Number(row.id), savedAt: row.saved_at, meta: JSON.parse(row.meta) as RunMeta };
}

export function docFromText(text: string): ResultDocument {
  return JSON.parse(text) as ResultDocument;
}

/** A limit a query can use: a positive integer, or none. */
export function limitOf(q?: { limit?: number }): number | null {
  const n = q?.limit;
  return n !== undefined && Number.isFinite(n) && n > 0 ? Math.floor(n) : null;
}
