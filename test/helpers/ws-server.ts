import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';

/**
 * A WebSocket server on 127.0.0.1 for the tests and the docs, counting what it saw:
 *   /echo        echoes each message back `delayMs` after it arrived (10 ms by default, exactly:
 *                a timer wakes it just before, then it yields until the time is up);
 *   /close-1011  closes the session with 1011 (internal error) on the first message;
 *   /silent      accepts and never answers;
 *   /hang        never answers the upgrade request;
 *   anything else refuses the upgrade with 403.
 */
export interface WsTestServer {
  url: string;
  port: number;
  /** Upgrades accepted, and refused with 403. */
  accepted: number;
  refused: number;
  /** Messages received from clients, and sent to them (echo replies). */
  received: number;
  sent: number;
  /** Bytes read from and written to the connections of upgrade requests, once each closed. */
  bytesIn: number;
  bytesOut: number;
  /** Resolves once every connection that asked for an upgrade has closed (at most `ms`). */
  settled(ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** `tls`: serve wss:// (https://) with this key and certificate. */
export async function startWsServer(
  delayMs = 10,
  port = 0,
  tls?: { key: Buffer; cert: Buffer },
): Promise<WsTestServer> {
  const notFound = (_req: unknown, res: { writeHead(s: number): { end(): void } }) => {
    res.writeHead(404).end();
  };
  const http: Server = tls === undefined ? createServer(notFound) : createTlsServer(tls, notFound);
  const wss = new WebSocketServer({ noServer: true });
  const s: WsTestServer = {
    url: '',
    port: 0,
    accepted: 0,
    refused: 0,
    received: 0,
    sent: 0,
    bytesIn: 0,
    bytesOut: 0,
    settled: async (ms = 2000) => {
      const until = performance.now() + ms;
      while (sockets > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      for (const h of hung) h.destroy();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
  let sockets = 0;
  const hung = new Set<Socket>();
  http.on('upgrade', (req, duplex, head) => {
    const socket = duplex as Socket;
    sockets++;
    socket.on('close', () => {
      sockets--;
      s.bytesIn += socket.bytesRead;
      s.bytesOut += socket.bytesWritten;
    });
    const path = req.url ?? '';
    if (path === '/hang') {
      hung.add(socket);
      return;
    }
    if (path !== '/echo' && path !== '/close-1011' && path !== '/silent') {
      s.refused++;
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      s.accepted++;
      ws.on('message', (data, binary) => {
        const at = performance.now();
        s.received++;
        if (path === '/close-1011') ws.close(1011, 'boom');
        if (path !== '/echo') return;
        const reply = () => {
          if (performance.now() - at < delayMs) {
            setImmediate(reply);
            return;
          }
          s.sent++;
          ws.send(data, { binary });
        };
        // Timers fire late by up to a millisecond: wake early, then yield until the time is up.
        setTimeout(reply, Math.max(0, delayMs - 1));
      });
    });
  });
  await new Promise<void>((r) => http.listen(port, '127.0.0.1', r));
  s.port = (http.address() as AddressInfo).port;
  s.url = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${s.port}`;
  return s;
}
