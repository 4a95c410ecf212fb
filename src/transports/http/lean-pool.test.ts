import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeanPool, type LeanRequest } from './lean-pool.js';
import type { RawConnection } from './raw-connection.js';
import { ResponseCapture } from './response-parser.js';

/** A request as the client's exchange would be: records what the pool tells it. */
class Probe extends ResponseCapture implements LeanRequest {
  conn: RawConnection | null = null;
  readonly expectBody = true;
  readonly retryable = false;
  connectMs = 0;
  status = 0;
  error = '';
  sentAt = 0;
  firstByteAt = 0;
  bytesIn = 0;
  readonly done: Promise<void>;
  private finish!: () => void;

  constructor(readonly bytes: Buffer) {
    super();
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  onConnect(ms: number): void {
    this.connectMs = ms;
  }

  onRetry(): void {}

  onResponse(conn: RawConnection, status: number): void {
    this.status = status;
    this.sentAt = conn.sentAt;
    this.firstByteAt = conn.firstByteAt;
    this.bytesIn = conn.bytesIn;
    this.finish();
  }

  onFailure(_conn: RawConnection, kind: string): void {
    this.error = kind;
    this.finish();
  }
}

let server: http.Server;
let origin: string;
const sockets = new Set<net.Socket>();
const order: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    order.push(req.url ?? '');
    if (req.url === '/hang') return;
    const delay = req.url?.startsWith('/slow') ? 30 : 0;
    setTimeout(() => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(`you asked for ${req.url}`);
    }, delay);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const pools: LeanPool[] = [];
afterEach(() => {
  for (const p of pools.splice(0)) p.close();
  order.length = 0;
});

function pool(max?: number): LeanPool {
  const p = new LeanPool(max);
  pools.push(p);
  return p;
}

function get(path: string): Probe {
  return new Probe(Buffer.from(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`, 'latin1'));
}

describe('LeanPool', () => {
  it('reuses one keep-alive connection for sequential requests; connect reported once', async () => {
    const o = pool().origin(origin);
    const probes: Probe[] = [];
    for (let i = 0; i < 5; i++) {
      const p = get(`/seq/${i}`);
      o.send(p);
      await p.done;
      probes.push(p);
    }
    expect(probes.map((p) => p.status)).toEqual([200, 200, 200, 200, 200]);
    expect(probes[0]!.connectMs).toBeGreaterThanOrEqual(0);
    expect(probes.slice(1).every((p) => p.connectMs === 0)).toBe(true);
    expect(sockets.size).toBe(1);
    const last = probes[4]!;
    expect(last.firstByteAt).toBeGreaterThanOrEqual(last.sentAt);
    expect(last.bytesIn).toBeGreaterThan(0);
    expect(last.values('set-cookie')).toEqual(['a=1', 'b=2']);
    expect(last.bodyBytes().toString()).toBe('you asked for /seq/4');
  });

  it('opens a connection per request in flight when unbounded', async () => {
    const o = pool().origin(origin);
    const probes = [get('/slow/1'), get('/slow/2'), get('/slow/3')];
    for (const p of probes) o.send(p);
    await Promise.all(probes.map((p) => p.done));
    expect(probes.every((p) => p.status === 200)).toBe(true);
    expect(sockets.size).toBe(3);
  });

  it('queues beyond the limit and serves waiters first in, first out', async () => {
    const o = pool(1).origin(origin);
    const probes = ['/slow/a', '/b', '/c', '/d'].map(get);
    for (const p of probes) o.send(p);
    await Promise.all(probes.map((p) => p.done));
    expect(order).toEqual(['/slow/a', '/b', '/c', '/d']);
    expect(probes.map((p) => p.bodyBytes().toString())).toEqual([
      'you asked for /slow/a',
      'you asked for /b',
      'you asked for /c',
      'you asked for /d',
    ]);
  });

  it('cancel: a waiter leaves the queue; a request in flight drops its connection silently', async () => {
    const o = pool(1).origin(origin);
    const hang = get('/hang');
    const waiter = get('/never');
    const after = get('/after');
    o.send(hang);
    o.send(waiter);
    o.send(after);
    o.cancel(waiter);
    await new Promise((r) => setTimeout(r, 20));
    o.cancel(hang);
    await after.done;
    expect(after.status).toBe(200);
    expect(hang.status).toBe(0);
    expect(hang.error).toBe('');
    expect(order).toEqual(['/hang', '/after']);
  });

  it('reports a refused connection as ECONNREFUSED', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const p = get('/');
    pool().origin(`http://127.0.0.1:${port}`).send(p);
    await p.done;
    expect(p.error).toBe('ECONNREFUSED');
    expect(p.sentAt).toBe(0);
  });

  it('reports garbage as malformed, and reconnects for the next request', async () => {
    let n = 0;
    const odd = net.createServer((s) => {
      s.on('data', () => {
        n++;
        s.write(n === 1 ? 'SSH-2.0-OpenSSH\r\n\r\n' : 'HTTP/1.1 204 No Content\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    const lean = pool();
    const o = lean.origin(`http://127.0.0.1:${(odd.address() as AddressInfo).port}`);
    const bad = get('/');
    o.send(bad);
    await bad.done;
    expect(bad.error).toBe('malformed');
    const good = get('/');
    o.send(good);
    await good.done;
    expect(good.status).toBe(204);
    expect(good.connectMs).toBeGreaterThanOrEqual(0);
    // The pool's keep-alive connection would hold the server's close() open.
    lean.close();
    await new Promise<void>((resolve) => odd.close(() => resolve()));
  });

  it('refuses requests once closed, for known and new origins alike', () => {
    const p = pool();
    const known = p.origin(origin);
    p.close();
    expect(() => known.send(get('/'))).toThrow(expect.objectContaining({ code: 'UND_ERR_DESTROYED' }));
    expect(() => p.origin('http://127.0.0.1:1').send(get('/'))).toThrow(/destroyed/);
  });
});
