import snappy from 'snappyjs';
import type { PrometheusNames } from '../report/prometheus-model.js';
import { prometheusModel } from '../report/prometheus-model.js';
import { encodeWriteRequest } from '../report/prometheus-proto.js';
import type { ResultDocument } from '../result/schema.js';
import type { LiveSource, LiveView } from './live.js';
import { prometheusExtras } from './prometheus-extras.js';

/** k6's default push interval (K6_PROMETHEUS_RW_PUSH_INTERVAL). */
export const DEFAULT_PUSH_INTERVAL_MS = 5000;
/** A push that takes longer is abandoned (and warned about); the next one carries its data. */
const PUSH_TIMEOUT_MS = 10_000;

/**
 * `-o prometheus-rw=URL`: pushes every series to a Prometheus remote-write endpoint (as k6's
 * experimental-prometheus-rw output does) every `intervalMs` while the test runs, and the final
 * document's once it is written. A failed push is warned about on stderr (once per distinct
 * reason) and never stops the run: the next push carries the same totals.
 */
export function startRemoteWrite(
  source: LiveSource,
  opts: { url: string; names?: PrometheusNames; intervalMs?: number; warn?: (line: string) => void },
): LiveView {
  const warn = opts.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  // fetch refuses a URL with credentials: they go as Basic auth, and never into a message.
  const target = new URL(opts.url);
  const auth =
    target.username || target.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`
      : undefined;
  target.username = '';
  target.password = '';
  const shown = target.href;
  const warned = new Set<string>();
  let lastTimestamp = 0;
  let inFlight: Promise<void> | null = null;

  const push = async (doc: ResultDocument): Promise<void> => {
    // Each push gets a later timestamp than the last: Prometheus rejects a second value at the
    // same millisecond of a series.
    const timestamp = Math.max(Date.now(), lastTimestamp + 1);
    lastTimestamp = timestamp;
    try {
      const model = prometheusModel(doc, prometheusExtras(source.trends?.(), opts.names ?? 'squall'));
      const body = snappy.compress(encodeWriteRequest(model, timestamp));
      const res = await fetch(target, {
        method: 'POST',
        headers: {
          'Content-Encoding': 'snappy',
          'Content-Type': 'application/x-protobuf',
          'X-Prometheus-Remote-Write-Version': '0.1.0',
          'User-Agent': 'squall',
          ...(auth ? { Authorization: auth } : {}),
        },
        body,
        signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
      });
      const text = await res.text().catch(() => '');
      if (!res.ok)
        throw new Error(`HTTP ${res.status}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`);
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const reason = err.cause?.code ?? err.cause?.message ?? err.message;
      if (warned.has(reason)) return;
      warned.add(reason);
      warn(`warning: -o prometheus-rw: could not push to ${shown} (${reason}); the run goes on`);
    }
  };

  const tick = () => {
    if (inFlight) return; // a slow endpoint: skip this push rather than pile them up
    let doc: ResultDocument;
    try {
      doc = source.frame().doc;
    } catch {
      return;
    }
    inFlight = push(doc).finally(() => {
      inFlight = null;
    });
  };
  const timer = setInterval(tick, opts.intervalMs ?? DEFAULT_PUSH_INTERVAL_MS);
  timer.unref();

  return {
    url: shown,
    async finish(doc) {
      clearInterval(timer);
      await inFlight;
      await push(doc);
    },
    async close() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
