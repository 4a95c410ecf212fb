import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { libraryIO, type SessionIO, type SignalName, type SignalSource } from './io.js';
import { quick, quickSession } from './quick.js';
import { run } from './run.js';

/** A writer that keeps what it was given. */
function fakeWriter(): { write(s: string): boolean; text(): string } {
  let out = '';
  return {
    write(s: string) {
      out += s;
      return true;
    },
    text: () => out,
  };
}

/** Signals sent by the test, not the OS. */
class FakeSignals extends EventEmitter implements SignalSource {
  send(signal: SignalName): void {
    this.emit(signal);
  }
}

let server: http.Server;
let url: string;
let received = 0;
let dir: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    received++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  dir = mkdtempSync(join(tmpdir(), 'squall-api-'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function ioWith(signals: SignalSource = new FakeSignals()) {
  const stdout = fakeWriter();
  const stderr = fakeWriter();
  let forced = 0;
  const io: SessionIO = libraryIO({ stdout, stderr, signals, forceExit: () => forced++ });
  return { io, stdout, stderr, forced: () => forced };
}

describe('the session with injected I/O', () => {
  it('SIGINT from the injected signal source ends the run: endReason interrupted, exit 130, outputs written', async () => {
    const signals = new FakeSignals();
    const { io, stderr } = ioWith(signals);
    const out = join(dir, 'interrupted.json');
    const processListeners = process.listenerCount('SIGINT');
    const before = received;
    const session = quickSession(url, { duration: '30s', connections: '2', out: [`json=${out}`] }, io);
    // Once the load is under way, Ctrl-C through the fake.
    while (received - before < 20) await new Promise((r) => setTimeout(r, 5));
    expect(process.listenerCount('SIGINT')).toBe(processListeners);
    signals.send('SIGINT');
    const { exitCode, result } = await session;
    expect(exitCode).toBe(130);
    expect(result?.endReason).toBe('interrupted');
    expect(result?.metrics.http_reqs.count).toBeGreaterThan(0);
    const written = JSON.parse(readFileSync(out, 'utf8')) as { endReason: string };
    expect(written.endReason).toBe('interrupted');
    expect(stderr.text()).toContain('interrupted; writing the results of the part that ran');
    expect(stderr.text()).toContain(`wrote ${out}`);
    // The session let go of the fake: a later signal reaches nobody.
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('a second SIGINT asks the injected forceExit, never process.exit', async () => {
    const signals = new FakeSignals();
    const { io, forced } = ioWith(signals);
    const before = received;
    const session = quickSession(url, { duration: '30s', connections: '1', quiet: true }, io);
    while (received - before < 5) await new Promise((r) => setTimeout(r, 5));
    signals.send('SIGINT');
    signals.send('SIGINT');
    expect(forced()).toBe(1);
    expect((await session).exitCode).toBe(130);
  });

  it('--json puts the document, and nothing else, on the injected stdout; the start line on stderr', async () => {
    const { io, stdout, stderr } = ioWith();
    const { exitCode, result } = await quickSession(
      url,
      { requests: '20', connections: '2', json: true },
      io,
    );
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout.text())).toEqual(JSON.parse(JSON.stringify(result)));
    expect(stderr.text()).toMatch(
      /^squall quick: GET http:\/\/127\.0\.0\.1:\d+\/ — 2 connections, up to 20 requests/,
    );
  });

  it('quick() returns the typed document; an AbortSignal stops it like Ctrl-C', async () => {
    const ac = new AbortController();
    const before = received;
    const pending = quick({ url, duration: '30s', connections: 1, signal: ac.signal });
    while (received - before < 5) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const doc = await pending;
    expect(doc.endReason).toBe('interrupted');
    expect(doc.metrics.http_req_duration.count).toBeGreaterThan(0);
  });

  it('a failed threshold is the document, not an exception: passed false', async () => {
    const doc = await quick({ url, requests: 10, connections: 1, thresholds: ['http_reqs:count>1000000'] });
    expect(doc.passed).toBe(false);
    expect(doc.thresholds[0]).toMatchObject({ metric: 'http_reqs', ok: false });
  });

  it('bad options are a SquallError naming the flag, before any request', async () => {
    const before = received;
    await expect(quick({ url, connections: 0 })).rejects.toMatchObject({ code: 'SQ_USAGE_BAD_FLAG' });
    await expect(quick({ url, out: ['nope=x'] })).rejects.toMatchObject({ code: 'SQ_USAGE_BAD_FLAG' });
    expect(received).toBe(before);
  });

  it('run(): abortOnFail, one of the live consumers, ends the run with threshold-abort', async () => {
    const doc = await run({
      target: url,
      scenarios: {
        main: {
          executor: 'constant-vus',
          vus: 1,
          duration: '20s',
          users: [{ name: 'U', flow: [{ get: '/' }] }],
        },
      },
      thresholds: { http_reqs: [{ threshold: 'count<1', abortOnFail: true }] },
    });
    expect(doc.endReason).toBe('threshold-abort');
    expect(doc.passed).toBe(false);
    expect(doc.thresholds[0]).toMatchObject({ metric: 'http_reqs', ok: false });
  });

  it('run() writes -o files through the session and nothing to the process streams', async () => {
    const out = join(dir, 'run.json');
    const { io, stdout } = ioWith();
    const { runSession } = await import('./run.js');
    const { exitCode } = await runSession(
      {
        target: url,
        scenarios: {
          main: {
            executor: 'per-vu-iterations',
            vus: 1,
            iterations: 2,
            users: [{ name: 'U', flow: [{ get: '/' }] }],
          },
        },
      },
      { out: [`json=${out}`], quiet: true },
      io,
    );
    expect(exitCode).toBe(0);
    expect(existsSync(out)).toBe(true);
    // Quiet and passed: no summary.
    expect(stdout.text()).toBe('');
  });
});
