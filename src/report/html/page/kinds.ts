/**
 * Which of the page's slots a document shows, by its kind. A bench or a sweep document keeps the
 * load test's fields, empty (build-bench.ts, build-sweep.ts): their cards, charts, endpoints and
 * metrics would show nothing but zeros, so only the slots that mean something for the kind show.
 */
const ONLY: Record<string, ReadonlySet<string>> = {
  bench: new Set(['header', 'bench', 'comparison', 'config']),
  // A sweep's thresholds are on its own figures (sweep_capacity, …): their table stays.
  sweep: new Set(['header', 'sweep', 'comparison', 'thresholds', 'config']),
};

/** Whether the slot `name` shows for a document of this kind (a load document shows them all). */
export function slotShown(kind: unknown, name: string): boolean {
  const only = typeof kind === 'string' ? ONLY[kind] : undefined;
  return only ? only.has(name) : true;
}

/** Whether the load test's own panels (cards, timeline charts, endpoints) are drawn at all. */
export function isLoadDocument(kind: unknown): boolean {
  return typeof kind !== 'string' || ONLY[kind] === undefined;
}
