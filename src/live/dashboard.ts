import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { isIP } from 'node:net';
import { SquallError } from '../errors/index.js';
import { type HeldCounts, liveMessage } from '../report/html/live-message.js';
import { renderPage } from '../report/html/page.js';
import type { ResultDocument } from '../result/schema.js';
import type { LiveFrame, LiveSource, LiveView } from './live.js';

/**
 * The `--ui` dashboard: the report page served on 127.0.0.1 in live mode.
 *
 *   GET  /        the page (the same script as the HTML report, fed by /events)
 *   GET  /events  Server-Sent Events: a `frame` on connect and then once a second while anyone
 *                 watches, a `final` with the finished document
 *   POST /stop    ends the test as Ctrl-C does; needs the page's token in X-Squall-Token
 *
 * The token is random per server and only readable by a page served from this origin, and a
 * custom header makes a cross-origin POST need a CORS preflight, which is never granted: another
 * website open in the same browser cannot stop the test. A POST that says it comes from another
 * origin (Origin, Sec-Fetch-Site) is refused even with the token. Requests must name the server
 * by IP address or localhost in their Host header, so a DNS-rebound name cannot reach it either.
 * No response may be framed (frame-ancestors, X-Frame-Options): another page cannot overlay the
 * dashboard and trick a click on Stop.
 */

const FRAME_INTERVAL_MS = 1000;
/** `finish` never holds the CLI's exit longer than this for a client that reads slowly. */
const FINISH_FLUSH_LIMIT_MS = 2000;
const TOKEN_HEADER = 'x-squall-token';
/** Sent with every response, errors included. */
const NO_FRAMING: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
};

interface Client {
  res: http.ServerResponse;
  held: HeldCounts | null;
}

export async function startDashboard(
  source: LiveSource,
  opts: { host?: string; port?: number } = {},
): Promise<LiveView> {
  const host = opts.host ?? '127.0.0.1';
  const token = randomBytes(16).toString('hex');
  const page = renderPage({ doc: null, live: { token } });
  const clients = new Set<Client>();
  let timer: NodeJS.Timeout | null = null;
  let finalDoc: ResultDocument | null = null;
  let stopped = false;

  const send = (client: Client, event: string, data: string, done?: () => void): void => {
    client.res.write(`event: ${event}\ndata: ${data}\n\n`, () => done?.());
  };

  const frameNow = (): LiveFrame | null => {
    try {
      return source.frame();
    } catch {
      // A frame that cannot be built now is skipped; the next second tries again.
      return null;
    }
  };

  /** Each client gets the timeline points it lacks, so its message is its own. */
  const sendFrame = (client: Client, frame: LiveFrame): void => {
    const { message, held } = liveMessage(frame, client.held);
    client.held = held;
    send(client, 'frame', JSON.stringify(message));
  };

  const tick = (): void => {
    if (finalDoc || clients.size === 0) return;
    const frame = frameNow();
    if (frame) for (const client of clients) sendFrame(client, frame);
  };

  /** Frames are built only while someone watches. */
  const updateTimer = (): void => {
    if (clients.size > 0 && !finalDoc && !timer) {
      timer = setInterval(tick, FRAME_INTERVAL_MS);
      timer.unref();
    } else if ((clients.size === 0 || finalDoc) && timer) {
      clearInterval(timer);
      timer = null;
    }
  };

  const onEvents = (res: http.ServerResponse): void => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const client: Client = { res, held: null };
    if (finalDoc) {
      send(client, 'final', JSON.stringify(finalDoc));
    } else {
      const frame = frameNow();
      if (frame) sendFrame(client, frame);
    }
    clients.add(client);
    updateTimer();
    // The response's close, not the request's: that one fires once the request is read.
    res.on('close', () => {
      clients.delete(client);
      updateTimer();
    });
  };

  const onStop = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (!sameToken(req.headers[TOKEN_HEADER], token)) {
      reply(res, 403, 'POST /stop needs the token of the dashboard page in the X-Squall-Token header');
      return;
    }
    if (!sameOrigin(req)) {
      reply(res, 403, 'POST /stop is accepted only from the dashboard page itself');
      return;
    }
    if (!stopped && !finalDoc) {
      stopped = true;
      source.stop();
    }
    reply(res, 202, 'stopping');
  };

  const server = http.createServer((req, res) => {
    for (const [name, value] of Object.entries(NO_FRAMING)) res.setHeader(name, value);
    if (!hostAllowed(req.headers.host)) {
      reply(res, 403, 'the dashboard answers only to an IP address or localhost in the Host header');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = `${req.method} ${path}`;
    if (route === 'GET /' || route === 'HEAD /') {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      });
      res.end(req.method === 'HEAD' ? undefined : page);
    } else if (route === 'GET /events') {
      onEvents(res);
    } else if (route === 'POST /stop') {
      onStop(req, res);
    } else if (path === '/stop' || path === '/events' || path === '/') {
      reply(res, 405, `${req.method} is not allowed on ${path}`);
    } else {
      reply(res, 404, `no ${path} here: the dashboard serves /, /events and POST /stop`);
    }
  });
  server.keepAliveTimeout = 5000;

  const port = await listen(server, host, opts.port ?? 0);
  const url = `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/`;

  return {
    url,
    async finish(doc: ResultDocument): Promise<void> {
      finalDoc = doc;
      updateTimer();
      const data = JSON.stringify(doc);
      const flushed = [...clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            client.res.once('close', resolve);
            send(client, 'final', data, resolve);
          }),
      );
      let limit: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(flushed),
        new Promise<void>((resolve) => {
          limit = setTimeout(resolve, FINISH_FLUSH_LIMIT_MS);
          limit.unref();
        }),
      ]);
      clearTimeout(limit);
    },
    close(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      for (const client of clients) client.res.end();
      clients.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function reply(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${text}\n`);
}

function sameToken(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

/**
 * Browsers name the page that sent a POST (Origin) and how it relates to the target
 * (Sec-Fetch-Site); either one naming another site is refused. Clients that send neither (curl)
 * are not browsers and cannot be tricked into a request, so the token alone suffices for them.
 */
function sameOrigin(req: http.IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** An IP literal or localhost: a name an attacker's DNS could point at 127.0.0.1 is refused. */
function hostAllowed(header: string | undefined): boolean {
  if (!header) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${header}`).hostname;
  } catch {
    return false;
  }
  const bare = hostname.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || isIP(bare) !== 0;
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        new SquallError(
          'SQ_USAGE_BAD_FLAG',
          `the --ui dashboard cannot listen on ${host}:${port}: ${
            e.code === 'EADDRINUSE' ? 'the port is already in use' : e.message
          }`,
          { where: { flag: '--ui' }, cause: e },
        ),
      );
    });
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
