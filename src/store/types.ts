import type { ResultDocument } from '../result/schema.js';

/** What a saved run records beside its document: the facts `history list` shows and filters on. */
export interface RunMeta {
  name: string;
  labels: Record<string, string>;
  /** The document's kind: 'quick' | 'run' | 'bench' | 'monitor'. */
  kind: string;
  /** ISO time, from the document. */
  startedAt: string;
  passed: boolean | null;
  git: { commit: string; branch: string | null; dirty: boolean } | null;
  host: string;
  cpu: string;
  node: string;
  squallVersion: string;
  ci: { provider: 'github'; runId: string | null; ref: string | null; pullRequest: number | null } | null;
}

export interface StoredRun {
  id: number;
  savedAt: string;
  meta: RunMeta;
}

export interface BaselineEntry {
  name: string;
  id: number;
  setAt: string;
}

/** The history, whichever database keeps it (SQLite embedded, PostgreSQL shared). */
export interface HistoryStore {
  /** For messages: the file path, or the URL without its password. */
  readonly location: string;
  /** Keeps the document whole; returns the new run's id (1, 2, 3…). */
  save(doc: ResultDocument, meta: RunMeta): Promise<number>;
  /** Newest first. */
  list(q?: { name?: string; limit?: number }): Promise<StoredRun[]>;
  get(id: number): Promise<{ run: StoredRun; doc: ResultDocument } | null>;
  last(name?: string): Promise<StoredRun | null>;
  /** Also drops the baselines pointing at it. */
  remove(id: number): Promise<boolean>;
  /** An unknown id is a SquallError (SQ_STORE_NO_RUN, exit 2). */
  setBaseline(name: string, id: number): Promise<void>;
  getBaseline(name: string): Promise<number | null>;
  listBaselines(): Promise<BaselineEntry[]>;
  removeBaseline(name: string): Promise<boolean>;
  close(): Promise<void>;
}
