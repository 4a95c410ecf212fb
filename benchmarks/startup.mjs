#!/usr/bin/env node
// Start-up cost of the CLI (docs/PERFORMANCE.md, "Start-up"): paired, interleaved runs so that
// drift on a busy machine hits the baseline and squall alike; medians.
//
//   node benchmarks/startup.mjs [--pairs 20] [--baseline DIR]
//
// --baseline DIR: another checkout of squall (built), measured in the same rounds, interleaved.
//
// 1. `node -e 0` vs `squall --version` vs `squall quick --help` (wall time of the whole process).
// 2. Time to first request of `squall run` for a .ts and a .yaml test: a local server notes
//    when the first request arrives, measured from just before the spawn in this same process;
//    squall is killed once it has arrived. The .ts run is measured with a cold compile cache
//    (a fresh SQUALL_CACHE_DIR) and a warm one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const flag = (name) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const PAIRS = Number(flag('--pairs') ?? 20);
const baseline = flag('--baseline');
/** The squall builds to measure, by label. */
const bins = { '': join(root, 'bin/squall.js') };
if (baseline) bins['baseline '] = join(resolve(baseline), 'bin/squall.js');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (ns) => Number(ns) / 1e6;

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const cpuFile = join(tmpdir(), `squall-startup-cpu-${process.pid}`);

/**
 * Wall time of one run, and its CPU time (user + system, from /usr/bin/time when present): on a
 * machine shared with other work the CPU time varies far less than the wall time.
 */
function wall(args) {
  const [cmd, all] = TIME
    ? [TIME, ['-f', '%U %S', '-o', cpuFile, process.execPath, ...args]]
    : [process.execPath, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, all, { stdio: 'ignore' });
  const w = ms(process.hrtime.bigint() - t0);
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  const cpu = TIME
    ? readFileSync(cpuFile, 'utf8')
        .trim()
        .split(/\s+/)
        .reduce((a, b) => a + Number(b) * 1000, 0)
    : Number.NaN;
  return { wall: w, cpu };
}

function startupFigures() {
  const cases = { 'node -e 0': ['-e', '0'] };
  for (const [label, bin] of Object.entries(bins)) {
    cases[`${label}squall --version`] = [bin, '--version'];
    cases[`${label}squall quick --help`] = [bin, 'quick', '--help'];
  }
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const cpus = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const a of Object.values(cases)) wall(a); // warm the file cache once
  for (let i = 0; i < PAIRS; i++) {
    for (const [k, a] of Object.entries(cases)) {
      const r = wall(a);
      times[k].push(r.wall);
      cpus[k].push(r.cpu);
    }
  }
  const base = median(times['node -e 0']);
  const baseCpu = median(cpus['node -e 0']);
  console.log(`start-up, ${PAIRS} interleaved rounds, medians (min–max):`);
  for (const [k, t] of Object.entries(times)) {
    const ratio = median(times[k].map((x, i) => x / times['node -e 0'][i]));
    console.log(
      `  ${k.padEnd(31)} wall ${median(t).toFixed(1).padStart(6)} ms (${Math.min(...t).toFixed(0)}–${Math.max(...t).toFixed(0)})` +
        `  ${(median(t) / base).toFixed(2)}× node -e 0 (per-round ratios: median ${ratio.toFixed(2)}×)` +
        `   cpu ${median(cpus[k]).toFixed(0)} ms, ${(median(cpus[k]) / baseCpu).toFixed(2)}×`,
    );
  }
}

/** CPU time (user + system, all threads) a process has used so far, in ms (Linux; NaN elsewhere). */
function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in ticks of 1/100 s
  } catch {
    return Number.NaN;
  }
}

async function firstRequest(bin, args, env) {
  let t0 = 0n;
  let arrived;
  const got = new Promise((r) => {
    arrived = r;
  });
  let child;
  const server = createServer((_req, res) => {
    arrived({ at: process.hrtime.bigint(), cpu: cpuOf(child.pid) });
    res.end('ok');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  t0 = process.hrtime.bigint();
  child = spawn(process.execPath, [bin, ...args, '--host', url], {
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
  return { wall: ms(t.at - t0), cpu: t.cpu };
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
  const cases = {};
  for (const [label, bin] of Object.entries(bins)) {
    await firstRequest(bin, ['run', ts], warmDir);
    cases[`${label}run test.ts (cold cache)`] = () => firstRequest(bin, ['run', ts], cold());
    cases[`${label}run test.ts (warm cache)`] = () => firstRequest(bin, ['run', ts], warmDir);
    cases[`${label}run test.yaml`] = () => firstRequest(bin, ['run', yaml], {});
  }
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const cpus = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < PAIRS; i++) {
    for (const [k, f] of Object.entries(cases)) {
      const r = await f();
      times[k].push(r.wall);
      cpus[k].push(r.cpu);
    }
  }
  console.log(`time to first request, from spawn, ${PAIRS} interleaved rounds, medians (min–max):`);
  for (const [k, t] of Object.entries(times)) {
    console.log(
      `  ${k.padEnd(35)} wall ${median(t).toFixed(0).padStart(5)} ms (${Math.min(...t).toFixed(0)}–${Math.max(...t).toFixed(0)})` +
        `   cpu ${median(cpus[k]).toFixed(0)} ms`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

startupFigures();
if (!process.argv.includes('--startup-only')) await firstRequestFigures();
