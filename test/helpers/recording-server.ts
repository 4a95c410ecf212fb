import net from 'node:net';

/**
 * A raw HTTP/1.1 target on 127.0.0.1 that records what really reached it: every byte it read
 * (`bytesRead`, what data_sent must equal), each request whole (method, path, headers, body as
 * bytes, de-chunked), and on which connection. It answers `200 ok` (or the test's reply), and can
 * play the keep-alive race deterministically: with `dropReused`, a connection that already
 * answered one request is closed, unanswered, when the next request's first bytes arrive — what a
 * server closing an idle connection does to a request written into it. Those requests are
 * counted in `dropped`, not recorded: the server never saw them whole.
 */

export interface RecordedRequest {
  connection: number;
  method: string;
  path: string;
  /** Lower-cased names; repeated fields joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
  /** The body came with Transfer-Encoding: chunked. */
  chunked: boolean;
}

export interface RecordingServerOptions {
  /** Close a connection, unanswered, when a second request arrives on it. */
  dropReused?: boolean;
  /** Extra response fields, e.g. { 'Keep-Alive': 'timeout=1' }. */
  replyHeaders?: Record<string, string>;
}

export interface RecordingServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Every byte read from every connection. */
  bytesRead(): number;
  connections(): number;
  dropped(): number;
  /** Forgets what was recorded and sets new options. */
  reset(options?: RecordingServerOptions): void;
  close(): Promise<void>;
}

export async function startRecordingServer(options: RecordingServerOptions = {}): Promise<RecordingServer> {
  let opts = options;
  const requests: RecordedRequest[] = [];
  let bytes = 0;
  let conns = 0;
  let dropped = 0;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    const id = ++conns;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let answered = 0;
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      bytes += d.length;
      if (opts.dropReused && answered > 0) {
        dropped++;
        socket.destroy();
        return;
      }
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      for (;;) {
        const r = parseRequest(buf);
        if (r === null) return;
        buf = buf.subarray(r.used);
        requests.push({ connection: id, ...r.request });
        answered++;
        const extra = Object.entries(opts.replyHeaders ?? {})
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('');
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${extra}\r\nok`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bytesRead: () => bytes,
    connections: () => conns,
    dropped: () => dropped,
    reset(next = {}) {
      opts = next;
      requests.length = 0;
      bytes = 0;
      conns = 0;
      dropped = 0;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One whole request at the start of buf and the bytes it took, or null while it is incomplete. */
function parseRequest(buf: Buffer): { request: Omit<RecordedRequest, 'connection'>; used: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const [method = '', path = ''] = lines[0]!.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const k = line.slice(0, colon).trim().toLowerCase();
    const v = line.slice(colon + 1).trim();
    headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
  }
  const start = end + 4;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    let pos = start;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd === -1) return null;
      const size = Number.parseInt(buf.toString('latin1', pos, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error(`bad chunk size at ${pos}`);
      const dataStart = lineEnd + 2;
      if (size === 0) {
        // No trailers from squall: the last chunk is followed by the final CRLF.
        if (buf.length < dataStart + 2) return null;
        return {
          request: { method, path, headers, body: Buffer.concat(parts), chunked: true },
          used: dataStart + 2,
        };
      }
      if (buf.length < dataStart + size + 2) return null;
      parts.push(Buffer.from(buf.subarray(dataStart, dataStart + size)));
      pos = dataStart + size + 2;
    }
  }
  const length = Number(headers['content-length'] ?? 0);
  if (buf.length < start + length) return null;
  const body = Buffer.from(buf.subarray(start, start + length));
  return { request: { method, path, headers, body, chunked: false }, used: start + length };
}
