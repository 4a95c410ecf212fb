import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Prometheus server (Debian's `prometheus` package) for the exporters' end-to-end tests:
 * its remote-write receiver on, native histograms enabled, its data in a temp folder, on an
 * ephemeral port of 127.0.0.1. Scrape targets are set later with `scrape()` (a config reload).
 */

const CANDIDATES = ['/usr/bin/prometheus', 'prometheus'];

/** The binary, or undefined when this machine has none. */
export function prometheusBinary(): string | undefined {
  for (const bin of CANDIDATES) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return bin;
  }
  return undefined;
}

/** `prometheus --version`'s version, e.g. [2, 42, 0]. */
export function prometheusVersion(bin: string): number[] {
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  const m = /version (\d+)\.(\d+)\.(\d+)/.exec(out);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

export interface PrometheusServer {
  url: string;
  /** Instant query; the result vector. */
  query(
    q: string,
  ): Promise<Array<{ metric: Record<string, string>; value?: [number, string]; histogram?: unknown }>>;
  /** Scrapes `target` (HOST:PORT) every `intervalMs` from now on. */
  scrape(target: string, intervalMs?: number): Promise<void>;
  log(): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startPrometheus(bin: string): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'squall-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1s\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${config}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--web.enable-remote-write-receiver',
      '--web.enable-lifecycle',
      '--enable-feature=native-histograms',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${log}`);
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready after 30s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async query(q) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { status: string; error?: string; data: { result: [] } };
      if (body.status !== 'success') throw new Error(`query ${q}: ${body.error}`);
      return body.data.result;
    },
    async scrape(target, intervalMs = 500) {
      writeFileSync(
        config,
        `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: squall\n    scrape_interval: ${intervalMs}ms\n    scrape_timeout: ${intervalMs}ms\n    static_configs:\n      - targets: ['${target}']\n`,
      );
      const r = await fetch(`${url}/-/reload`, { method: 'POST' });
      if (!r.ok) throw new Error(`prometheus reload: ${r.status} ${await r.text()}`);
    },
    log: () => log,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
