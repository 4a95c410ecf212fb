import { SquallError } from '../../errors/index.js';
import type { ResultDocument } from '../../result/schema.js';

/**
 * The workers' documents as one, exactly: the one call that makes the run's document (and each
 * second's merged figures). The result is a document of the whole run, not of a shard: it carries
 * no shard section, and `config.workers` says how it was run.
 */
export function mergeWorkerDocuments(docs: readonly ResultDocument[], workers: number): ResultDocument {
  if (docs.length !== 1) {
    // TODO(h1): mergeDocuments from src/result/merge-documents.ts, once branch h1 has it.
    throw new SquallError('SQ_INTERNAL', 'merging the documents of several workers needs mergeDocuments');
  }
  const { shard: _shard, ...merged } = docs[0] as ResultDocument & { shard?: unknown };
  return { ...merged, config: { ...merged.config, workers } };
}
