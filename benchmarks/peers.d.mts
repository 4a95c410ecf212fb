// Types for test/e2e/bench-peers.test.ts, which drives the bench's Locust and Artillery runs.

/** What the bench passes to a load generator. */
export interface LoadParams {
  url: string;
  connections: number;
  seconds: number;
  /** HTTP/2: concurrent streams per session (h2load's -m). */
  streams?: number;
}

/** One run read back: req/s, latencies in ms, the failed share, completed requests. */
export interface PeerResult {
  rps: number;
  p50: number | null;
  p99: number | null;
  failRate: number;
  requests: number;
}

export interface PeerTool {
  variantOf?: string;
  /** Installs when missing (unless install is false); null when ready, else why not. */
  prepare(options: { install: boolean }): Promise<string | null>;
  available(): boolean;
  version(): string;
  extraTimeoutS: number;
  /** The command; a promise where it needs a free port first (Locust's master). */
  argv(params: LoadParams): string[] | Promise<string[]>;
  parse(stdout: string, params?: LoadParams): PeerResult;
}

export const ARTILLERY_VERSION: string;
export const artilleryDir: string;
export const LOCUST_TOOLS: { locust: PeerTool; 'locust-p2': PeerTool };
export const ARTILLERY_TOOLS: { artillery: PeerTool };
export const H2LOAD_TOOLS: { h2load: PeerTool };
export function parseH2load(stdout: string): PeerResult & { meanMs: number | null };
export function parseLocust(stdout: string): PeerResult;
export function parseArtilleryReport(doc: unknown): PeerResult;
