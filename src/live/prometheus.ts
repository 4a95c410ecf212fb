import http from 'node:http';
import type net from 'node:net';
import { badFlag } from '../errors/index.js';
import type { PrometheusNames } from '../report/prometheus-model.js';
import {
  acceptsProtobuf,
  PROTOBUF_CONTENT_TYPE,
  renderPrometheusProtobuf,
} from '../report/prometheus-proto.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../report/prometheus-text.js';
import type { ResultDocument } from '../result/schema.js';
import type { LiveSource, LiveView } from './live.js';
import { prometheusExtras } from './prometheus-extras.js';

const FLAG = '-o prometheus=HOST:PORT';

/**
 * `-o prometheus=HOST:PORT`: serves `GET /metrics` while the test runs. Each scrape builds a frame
 * of the run so far (nothing is computed between scrapes); after `finish`, the final document.
 * A scraper that asks for the protobuf exposition (Prometheus does when native histograms are
 * enabled) gets it, with native histograms; any other gets the text format.
 */
export async function startPrometheus(
  source: LiveSource,
  opts: { host: string; port: number; names?: PrometheusNames },
): Promise<LiveView> {
  let final: ResultDocument | null = null;

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/metrics') {
      reply(res, 404, 'not found: squall serves its metrics at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply(res, 405, 'method not allowed: use GET /metrics\n', { Allow: 'GET, HEAD' });
      return;
    }
    let body: string | Buffer;
    let type = PROMETHEUS_CONTENT_TYPE;
    try {
      const doc = final ?? source.frame().doc;
      const extras = prometheusExtras(source.trends?.(), opts.names ?? 'squall');
      if (acceptsProtobuf(req.headers.accept)) {
        body = renderPrometheusProtobuf(doc, extras);
        type = PROTOBUF_CONTENT_TYPE;
      } else body = renderPrometheus(doc, extras);
    } catch (e) {
      // A scrape must not take the run down: the scraper sees the failure, the load goes on.
      reply(res, 500, `squall could not build its metrics: ${(e as Error).message}\n`);
      return;
    }
    // Node sends no body for HEAD, only the length GET would have.
    reply(res, 200, body, { 'Content-Type': type });
  });

  const port = await listen(server, opts.host, opts.port);
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let closed: Promise<void> | null = null;

  return {
    url: `http://${host}:${port}/metrics`,
    async finish(doc) {
      final = doc;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper keeps its connection alive between scrapes; do not wait for it to let go.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function reply(
  res: http.ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    ...headers,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Binds the server; the port it got (port 0 picks a free one). */
function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(bindError(e, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** Why the endpoint could not start, said for the person who typed the flag. */
function bindError(e: NodeJS.ErrnoException, host: string, port: number) {
  const at = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return badFlag(
        '-o',
        `${FLAG}: port ${port} on ${host} is already in use, so the Prometheus endpoint cannot listen at ${at}`,
        'choose a free port (e.g. -o prometheus=127.0.0.1:9465), or stop the program holding it',
      );
    case 'EACCES':
      return badFlag(
        '-o',
        `${FLAG}: not allowed to listen at ${at} (ports below 1024 need privileges)`,
        'choose a port of 1024 or more, e.g. -o prometheus=127.0.0.1:9464',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return badFlag(
        '-o',
        `${FLAG}: cannot listen at ${at}: the host name "${host}" does not resolve (${e.code})`,
        'use an address this machine has, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)',
      );
    case 'EADDRNOTAVAIL':
      return badFlag(
        '-o',
        `${FLAG}: cannot listen at ${at}: "${host}" is not an address of this machine (${e.code})`,
        'use an address this machine has, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)',
      );
    default:
      return badFlag(
        '-o',
        `${FLAG}: cannot listen at ${at}: ${e.message}`,
        'check the host and port, e.g. -o prometheus=127.0.0.1:9464',
      );
  }
}
