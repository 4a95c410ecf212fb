/**
 * The one interface both engines record requests through (DESIGN.md, "One pipeline"): quick's
 * hot loop into HttpMetrics by endpoint, `squall run` into RunMetrics by tag series. The caller
 * reuses one record object per connection or VU, so recording allocates nothing; the sink
 * reads it during `record()` and keeps nothing of it. Durations arrive already measured from the
 * intended start where the engine's coordinated-omission rule says so (engine/intended-start.ts).
 */
export interface RequestRecord {
  /** 0 when there was no response. */
  status: number;
  /** Counted in http_req_failed (the status was not expected, or there was no response). */
  failed: boolean;
  /** http_req_duration, ms: from the send, or in the open model from the intended start. */
  durationMs: number;
  /** Send to the end of the body, ms (http_req_service_duration). */
  serviceMs: number;
  /** Send to the first byte of the response, ms (http_req_waiting). */
  waitingMs: number;
  /** TCP connect of a new connection, ms; 0 when the request reused one (or the engine reports connects apart). */
  connectingMs: number;
  /** TLS handshake of a new https connection, ms (http_req_tls_handshaking); 0 or absent otherwise. */
  tlsHandshakingMs?: number;
  /** Bytes written to the socket for it (0 when it was never sent, e.g. refused). */
  bytesSent: number;
  bytesReceived: number;
  /** Times it was sent again after the keep-alive race (http_req_retries): 0 or 1. */
  retries: number;
  /** The `url` tag when a threshold filters on this request's URL, else undefined. */
  url: string | undefined;
  /** Status 0: the error kind (classifyError) and the error's message, for the example. */
  errorKind: string | undefined;
  errorMessage: string | undefined;
}

/** A metrics store requests are recorded into; `H` is its handle for where a request belongs. */
export interface RequestSink<H> {
  record(handle: H, r: RequestRecord): void;
  /** A new connection's connect and TLS handshake (ms), for engines that see connections apart. */
  connected(connectMs: number, tlsMs: number): void;
}

/** A record with nothing in it, to be reused. */
export function emptyRequestRecord(): RequestRecord {
  return {
    status: 0,
    failed: false,
    durationMs: 0,
    serviceMs: 0,
    waitingMs: 0,
    connectingMs: 0,
    tlsHandshakingMs: 0,
    bytesSent: 0,
    bytesReceived: 0,
    retries: 0,
    url: undefined,
    errorKind: undefined,
    errorMessage: undefined,
  };
}
