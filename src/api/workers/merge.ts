import { mergeDocuments } from '../../result/merge-documents.js';
import type { ResultDocument } from '../../result/schema.js';

/**
 * The workers' documents (shard documents, worker i = shard i of N) as one, exactly: the one call
 * that makes the run's document and each second's merged figures. The result is the document of
 * the whole run, not of a shard: it carries no shard section, and `config.workers` says how it
 * ran. `onWarning` hears of workers missing (one that never sent a second).
 */
export function mergeWorkerDocuments(
  docs: readonly ResultDocument[],
  workers: number,
  onWarning?: (message: string) => void,
): ResultDocument {
  const { shard: _shard, ...merged } = mergeDocuments(docs, {
    names: docs.map((d) => `worker ${(d.shard?.index ?? 0) + 1}`),
    onWarning,
  });
  return { ...merged, config: { ...merged.config, workers } };
}
