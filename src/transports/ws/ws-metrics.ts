import { Counter, Rate, Trend } from '../../metrics/custom.js';

/**
 * The WebSocket metrics: k6's names and kinds (ws_connecting, ws_session_duration, ws_msgs_sent,
 * ws_msgs_received, ws_sessions), squall's request–reply round trip (ws_rtt) and the share of
 * sessions that met a fault (ws_failed, as http_req_failed: true is a failure; k6 has none).
 * They live in the custom-metric registry, so thresholds, reports, history and the merge of
 * workers and shards treat them as any declared metric; they are declared on the first
 * connect, so a run without WebSocket shows none of them.
 */
export const WS_METRICS = {
  ws_connecting: 'trend',
  ws_session_duration: 'trend',
  ws_msgs_sent: 'counter',
  ws_msgs_received: 'counter',
  ws_sessions: 'counter',
  ws_rtt: 'trend',
  ws_failed: 'rate',
} as const satisfies Record<string, 'trend' | 'counter' | 'rate'>;

export interface WsMetrics {
  connecting: Trend;
  sessionDuration: Trend;
  msgsSent: Counter;
  msgsReceived: Counter;
  sessions: Counter;
  rtt: Trend;
  failed: Rate;
}

let declared: WsMetrics | undefined;

/** The ws_* metrics, declared on first use (declaring again shares the registry's entries). */
export function wsMetrics(): WsMetrics {
  declared ??= {
    connecting: new Trend('ws_connecting', true),
    sessionDuration: new Trend('ws_session_duration', true),
    msgsSent: new Counter('ws_msgs_sent'),
    msgsReceived: new Counter('ws_msgs_received'),
    sessions: new Counter('ws_sessions'),
    rtt: new Trend('ws_rtt', true),
    failed: new Rate('ws_failed'),
  };
  return declared;
}
