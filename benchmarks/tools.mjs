// The load generators: how to invoke each one and how to read its output into one shape:
// { rps, p50, p99, failRate } with latencies in milliseconds. The micro-benchmark tools
// (squall-bench, mitata) read into { medianNs: { [function name]: ns per call } } instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARTILLERY_TOOLS, H2LOAD_TOOLS, LOCUST_TOOLS } from './peers.mjs';
import { hasCommand } from './proc.mjs';
import { fmt } from './report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const squallBin = path.join(root, 'bin', 'squall.js');
// Call autocannon's entry with node directly (not the .bin shim) so the spawned pid is the tool.
const autocannonJs = path.join(root, 'node_modules', 'autocannon', 'autocannon.js');
const mitataDir = path.join(root, 'node_modules', 'mitata');

const squallBuilt = () => existsSync(path.join(root, 'dist', 'cli', 'main.js'));

// --workers is new (issue 19): a squall without it skips the rows that need it.
const helpCache = new Map();
/** Whether `squall <command> --help` mentions --workers. */
export function squallHasWorkers(command) {
  if (!squallBuilt()) return false;
  if (!helpCache.has(command)) {
    const res = spawnSync(process.execPath, [squallBin, command, '--help']);
    helpCache.set(command, `${res.stdout}${res.stderr}`.includes('--workers'));
  }
  return helpCache.get(command);
}

const version = (pkgDir) => JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;

function parseJson(stdout) {
  // Anything printed before the document (there should be nothing) would break JSON.parse.
  return JSON.parse(stdout.slice(stdout.indexOf('{')));
}

// wrk prints e.g. "202.00us", "2.46ms", "1.02s", "1.50m".
const WRK_UNITS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`unrecognised wrk latency ${text}`);
  return Number(m[1]) * WRK_UNITS[m[2]];
}

function parseWrk(stdout) {
  const grab = (re) => {
    const m = re.exec(stdout);
    if (!m) throw new Error(`wrk output lacks ${re}`);
    return m[1];
  };
  const requests = Number(grab(/(\d+) requests in/));
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps: Number(grab(/Requests\/sec:\s+([\d.]+)/)),
    p50: wrkMs(grab(/^\s*50%\s+(\S+)/m)),
    p99: wrkMs(grab(/^\s*99%\s+(\S+)/m)),
    failRate: (non2xx + socketErrors) / Math.max(1, requests + socketErrors),
  };
}

/** A micro-benchmark run's progress line: each function's median. */
function describeMedians(result) {
  return Object.entries(result.medianNs)
    .map(([name, ns]) => `${name} ${fmt.ns(ns)}`)
    .join(', ');
}

const workersArgs = (workers) => (workers ? ['--workers', String(workers)] : []);

const quickArgv = ({ url, connections, seconds, rate, streams }, workers) => [
  process.execPath,
  squallBin,
  'quick',
  ...(rate ? ['-R', String(rate)] : ['-c', String(connections)]),
  ...(streams ? ['--http2', '--streams', String(streams)] : []),
  '-d',
  `${seconds}s`,
  ...workersArgs(workers),
  '--json',
  url,
];

function parseQuick(stdout) {
  const { metrics } = parseJson(stdout);
  return {
    rps: metrics.http_reqs.rate,
    p50: metrics.http_req_duration.p50,
    p99: metrics.http_req_duration.p99,
    failRate: metrics.http_req_failed.rate,
  };
}

const runArgv = ({ url, connections, seconds, file }, workers) => [
  process.execPath,
  squallBin,
  'run',
  file,
  '--host',
  url,
  '--vus',
  String(connections),
  '--duration',
  `${seconds}s`,
  ...workersArgs(workers),
  '--json',
];

function parseRun(stdout) {
  const { metrics, timeline } = parseJson(stdout);
  return {
    rps: metrics.http_reqs.rate,
    p50: metrics.http_req_duration.p50,
    p99: metrics.http_req_duration.p99,
    failRate: metrics.http_req_failed.rate,
    vusMax: metrics.vus_max?.max ?? null,
    // Per second: { t, rps, p50, p95, p99, errors, vus } (run2000 reads p99 after the start).
    timeline: timeline ?? [],
  };
}

const wrkArgv = ({ url, connections, seconds }, threads) => [
  'wrk',
  `-t${threads}`,
  `-c${connections}`,
  `-d${seconds}s`,
  '--latency',
  url,
];

export const TOOLS = {
  squall: {
    available: squallBuilt,
    version: () => version(root),
    argv: (params) => quickArgv(params),
    parse: parseQuick,
  },
  // `squall quick --workers 1` and `--workers 2` (the workers scenario), when squall has --workers.
  'squall-w1': {
    variantOf: 'squall',
    available: () => squallHasWorkers('quick'),
    why: 'squall quick has no --workers (not in its --help)',
    argv: (params) => quickArgv(params, 1),
    parse: parseQuick,
  },
  'squall-w2': {
    variantOf: 'squall',
    available: () => squallHasWorkers('quick'),
    why: 'squall quick has no --workers (not in its --help)',
    argv: (params) => quickArgv(params, 2),
    parse: parseQuick,
  },
  // `squall quick --http2 --streams M` (the http2 scenario's params carry `streams`).
  'squall-h2': {
    variantOf: 'squall',
    available: squallBuilt,
    argv: (params) => quickArgv(params),
    parse: parseQuick,
  },
  // `squall run` of a test file (the `run` and `run2000` scenarios write it to a temp dir). Not a
  // peer: the same squall, through the test-file engine instead of `quick`'s fast path.
  'squall-run': {
    variantOf: 'squall',
    available: squallBuilt,
    version: () => version(root),
    argv: (params) => runArgv(params),
    parse: parseRun,
  },
  // `squall run --workers 2`, beside Locust with two worker processes.
  'squall-run-w2': {
    variantOf: 'squall',
    available: () => squallHasWorkers('run'),
    why: 'squall run has no --workers (not in its --help)',
    argv: (params) => runArgv(params, 2),
    parse: parseRun,
  },
  // `squall bench` of benchmarks/micro/squall.bench.mjs (the micro scenario): medians in ns.
  'squall-bench': {
    variantOf: 'squall',
    available: squallBuilt,
    version: () => version(root),
    argv: ({ file }) => [process.execPath, squallBin, 'bench', file, '--json'],
    parse(stdout) {
      const { bench } = parseJson(stdout);
      // The document's durations are ms per call.
      return { medianNs: Object.fromEntries(bench.benches.map((b) => [b.name, b.stats.median * 1e6])) };
    },
    describe: describeMedians,
  },
  // mitata (a devDependency) on the same functions, with the flag squall's bench child has.
  mitata: {
    available: () => existsSync(mitataDir),
    version: () => version(mitataDir),
    argv: ({ file }) => [process.execPath, '--expose-gc', file],
    parse(stdout) {
      const { benchmarks } = parseJson(stdout);
      // One run per benchmark (no args); stats.p50 is its median in ns per call.
      return { medianNs: Object.fromEntries(benchmarks.map((b) => [b.alias, b.runs[0].stats.p50])) };
    },
    describe: describeMedians,
  },
  autocannon: {
    available: () => existsSync(autocannonJs),
    version: () => version(path.dirname(autocannonJs)),
    argv: ({ url, connections, seconds }) => [
      process.execPath,
      autocannonJs,
      '-c',
      String(connections),
      '-d',
      String(seconds),
      '--json',
      url,
    ],
    parse(stdout) {
      const r = parseJson(stdout);
      // Completed requests over the measured time, like squall's http_reqs.rate. Its latency
      // histogram has whole-millisecond resolution, so p50 on a fast target often reads 0.
      return {
        rps: r.requests.total / r.duration,
        p50: r.latency.p50,
        p99: r.latency.p99,
        failRate: (r.errors + r.non2xx) / Math.max(1, r.requests.total + r.errors),
      };
    },
  },
  wrk: {
    available: () => hasCommand('wrk'),
    version: () => /wrk (\S+)/.exec(spawnSync('wrk', ['-v']).stdout.toString())?.[1] ?? '?',
    argv: (params) => wrkArgv(params, 1),
    parse: parseWrk,
  },
  // Two threads, beside squall quick --workers 2.
  'wrk-t2': {
    variantOf: 'wrk',
    available: () => hasCommand('wrk'),
    argv: (params) => wrkArgv(params, 2),
    parse: parseWrk,
  },
  ...H2LOAD_TOOLS,
  ...LOCUST_TOOLS,
  ...ARTILLERY_TOOLS,
};

export function nginxVersion() {
  if (!hasCommand('nginx')) return null;
  return /nginx\/(\S+)/.exec(spawnSync('nginx', ['-v']).stderr.toString())?.[1] ?? '?';
}
