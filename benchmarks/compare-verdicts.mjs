#!/usr/bin/env node
// Issue 16's "done when" for squall compare: N runs of one unchanged configuration compared in
// pairs are never "regressed" at a 10 % budget; the same server made 15 % slower is "regressed"
// every time. Two local servers with fixed delays (20 ms and 23 ms), squall quick against each,
// then squall compare on the saved documents. Progress on stderr, the counts on stdout.
//   node benchmarks/compare-verdicts.mjs [--runs 20] [--duration 20s]   (docs/history.md, "How often it is right")
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '20' }, duration: { type: 'string', default: '20s' } },
});
const RUNS = Number(values.runs);
const CLI = path.resolve(import.meta.dirname, '..', 'bin', 'squall.js');
const METRICS = ['http_req_duration:med', 'http_req_duration:p(95)', 'http_req_duration:avg'];

function server(delayMs) {
  const s = http.createServer((_req, res) => setTimeout(() => res.end('ok'), delayMs));
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'squall-compare-verdicts-'));
const base = await server(20);
const slow = await server(23);
const url = (s) => `http://127.0.0.1:${s.address().port}/`;
// The servers run in this process: squall runs as a child, asynchronously, so they can answer.
const run = (args) =>
  new Promise((resolve) =>
    execFile(process.execPath, [CLI, ...args], { cwd: dir, maxBuffer: 1 << 26 }, (err, stdout) =>
      resolve({ code: err?.code ?? 0, stdout }),
    ),
  );

const docs = { base: [], slow: [] };
for (let i = 0; i < RUNS; i++) {
  for (const [name, s] of [
    ['base', base],
    ['slow', slow],
  ]) {
    const out = path.join(dir, `${name}-${i}.json`);
    await run(['quick', url(s), '-d', values.duration, '-c', '10', '-q', '-o', `json=${out}`]);
    docs[name].push(out);
  }
  process.stderr.write(`round ${i + 1}/${RUNS}\n`);
}
const verdicts = async (a, b) => {
  const args = ['compare', a, b, '--json', '--max-regression', '10%'];
  for (const m of METRICS) args.push('--metric', m);
  const r = await run(args);
  const c = JSON.parse(r.stdout);
  // 'comparison': the verdict of the whole comparison (the worst row's), which sets the exit code.
  return { ...Object.fromEntries(c.rows.map((x) => [x.metric, x.verdict])), comparison: c.verdict };
};
const count = (rows) => {
  const out = {};
  for (const m of [...METRICS, 'comparison']) {
    out[m] = {};
    for (const r of rows) out[m][r[m]] = (out[m][r[m]] ?? 0) + 1;
  }
  return out;
};
const same = [];
for (let i = 0; i + 1 < RUNS; i += 2) same.push(await verdicts(docs.base[i], docs.base[i + 1]));
for (let i = 0; i + 1 < RUNS; i += 2) same.push(await verdicts(docs.slow[i], docs.slow[i + 1]));
const slower = [];
for (let i = 0; i < RUNS; i++) slower.push(await verdicts(docs.base[i], docs.slow[i]));
const report = {
  runs: RUNS,
  duration: values.duration,
  unchangedPairs: count(same),
  slowerPairs: count(slower),
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.join(os.tmpdir(), 'squall-compare-verdicts.json'), JSON.stringify(report));
base.close();
slow.close();
rmSync(dir, { recursive: true, force: true });
