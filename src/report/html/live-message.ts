import type { ResultDocument } from '../../result/schema.js';

/**
 * What the dashboard sends its page once a second (SSE `frame` events). The timeline and the
 * monitor's samples only grow, so each message carries just the points a client lacks: the doc's
 * `timeline` holds the points from `timelineStart` on, `monitor.samples` those from
 * `samplesStart`, and the page splices them onto what it has. The last point a client holds is
 * sent again, so a point still being filled in is corrected rather than kept stale. Each
 * endpoint's own `timeline` is aligned with the run's and is cut at the same `timelineStart`:
 * sent whole, 20 endpoints' seconds would make every frame of an hour-long run megabytes.
 */
export interface LiveMessage {
  doc: ResultDocument;
  elapsedMs: number;
  totalMs: number | null;
  timelineStart: number;
  samplesStart: number;
}

/** How many timeline points and monitor samples a client holds; null for a new client. */
export interface HeldCounts {
  timeline: number;
  samples: number;
}

export interface FrameInput {
  doc: ResultDocument;
  elapsedMs: number;
  totalMs?: number;
}

export function liveMessage(
  frame: FrameInput,
  held: HeldCounts | null,
): { message: LiveMessage; held: HeldCounts } {
  const timeline = Array.isArray(frame.doc.timeline) ? frame.doc.timeline : [];
  const monitor = frame.doc.monitor;
  const samples = monitor && Array.isArray(monitor.samples) ? monitor.samples : [];
  const timelineStart = resendFrom(held?.timeline ?? 0, timeline.length);
  const samplesStart = resendFrom(held?.samples ?? 0, samples.length);
  const doc: ResultDocument = {
    ...frame.doc,
    timeline: timeline.slice(timelineStart),
    endpoints: Array.isArray(frame.doc.endpoints)
      ? frame.doc.endpoints.map((e) =>
          e && Array.isArray(e.timeline) ? { ...e, timeline: e.timeline.slice(timelineStart) } : e,
        )
      : frame.doc.endpoints,
    monitor: monitor ? { ...monitor, samples: samples.slice(samplesStart) } : monitor,
  };
  return {
    message: {
      doc,
      elapsedMs: frame.elapsedMs,
      totalMs: frame.totalMs ?? null,
      timelineStart,
      samplesStart,
    },
    held: { timeline: timeline.length, samples: samples.length },
  };
}

/** From the client's last point (sent again), or from the end if the series got shorter. */
function resendFrom(held: number, length: number): number {
  return Math.max(0, Math.min(held, length) - 1);
}
