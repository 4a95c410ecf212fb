import type { Agent, ProxyAgent } from 'undici';
import { H2Pool } from './h2-transport.js';
import { KEEP_ALIVE_MARGIN_MS, LeanPool } from './lean-pool.js';
import { basicAuthOf } from './prepare.js';
import { type ProxyEnv, proxyFor, readProxyEnv } from './proxy-env.js';
import type { ProxyHop } from './proxy-tunnel.js';
import { MAX_HEAD_BYTES } from './response-parser.js';
import { timedConnector } from './timings.js';
import { undici } from './undici-lib.js';

/** `auto`: the lean transport for plain http://, undici for the rest. `undici`: undici for all. */
export type HttpTransport = 'auto' | 'undici';

export interface DispatcherOptions {
  /** HTTP_PROXY, HTTPS_PROXY, NO_PROXY as read (default: from the environment). */
  proxies?: ProxyEnv;
  /** https: do not verify the certificate (self-signed test servers), as `quick -k`. */
  insecure?: boolean;
  /** https: trust only these CA certificates (PEM, `--cacert`), as curl's --cacert. */
  ca?: string;
  /** Default: `undici` when the environment has SQUALL_HTTP_CLIENT=undici, else `auto`. */
  transport?: HttpTransport;
  /** A test's `http2: true`: every request goes over HTTP/2 (h2-transport.ts). */
  http2?: boolean;
}

/**
 * A run's connections: the lean pool for plain http:// (null when undici must carry everything),
 * and undici's Agent, built (and undici loaded) only when a request needs it: https, a proxy, or
 * what the lean transport declines. Closing or destroying it closes both.
 */
export class RunDispatcher {
  readonly lean: LeanPool | null;
  /** `http2: true`: the run's HTTP/2 sessions, one per origin; null for HTTP/1.1. */
  readonly h2: H2Pool | null;
  /** Whether some origin may go through a proxy (a proxy variable is set). */
  readonly proxied: boolean;
  /**
   * Where requests to an origin not the test's target are named with their origin: the target's,
   * or else the first origin a request of the run went to (see createHttpClient).
   */
  homeOrigin: string | null = null;
  private readonly routes = new Map<string, ProxyRoute | null>();
  private readonly agents = new Map<string, ProxyAgent>();
  private undiciAgent: Agent | null = null;
  /** How it ended: an agent built after that is closed at once, so its requests fail as undici's do. */
  private ended: 'close' | 'destroy' | null = null;

  constructor(
    private readonly agentOptions: Omit<Agent.Options, 'connect'>,
    lean: LeanPool | null,
    private readonly proxies: ProxyEnv | null = null,
    private readonly requestTls: Record<string, unknown> = {},
    h2: H2Pool | null = null,
  ) {
    this.lean = lean;
    this.h2 = h2;
    this.proxied = proxies !== null && (proxies.http !== null || proxies.https !== null);
  }

  /** Whether undici's Agent has been built (a request needed it). */
  get undiciStarted(): boolean {
    return this.undiciAgent !== null;
  }

  /**
   * Builds undici's Agent now when the run's requests will need it (undici for everything, an
   * https target, a proxy), so that loading undici stalls no request of the run itself.
   */
  prepareFor(target: string | undefined, mayNeedUndici = false): void {
    if (this.lean === null || this.proxied || mayNeedUndici || target?.startsWith('https:') === true)
      void this.agent;
  }

  /** undici's Agent for the requests the lean transport does not carry. */
  get agent(): Agent {
    if (this.undiciAgent === null) {
      const agent = new (undici().Agent)({ ...this.agentOptions, connect: timedConnector(this.requestTls) });
      this.undiciAgent = agent;
      if (this.ended !== null) void agent[this.ended]();
    }
    return this.undiciAgent;
  }

  /** The proxy an origin's requests go through, or null (no proxy variable, or NO_PROXY). */
  proxyRoute(origin: string): ProxyRoute | null {
    let r = this.routes.get(origin);
    if (r !== undefined) return r;
    const proxy = this.proxies === null ? null : proxyFor(this.proxies, new URL(origin));
    r = null;
    if (proxy !== null) {
      const agentOf = (): ProxyAgent => this.proxyAgent(proxy);
      r = {
        // Built when undici first carries a request through this proxy (the lean transport needs only `hop`).
        get agent() {
          return agentOf();
        },
        hop: {
          host: proxy.hostname.replace(/^\[|\]$/g, ''),
          port: Number(proxy.port) || 80,
          authorization: basicAuthOf(proxy),
        },
      };
    }
    this.routes.set(origin, r);
    return r;
  }

  private proxyAgent(proxy: URL): ProxyAgent {
    let agent = this.agents.get(proxy.href);
    if (agent === undefined) {
      // http:// origins get the absolute-form request line (curl, k6), https:// a CONNECT tunnel.
      agent = new (undici().ProxyAgent)({
        uri: proxy.href,
        proxyTunnel: false,
        requestTls: this.requestTls,
        connections: this.agentOptions.connections,
        pipelining: 1,
        maxHeaderSize: this.agentOptions.maxHeaderSize,
      });
      this.agents.set(proxy.href, agent);
      if (this.ended !== null) void agent[this.ended]();
    }
    return agent;
  }

  close(): Promise<void> {
    this.ended ??= 'close';
    this.lean?.close();
    this.h2?.close();
    for (const a of this.agents.values()) void a.close();
    return this.undiciAgent === null ? Promise.resolve() : this.undiciAgent.close();
  }

  destroy(): Promise<void> {
    this.ended = 'destroy';
    this.lean?.close();
    this.h2?.close();
    for (const a of this.agents.values()) void a.destroy();
    return this.undiciAgent === null ? Promise.resolve() : this.undiciAgent.destroy();
  }
}

/**
 * One dispatcher for a run: keep-alive connections, reused across VUs, at most
 * `maxConnectionsPerOrigin` per origin (unbounded by default: each request in flight gets one).
 */
export function createDispatcher(
  maxConnectionsPerOrigin?: number,
  options: DispatcherOptions = {},
): RunDispatcher {
  const transport = options.transport ?? (process.env.SQUALL_HTTP_CLIENT === 'undici' ? 'undici' : 'auto');
  const tlsOptions = {
    ...(options.insecure ? { rejectUnauthorized: false } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  };
  return new RunDispatcher(
    {
      connections: maxConnectionsPerOrigin ?? null,
      pipelining: 1,
      // A server's Keep-Alive timeout less the lean pool's margin: both transports reuse alike.
      keepAliveTimeoutThreshold: KEEP_ALIVE_MARGIN_MS,
      // The lean parser's limit; onHeaders checks the exact head size (undici counts fields only).
      maxHeaderSize: MAX_HEAD_BYTES,
    },
    transport === 'undici' ? null : new LeanPool(maxConnectionsPerOrigin),
    options.proxies ?? readProxyEnv(),
    tlsOptions,
    options.http2 === true ? new H2Pool({ insecure: options.insecure, ca: options.ca }) : null,
  );
}

/** How a proxied origin's requests go: undici's ProxyAgent (built on first use), or the lean transport to `hop`. */
export interface ProxyRoute {
  readonly agent: ProxyAgent;
  hop: ProxyHop;
}
