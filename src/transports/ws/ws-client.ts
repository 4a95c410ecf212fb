import type { WsApi, WsConnectOptions, WsSession } from '../../script-api/ws-api.js';
import { parseTimeoutMs } from '../http/timings.js';
import { wsMetrics } from './ws-metrics.js';
import { Session } from './ws-session.js';

/**
 * The `ws` of a user's flow in `squall run`: one client per VU context, sessions over the `ws`
 * library. URLs are ws:// or wss://, or paths on the target (http becomes ws, https wss).
 */

export interface WsClientOptions {
  /** `target` / `--host`: a path is appended to it (its path prefix kept). */
  baseUrl?: string;
  /** The test's default headers, sent with the upgrade request. */
  defaultHeaders: Record<string, string>;
  /** Handshake and receive timeout when the flow gives none. */
  defaultTimeoutMs: number;
  userAgent?: string;
  /** The VU's signal: aborting it cuts its sessions and rejects the receives waiting. */
  signal: AbortSignal;
  /** wss: skip certificate checks; trust only `ca`. */
  tls?: { insecure: boolean; ca?: string };
  /** The run's open sessions (wsSessions()). */
  sessions: WsSessions;
  /** Counts a fault in the result's errors[]. */
  fault(kind: string, example: string): void;
  /** Adds a session's bytes on the wire to data_sent and data_received (as k6 counts them). */
  bytes(sent: number, received: number): void;
}

/** A run's open sessions: the ones a flow left open are closed (1001) when the run ends. */
export class WsSessions {
  readonly open = new Set<Session>();

  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((s) => s.end()));
  }
}

/** The ws:// URL of `url`: absolute as given (http(s) mapped to ws(s)), or a path on the base. */
export function wsUrl(url: string, baseUrl: string | undefined): string {
  if (typeof url !== 'string' || url === '')
    throw new Error(
      `ws.connect(${JSON.stringify(url)}): give a ws:// or wss:// URL, or a path such as '/chat'`,
    );
  if (/^wss?:\/\//i.test(url)) return url;
  if (/^https?:\/\//i.test(url)) return url.replace(/^http/i, 'ws');
  if (!url.startsWith('/'))
    throw new Error(
      `ws.connect('${url}'): a URL is ws://…, wss://…, or a path starting with / on the target`,
    );
  if (baseUrl === undefined || baseUrl === '')
    throw new Error(
      `ws.connect('${url}'): a path needs a target to resolve it against; set \`target\` or --host, or give a ws:// URL`,
    );
  const base = new URL(baseUrl);
  const scheme = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${base.host}${base.pathname.replace(/\/+$/, '')}${url}`;
}

/** The `name` tag of a session: the URL's path without its query. */
function defaultName(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

export function createWsClient(o: WsClientOptions): WsApi {
  return {
    connect(url: string, options: WsConnectOptions = {}): Promise<WsSession> {
      o.signal.throwIfAborted();
      const full = wsUrl(url, o.baseUrl);
      const timeoutMs = options.timeout === undefined ? o.defaultTimeoutMs : parseTimeoutMs(options.timeout);
      const name = options.name ?? defaultName(full);
      const headers: Record<string, string> = { ...o.defaultHeaders, ...options.headers };
      if (o.userAgent !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent'))
        headers['User-Agent'] = o.userAgent;
      return new Promise<WsSession>((resolve, reject) => {
        const onAbort = () => reject(o.signal.reason);
        o.signal.addEventListener('abort', onAbort, { once: true });
        new Session(
          full,
          `${name === defaultName(full) ? '' : `${name}: `}${full}`,
          {
            headers,
            handshakeTimeout: timeoutMs,
            // The generator's CPU goes to the load, not to compression (browsers offer it; k6 does not).
            perMessageDeflate: false,
            followRedirects: false,
            ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
            ...(o.tls === undefined
              ? {}
              : { rejectUnauthorized: !o.tls.insecure, ...(o.tls.ca ? { ca: o.tls.ca } : {}) }),
          },
          {
            metrics: wsMetrics(),
            tags: { name },
            fault: o.fault,
            signal: o.signal,
            defaultTimeoutMs: o.defaultTimeoutMs,
            sessions: o.sessions.open,
            bytes: o.bytes,
          },
          (s) => {
            o.signal.removeEventListener('abort', onAbort);
            resolve(s);
          },
        );
      });
    },
  };
}
