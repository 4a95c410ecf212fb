/** k6's built-in metric names (CONVENTIONS.md 3.2), and what kind each is. */
export const BUILTIN_METRICS = {
  http_reqs: 'counter',
  http_req_duration: 'trend',
  http_req_waiting: 'trend',
  http_req_connecting: 'trend',
  http_req_tls_handshaking: 'trend',
  http_req_service_duration: 'trend',
  http_req_failed: 'rate',
  // squall's own: requests sent again after the keep-alive race (docs/http.md); not in k6.
  http_req_retries: 'counter',
  iterations: 'counter',
  iteration_duration: 'trend',
  dropped_iterations: 'counter',
  vus: 'gauge',
  vus_max: 'gauge',
  data_sent: 'counter',
  data_received: 'counter',
  checks: 'rate',
} as const satisfies Record<string, 'trend' | 'counter' | 'rate' | 'gauge'>;

export type BuiltinMetric = keyof typeof BUILTIN_METRICS;
