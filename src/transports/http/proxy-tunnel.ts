import net from 'node:net';
import { Duplex } from 'node:stream';

/** Where a connection goes when a proxy carries it (an https:// origin through an http:// proxy). */
export interface ProxyHop {
  host: string;
  port: number;
  /** `Proxy-Authorization`, from the proxy URL's `user:password@`. */
  authorization?: string;
}

/** The longest CONNECT answer head read before the tunnel is given up. */
const MAX_ANSWER = 16 * 1024;

/**
 * A byte stream to `host:port` through an HTTP proxy's CONNECT tunnel, usable at once as the
 * `socket` of tls.connect: what TLS writes before the proxy has said 200 waits here, and a proxy
 * that refuses (407, 502, …) ends the stream with an error naming its answer. One per connection.
 */
export function connectTunnel(proxy: ProxyHop, host: string, port: number): Duplex {
  const socket = net.connect({ host: proxy.host, port: proxy.port });
  socket.setNoDelay(true);
  let open = false;
  let answer = Buffer.alloc(0);
  const pending: Array<[Buffer, () => void]> = [];
  const stream = new Duplex({
    write(chunk: Buffer, _enc, callback) {
      if (open) socket.write(chunk, () => callback());
      else pending.push([chunk, () => callback()]);
    },
    final(callback) {
      socket.end(callback);
    },
    read() {
      socket.resume();
    },
    destroy(err, callback) {
      socket.destroy();
      callback(err);
    },
  });
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  socket.on('connect', () => {
    const auth = proxy.authorization === undefined ? '' : `Proxy-Authorization: ${proxy.authorization}\r\n`;
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
  });
  socket.on('data', (chunk: Buffer) => {
    if (open) {
      if (!stream.push(chunk)) socket.pause();
      return;
    }
    answer = Buffer.concat([answer, chunk]);
    const end = answer.indexOf('\r\n\r\n');
    if (end < 0) {
      if (answer.length > MAX_ANSWER) stream.destroy(tunnelError('an answer head over 16 KiB'));
      return;
    }
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer.toString('latin1', 0, end));
    if (status?.[1] !== '200') {
      const line = answer.toString('latin1', 0, answer.indexOf('\r\n'));
      stream.destroy(tunnelError(`'${line}'`));
      return;
    }
    open = true;
    const rest = answer.subarray(end + 4);
    if (rest.length > 0) stream.push(rest);
    for (const [c, cb] of pending.splice(0)) socket.write(c, cb);
  });
  socket.on('end', () => stream.push(null));
  socket.on('error', (err) => stream.destroy(err));
  socket.on('close', () => {
    if (!stream.destroyed) stream.destroy();
  });
  function tunnelError(what: string): Error {
    return Object.assign(
      new Error(`proxy ${proxy.host}:${proxy.port} refused CONNECT ${authority}: ${what}`),
      {
        code: 'ERR_PROXY_TUNNEL',
      },
    );
  }
  return stream;
}
