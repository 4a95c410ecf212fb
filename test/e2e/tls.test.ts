import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { haveOpenssl, selfSignedCert } from '../helpers/test-certs.js';

/** https targets through the lean client: verified by default, -k for self-signed servers. */

const dir = tempDir();
let server: https.Server | undefined;
let url = '';
let count = 0;

const canRun = haveOpenssl();

beforeAll(async () => {
  requireBuiltCli();
  if (!canRun) return;
  // A throwaway self-signed certificate for 127.0.0.1, made for this run.
  const { key, cert } = selfSignedCert(dir.path, 'localhost', 'IP:127.0.0.1');
  server = https.createServer({ key, cert }, (_req, res) => {
    count++;
    res.end('secure');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  if (server) await new Promise((r) => server!.close(r));
  dir.remove();
});

describe.skipIf(!canRun)('https (needs openssl to make a certificate)', () => {
  it('an unverifiable certificate is an error kind of its own, not a crash', async () => {
    const out = `${dir.path}/untrusted.json`;
    const run = await runCli(['quick', '-c', '2', '-n', '20', '-o', `json=${out}`, url]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    expect(r.metrics.http_req_failed.rate, explain(run)).toBe(1);
    expect(r.errors[0]?.kind, explain(run)).toBe('tls');
  });

  it('-k loads a self-signed server; every request counted by both sides', async () => {
    const before = count;
    const out = `${dir.path}/insecure.json`;
    const run = await runCli(['quick', '-k', '-c', '4', '-n', '200', '-o', `json=${out}`, url]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    expect(r.metrics.http_req_failed.fails, explain(run)).toBe(0);
    expect(r.metrics.http_reqs.count, explain(run)).toBe(count - before);
    expect(r.metrics.http_reqs.count).toBe(200);
  });
});
