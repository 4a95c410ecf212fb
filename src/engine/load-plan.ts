import type { H2Request } from '../transports/http/h2-stream-slot.js';
import type { Endpoint } from '../transports/http/raw-connection.js';
import type { Share } from './share.js';

/** One request of a plan, encoded once before the load starts. */
export interface PreparedRequest {
  /** The name that groups the stats: `GET /path`. */
  name: string;
  method: string;
  bytes: Buffer;
  /** False for HEAD: the response has no body whatever its headers say. */
  expectBody: boolean;
  /** Idempotent: sent again once when a reused connection closes before any answer. */
  retryable: boolean;
  /** Relative share of the mix (whole number, at least 1). */
  weight: number;
  /** With the plan's `http2`: the request as HTTP/2 sends it. */
  h2?: H2Request;
}

/** What the lean HTTP engine runs: a mix of pre-encoded requests against one host. */
export interface LoadPlan {
  endpoint: Endpoint;
  requests: PreparedRequest[];
  /** Closed model: connections kept busy. Open model: the most connections opened. */
  connections: number;
  durationMs?: number;
  maxRequests?: number;
  /** Open model when set: requests started per second whatever the responses do. */
  ratePerSec?: number;
  timeoutMs: number;
  /**
   * `--http2`: each of the `connections` is an HTTP/2 session (h2c with prior knowledge for
   * http://, ALPN h2 for https://) carrying up to `streams` requests at once.
   */
  http2?: { streams: number };
  /**
   * `--shard I/N` (or one worker's part): this process runs its slice of the load above, which
   * is the whole test's. Connections and requests are striped (item k is slice k mod N's), and
   * arrival k of the whole schedule, at k / rate, is slice k mod N's: the slices add up exactly.
   */
  share?: Share;
}
