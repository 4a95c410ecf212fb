import type { RunMetrics } from '../metrics/run-metrics.js';
import { emptyRequestRecord, type RequestRecord } from '../metrics/sink.js';
import type { VuInfo } from '../script-api/vu-context.js';
import type { ExchangeReport, ExchangeSink } from '../transports/http/transport.js';
import { measuredFrom } from './intended-start.js';

/**
 * One VU's ExchangeSink for `squall run`: turns what a transport measured into a RequestRecord
 * and records it in RunMetrics (the RequestSink). Here, not in the transport, the open model's
 * rule applies: an iteration's first request is measured from the iteration's scheduled start
 * (measuredFrom), so waiting for a free VU shows in http_req_duration.
 */
class HttpRecorder implements ExchangeSink {
  /** Reused for every request of this VU: RunMetrics keeps nothing of it. */
  private readonly rec: RequestRecord = emptyRequestRecord();
  /** The iteration whose first request was already measured from its scheduled start. */
  private measuredIteration = -1;

  constructor(
    private readonly metrics: RunMetrics,
    private readonly openVu: VuInfo | undefined,
  ) {}

  exchange(r: ExchangeReport): void {
    const rec = this.rec;
    const sent = r.sentAt > 0;
    const service = sent ? r.endAt - r.sentAt : 0;
    rec.status = r.status;
    rec.failed = r.failed;
    rec.serviceMs = service;
    rec.durationMs = service;
    const vu = this.openVu;
    if (vu !== undefined && vu.iteration !== this.measuredIteration) {
      this.measuredIteration = vu.iteration;
      if (r.status !== 0) rec.durationMs = r.endAt - measuredFrom(r.sentAt, vu.scheduledAt ?? 0);
    }
    rec.waitingMs = sent && r.firstByteAt > 0 ? r.firstByteAt - r.sentAt : 0;
    rec.connectingMs = r.connectMs;
    rec.tlsHandshakingMs = r.tlsMs;
    rec.bytesSent = r.bytesSent;
    rec.bytesReceived = r.bytesReceived;
    rec.retries = r.retries;
    rec.url = r.url;
    rec.errorKind = r.errorKind;
    rec.errorMessage = r.errorMessage;
    this.metrics.record(r.series, rec);
    r.recordedMs = rec.durationMs;
  }
}

/**
 * The sink of one VU's HTTP client. `openVu`: the VU when its scenario is open-model
 * (arrival-rate), whose iterations have a scheduled start; undefined in the closed model.
 */
export function httpRecorder(metrics: RunMetrics, openVu?: VuInfo): ExchangeSink {
  return new HttpRecorder(metrics, openVu);
}
