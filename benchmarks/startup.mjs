#!/usr/bin/env node
// Start-up cost of the CLI (docs/PERFORMANCE.md, "Start-up"): paired, interleaved runs so that
// drift on a busy machine hits the baseline and squall alike; medians.
//
//   node benchmarks/startup.mjs [--pairs 20]
//
// 1. `node -e 0` vs `squall --version` vs `squall quick --help` (wall time of the whole process).
// 2. Time to first request of `squall run` for a .ts and a .yaml test: a local server notes
//    when the first request arrives, measured from just before the spawn in this same process;
//    squall is killed once it has arrived. The .ts run is measured with a cold compile cache
//    (a fresh SQUALL_CACHE_DIR) and a warm one.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const bin = join(root, 'bin/squall.js');
const pairsAt = process.argv.indexOf('--pairs');
const PAIRS = pairsAt > 0 ? Number(process.argv[pairsAt + 1]) : 20;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (ns) => Number(ns) / 1e6;

function wall(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return ms(process.hrtime.bigint() - t0);
}

function startupFigures() {
  const cases = {
    'node -e 0': ['-e', '0'],
    'squall --version': [bin, '--version'],
    'squall quick --help': [bin, 'quick', '--help'],
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  wall(cases['squall --version']); // warm the file cache once
  for (let i = 0; i < PAIRS; i++) for (const [k, a] of Object.entries(cases)) times[k].push(wall(a));
  const base = median(times['node -e 0']);
  console.log(`start-up, ${PAIRS} interleaved rounds, medians (min–max):`);
  for (const [k, t] of Object.entries(times)) {
    const ratio = median(times[k].map((x, i) => x / times['node -e 0'][i]));
    console.log(
      `  ${k.padEnd(22)} ${median(t).toFixed(1).padStart(6)} ms (${Math.min(...t).toFixed(0)}–${Math.max(...t).toFixed(0)})` +
        `  ${(median(t) / base).toFixed(2)}× node -e 0 (median of per-round ratios ${ratio.toFixed(2)}×)`,
    );
  }
}

async function firstRequest(args, env) {
  let t0 = 0n;
  let arrived;
  const got = new Promise((r) => {
    arrived = r;
  });
  const server = createServer((_req, res) => {
    arrived(process.hrtime.bigint());
    res.end('ok');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [bin, ...args, '--host', url], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });
  const exited = new Promise((r) => child.on('exit', r));
  const t = await Promise.race([got, exited.then(() => undefined)]);
  child.kill('SIGKILL');
  await exited;
  server.closeAllConnections();
  server.close();
  if (t === undefined) throw new Error(`squall ${args.join(' ')} exited before its first request`);
  return ms(t - t0);
}

async function firstRequestFigures() {
  const dir = mkdtempSync(join(tmpdir(), 'squall-startup-'));
  const ts = join(dir, 'test.ts');
  const yaml = join(dir, 'test.yaml');
  writeFileSync(
    ts,
    `import { defineTest } from 'squall';
export default defineTest({
  vus: 1,
  duration: '5s',
  users: [{ name: 'u', async run({ http }) { await http.get('/'); } }],
});
`,
  );
  writeFileSync(yaml, `vus: 1\nduration: 5s\nusers:\n  - name: u\n    flow:\n      - get: /\n`);
  const cold = () => ({ SQUALL_CACHE_DIR: mkdtempSync(join(dir, 'cache-')) });
  const warmDir = { SQUALL_CACHE_DIR: join(dir, 'warm') };
  await firstRequest(['run', ts], warmDir);
  const cases = {
    'run test.ts (cold cache)': () => firstRequest(['run', ts], cold()),
    'run test.ts (warm cache)': () => firstRequest(['run', ts], warmDir),
    'run test.yaml': () => firstRequest(['run', yaml], {}),
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < PAIRS; i++) for (const [k, f] of Object.entries(cases)) times[k].push(await f());
  console.log(`time to first request, from spawn, ${PAIRS} interleaved rounds, medians (min–max):`);
  for (const [k, t] of Object.entries(times)) {
    console.log(
      `  ${k.padEnd(26)} ${median(t).toFixed(0).padStart(5)} ms (${Math.min(...t).toFixed(0)}–${Math.max(...t).toFixed(0)})`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

startupFigures();
await firstRequestFigures();
