import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResult, requireBuiltCli, runCli, startCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * Issue 10, item 8: a test whose URLs carry ids (5,000 distinct `/items/<i>`, and random hex
 * `/u/<id>`) used to keep one endpoint, with its histograms, per URL: 835 MB of a 1 GB heap.
 * Past the endpoint limit (default 200, `--max-endpoints N`) names are grouped by path template,
 * then into `other`, and the run says so once.
 */

const dir = tempDir('squall-cardinality-');
let target: TargetServer;

beforeAll(async () => {
  requireBuiltCli();
  target = await startTarget();
});

afterAll(async () => {
  await target.close();
  dir.remove();
});

/** A TS test: 4 VUs walk /items/1..N between them, each item followed by a random hex id. */
function manyUrls(n: number, distinct: boolean): string {
  const path = `${dir.path}/many-${n}-${distinct}.ts`;
  // JavaScript expressions of the generated test.
  const items = distinct ? "'/items/' + i" : "'/items'";
  const users = distinct
    ? "'/u/' + Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, '0')"
    : "'/u'";
  writeFileSync(
    path,
    `export default {
  target: ${JSON.stringify(target.url)},
  scenarios: {
    walk: {
      executor: 'per-vu-iterations', vus: 4, iterations: 1,
      users: [{ name: 'Walker', async run({ http, vu }) {
        for (let i = vu.id; i <= ${n}; i += 4) {
          await http.get(${items});
          await http.get(${users});
        }
      } }],
    },
  },
};
`,
  );
  return path;
}

/** Peak RSS (VmHWM, kB) of a running process, polled until it exits; undefined off Linux. */
async function runWithPeakRss(
  args: string[],
): Promise<{ peakKb: number | undefined; out: string; code: number | null; stderr: string }> {
  const p = startCli(args, { timeoutMs: 60_000 });
  const file = `/proc/${p.child.pid}/status`;
  let peakKb: number | undefined;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(file, 'utf8'));
      if (m) peakKb = Math.max(peakKb ?? 0, Number(m[1]));
    } catch {
      // Exited between polls.
    }
  }, 25);
  const r = await p.result;
  clearInterval(poll);
  return {
    peakKb: existsSync('/proc/self/status') ? peakKb : undefined,
    out: r.stdout,
    code: r.code,
    stderr: r.stderr,
  };
}

describe('endpoint cardinality', () => {
  it('5,000 distinct item URLs: grouped past 200 names, said once, memory like a one-URL run', async () => {
    const out = `${dir.path}/many.json`;
    const many = await runWithPeakRss(['run', manyUrls(5000, true), '-o', `json=${out}`]);
    expect(many.code, many.stderr).toBe(0);
    const doc = readResult(out);
    expect(doc.metrics.http_reqs.count).toBe(10_000);
    expect(doc.endpoints.length).toBeLessThanOrEqual(203);
    const byName = new Map(doc.endpoints.map((e) => [e.name, e]));
    const items = byName.get('GET /items/:id');
    const hex = byName.get('GET /u/:id');
    expect(items?.grouped).toBeGreaterThan(4000);
    expect(hex?.grouped).toBeGreaterThan(4000);
    // Every request is counted somewhere, grouped or not.
    expect(doc.endpoints.reduce((n, e) => n + e.count, 0)).toBe(10_000);
    expect(many.stderr.match(/more than 200 distinct request names/g)).toHaveLength(1);
    expect(many.stderr).toMatch(/--max-endpoints/);

    // The same number of requests to two URLs: the cap must keep the 10,000-URL run close to it.
    const few = await runWithPeakRss(['run', manyUrls(5000, false), '-q', '-o', `json=${dir.path}/few.json`]);
    expect(few.code, few.stderr).toBe(0);
    if (many.peakKb !== undefined && few.peakKb !== undefined) {
      // Before the cap the difference was about 1.5 GB (160 kB per URL).
      expect(many.peakKb - few.peakKb).toBeLessThan(40 * 1024);
    }
  }, 120_000);

  it('--max-endpoints N keeps N names, groups the rest by template, then into other', async () => {
    const file = `${dir.path}/cap.yaml`;
    const steps = [
      ...Array.from({ length: 5 }, (_, i) => `          - get: /a/${i + 1}`),
      '          - get: /b/7',
      '          - get: /health',
    ].join('\n');
    writeFileSync(
      file,
      `target: ${target.url}\nscenarios:\n  s:\n    executor: per-vu-iterations\n    vus: 1\n    iterations: 1\n    users:\n      - name: U\n        flow:\n${steps}\n`,
    );
    const out = `${dir.path}/cap.json`;
    const r = await runCli(['run', file, '--max-endpoints', '2', '-o', `json=${out}`]);
    expect(r.code, r.stderr).toBe(0);
    const doc = readResult(out, r);
    expect(doc.endpoints.map((e) => [e.name, e.count, e.grouped])).toEqual([
      ['GET /a/1', 1, undefined],
      ['GET /a/2', 1, undefined],
      ['GET /a/:id', 3, 3],
      ['GET /b/:id', 1, 1],
      ['other', 1, 1],
    ]);
  }, 60_000);

  it('--max-endpoints that is not a whole number is bad input, exit 2, naming the flag', async () => {
    const before = target.count();
    const r = await runCli(['run', manyUrls(8, true), '--max-endpoints', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-endpoints "lots" is not a whole number from 1 to 100000/);
    expect(target.count()).toBe(before);
  }, 60_000);
});
