import { bucketKey } from '../../result/merge-documents.js';
import type { EndpointTimelinePoint, ResultDocument, TimelinePoint } from '../../result/schema.js';

/**
 * A worker's document of one second, for the parent's live figures, with only its last `keep`
 * seconds of timeline (run-wide and per endpoint), so that what crosses the thread and what the
 * parent merges each second stay the same size however long the run: the parent keeps the
 * merged seconds itself (LiveTimeline). The exact parts of the seconds kept are renumbered with
 * them; the final document is sent whole.
 */
export function recentFrame(doc: ResultDocument, keep: number): ResultDocument {
  const from = Math.max(0, doc.timeline.length - keep);
  if (from === 0) return doc;
  const shard = doc.shard;
  const exact = shard?.exact;
  let renumbered: typeof exact;
  if (exact !== undefined) {
    renumbered = {};
    for (const [key, parts] of Object.entries(exact)) {
      // `timeline.I` and `endpoints.M NAME.timeline.I`: second I of the run.
      const m = /^(.*\btimeline\.)(\d+)$/.exec(key);
      if (m === null) renumbered[key] = parts;
      else if (Number(m[2]) >= from) renumbered[`${m[1]}${Number(m[2]) - from}`] = parts;
    }
  }
  return {
    ...doc,
    timeline: doc.timeline.slice(from),
    endpoints: doc.endpoints.map((e) =>
      e.timeline === undefined ? e : { ...e, timeline: e.timeline.slice(from) },
    ),
    ...(shard === undefined
      ? {}
      : { shard: { ...shard, ...(renumbered === undefined ? {} : { exact: renumbered }) } }),
  };
}

/** The merged run's seconds so far, from frames that each carry the last few: later frames win. */
export class LiveTimeline {
  private readonly points = new Map<number, TimelinePoint>();
  /** Each endpoint's seconds, by `METHOD NAME`. */
  private readonly endpoints = new Map<string, Map<number, EndpointTimelinePoint>>();

  /** Takes the frame's seconds and gives the frame the whole timeline so far, its endpoints' too. */
  update(doc: ResultDocument): ResultDocument {
    return {
      ...doc,
      timeline: gather(this.points, doc.timeline),
      endpoints: doc.endpoints.map((e) => {
        if (e.timeline === undefined) return e;
        const key = `${e.method} ${e.name}`;
        let points = this.endpoints.get(key);
        if (points === undefined) {
          points = new Map();
          this.endpoints.set(key, points);
        }
        return { ...e, timeline: gather(points, e.timeline) };
      }),
    };
  }
}

/** Adds `latest` to the seconds kept (a later point wins) and gives them all in order. */
function gather<P extends { t: number }>(kept: Map<number, P>, latest: readonly P[]): P[] {
  for (const p of latest) kept.set(bucketKey(p.t), p);
  return [...kept.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
}
