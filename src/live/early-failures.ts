import type { RunMetrics } from '../metrics/run-metrics.js';
import type { LiveConsumer } from './live.js';

/** How long after the start a run is watched for failing the same way every time. */
const WATCH_MS = 10_000;
/** Requests (or iterations) seen before anything is said. */
const MIN_SEEN = 20;
/** Share of them that failed, and share of the failures of one kind. */
const FAILED_SHARE = 0.9;

/**
 * A guard rail (issue 18): when nearly every request or iteration of the first seconds fails,
 * and fails the same way (an unset variable, a refused connection), says so once on stderr with
 * the first error, so nobody watches thousands of identical failures go by. The run goes on;
 * `--stop-on-errors` is the flag that stops it.
 */
export function earlyFailuresConsumer(
  metrics: RunMetrics,
  write: (line: string) => void,
  stopFlagGiven: boolean,
  /** True once a stop rule ended the run: its own message says why, this line would not. */
  stopped: () => boolean = () => false,
): LiveConsumer {
  let done = false;
  return {
    name: 'earlyFailures',
    start() {},
    snapshot({ elapsedMs }) {
      if (done || stopped()) return undefined;
      if (elapsedMs > WATCH_MS) {
        done = true;
        return undefined;
      }
      const requests = metrics.http.requests;
      const failedRequests = metrics.http.failures;
      const iterations = metrics.selectIterations({}, false);
      const byRequests = requests >= MIN_SEEN && failedRequests >= FAILED_SHARE * requests;
      const byIterations =
        iterations.count >= MIN_SEEN && iterations.failed >= FAILED_SHARE * iterations.count;
      if (!byRequests && !byIterations) return undefined;
      const groups = metrics.http.errors.toArray();
      const top = groups[0];
      const total = groups.reduce((n, g) => n + g.count, 0);
      if (top === undefined || top.count < FAILED_SHARE * total) return undefined;
      done = true;
      const [failed, seen, what] = byRequests
        ? [failedRequests, requests, 'requests']
        : [iterations.failed, iterations.count, 'iterations'];
      write(
        `squall: ${failed} of the first ${seen} ${what} failed, nearly all the same way (${top.kind}): ${top.example}` +
          ` — the run goes on${stopFlagGiven ? '' : '; --stop-on-errors 50% would stop it'}\n`,
      );
      return undefined;
    },
    stop() {},
  };
}
