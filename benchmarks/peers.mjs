// Locust and Artillery, the tools squall replaces, and h2load (the http2 scenario): found or installed on first use, then driven with
// the `run` scenario's load (N users, one GET of / per iteration, no think time) and read into the
// shape tools.mjs uses: { rps, p50, p99, failRate } with latencies in ms (and `requests`, the
// completed requests, which test/e2e/bench-peers.test.ts holds against what the server saw).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasCommand, tmpDir } from './proc.mjs';
import { freePort } from './targets.mjs';

const log = (line) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Installing

// The last Artillery whose engines allow Node 20 (2.0.22 and later need Node ≥ 22.13).
export const ARTILLERY_VERSION = '2.0.21';
const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
// Outside the repository: about 600 MB and 1,000 packages that squall itself never loads.
export const artilleryDir = path.join(cacheHome, 'squall-bench', `artillery-${ARTILLERY_VERSION}`);
const artilleryBin = path.join(artilleryDir, 'node_modules', 'artillery', 'bin', 'run');
// Written after npm succeeded, so an interrupted install is retried rather than half used.
const artilleryMarker = path.join(artilleryDir, '.installed');

/** Runs argv to completion with output collected; never throws. */
function runCommand(argv, { timeoutMs, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env ? { ...process.env, ...env } : process.env,
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs ?? 600_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, out: `${out}${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out: signal ? `${out}\nkilled by ${signal}` : out });
    });
  });
}

/** The first error lines of an install's output, on one line (reasons go into the report's notes). */
function gist(text) {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => /\berror\b|^E:/i.test(l)).slice(0, 3);
  return (errors.length ? errors : lines.slice(-1)).join('; ') || 'no output';
}

/** apt-get as root, or through passwordless sudo; null when neither is possible. */
function aptPrefix() {
  if (!hasCommand('apt-get')) return null;
  if (process.getuid?.() === 0) return [];
  if (hasCommand('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0) return ['sudo', '-n'];
  return null;
}

/**
 * A prepare step that makes `command` available from Debian's `pkg` when it is missing (the
 * bench's only system installs, and only when --no-install is not given). It returns null when
 * ready, else why not.
 */
export function ensureDebianCommand(command, pkg) {
  return async ({ install }) => {
    if (hasCommand(command)) return null;
    if (!install) return `${command} is not on PATH (--no-install given; Debian: apt-get install ${pkg})`;
    const apt = aptPrefix();
    if (!apt)
      return `${command} is not on PATH and apt-get cannot be run here (not root, no passwordless sudo)`;
    log(`${command} not found: installing Debian’s ${pkg} with apt-get …`);
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    const installCmd = [...apt, 'apt-get', 'install', '-y', '-qq', pkg];
    let res = await runCommand(installCmd, { env });
    if (res.code !== 0) {
      // A fresh machine has no package lists yet.
      await runCommand([...apt, 'apt-get', 'update', '-qq'], { env });
      res = await runCommand(installCmd, { env });
    }
    if (res.code !== 0 || !hasCommand(command))
      return `apt-get install ${pkg} failed (exit ${res.code}): ${gist(res.out)}`;
    return null;
  };
}

const ensureLocust = ensureDebianCommand('locust', 'python3-locust');

/** Installs Artillery into the cache dir on first use. Returns null when ready, else why not. */
async function ensureArtillery({ install }) {
  if (existsSync(artilleryMarker) && existsSync(artilleryBin)) return null;
  if (!install) return `Artillery is not in ${artilleryDir} (--no-install given)`;
  if (!hasCommand('npm')) return 'npm is not on PATH, so Artillery cannot be installed';
  log(
    `Artillery not found: installing artillery@${ARTILLERY_VERSION} into ${artilleryDir} (about a minute) …`,
  );
  mkdirSync(artilleryDir, { recursive: true });
  // Its own package.json, so npm does not go looking for a project above the cache dir.
  writeFileSync(
    path.join(artilleryDir, 'package.json'),
    `${JSON.stringify({ name: 'squall-bench-artillery', private: true }, null, 2)}\n`,
  );
  // --ignore-scripts: its postinstall downloads a browser for the Playwright engine, unused here.
  const res = await runCommand(
    [
      'npm',
      'install',
      '--prefix',
      artilleryDir,
      '--ignore-scripts',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--save-exact',
      `artillery@${ARTILLERY_VERSION}`,
    ],
    { timeoutMs: 900_000 },
  );
  if (res.code !== 0 || !existsSync(artilleryBin))
    return `npm install artillery@${ARTILLERY_VERSION} failed (exit ${res.code}): ${gist(res.out)}`;
  writeFileSync(artilleryMarker, `${new Date().toISOString()}\n`);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Locust

let locustHelp = null;
const locustHelpText = () => {
  locustHelp ??= spawnSync('locust', ['--help']).stdout?.toString() ?? '';
  return locustHelp;
};

function locustVersion() {
  // Debian's build reports an empty __version__ ("locust "); dpkg knows it.
  const own = /locust\s+(\d\S*)/.exec(spawnSync('locust', ['-V']).stdout?.toString() ?? '')?.[1];
  if (own) return own;
  const deb = spawnSync('dpkg-query', ['-W', 'python3-locust']);
  // "python3-locust\t2.12.1-1"
  const v = deb.status === 0 ? deb.stdout.toString().trim().split('\t')[1] : null;
  return v ? `${v} (Debian python3-locust)` : '?';
}

const LOCUST_MARK = 'SQUALL_BENCH_LOCUST ';

// Locust 2.12 (Debian 12) has no --json, and its --csv files are rewritten once a second while
// the test runs, not at the end, so they miss up to the last second (three with workers, which
// report every 3 s). The locustfile prints the final totals as one JSON line when Locust quits,
// after the workers' last reports are in: the same figures as its closing summary table.
const LOCUSTFILE = `# Written by benchmarks/peers.mjs: the bench's \`run\` scenario for Locust.
import json

import locust.runners
from locust import FastHttpUser, constant, events, task
from locust.runners import WorkerRunner

# Debian's build of Locust reports an empty version, which its master takes for a pre-2.0 worker
# and refuses: give master and workers the same non-empty one.
if not locust.runners.__version__:
    locust.runners.__version__ = "unknown"

_env = None


class Getter(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/")


@events.init.add_listener
def _keep(environment, **_kwargs):
    global _env
    _env = environment


@events.quit.add_listener
def _report(**_kwargs):
    if _env is None or _env.runner is None or isinstance(_env.runner, WorkerRunner):
        return
    total = _env.stats.total
    print("${LOCUST_MARK}" + json.dumps({
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.total_rps,
        "p50": total.get_response_time_percentile(0.5),
        "p99": total.get_response_time_percentile(0.99),
        "seconds": total.last_request_timestamp - total.start_time if total.last_request_timestamp else 0,
    }), flush=True)
`;

function locustfile() {
  const file = path.join(tmpDir, 'locustfile.py');
  if (!existsSync(file)) writeFileSync(file, LOCUSTFILE);
  return file;
}

export function parseLocust(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith(LOCUST_MARK));
  if (!line) throw new Error('Locust printed no final totals (the locustfile’s quit hook did not run)');
  const r = JSON.parse(line.slice(LOCUST_MARK.length));
  if (!(r.requests > 0)) throw new Error('Locust made no requests');
  return {
    rps: r.rps,
    p50: r.p50,
    p99: r.p99,
    failRate: r.failures / r.requests,
    requests: r.requests,
  };
}

const locustLoad = ({ url, connections, seconds }) => [
  '--headless',
  '-u',
  String(connections),
  '-r',
  String(connections),
  '--run-time',
  `${seconds}s`,
  '-H',
  url.replace(/\/$/, ''),
  '--only-summary',
];

/** Locust with N worker processes: --processes N where Locust has it (2.19+), else what it does by hand. */
async function locustWorkersArgv(params, processes) {
  const file = locustfile();
  if (locustHelpText().includes('--processes'))
    return ['locust', '-f', file, ...locustLoad(params), '--processes', String(processes)];
  // A master and N workers on loopback, the layout --processes sets up.
  // The master's ZeroMQ port: a free one, not Locust's fixed 5557 that another run may hold.
  const port = await freePort();
  const worker = `locust -f '${file}' --worker --master-host 127.0.0.1 --master-port ${port} &`;
  const master = [
    'exec locust',
    `-f '${file}'`,
    '--master --master-bind-host 127.0.0.1',
    `--master-bind-port ${port}`,
    `--expect-workers ${processes}`,
    ...locustLoad(params).map((a) => `'${a}'`),
  ].join(' ');
  return ['sh', '-c', `${Array(processes).fill(worker).join('\n')}\n${master}`];
}

export const LOCUST_TOOLS = {
  // Locust FastHttpUser, one process (what runs on one core).
  locust: {
    prepare: ensureLocust,
    available: () => hasCommand('locust'),
    version: locustVersion,
    // Python start-up and imports come before Locust's own clock starts.
    extraTimeoutS: 60,
    argv: (params) => ['locust', '-f', locustfile(), ...locustLoad(params)],
    parse: parseLocust,
  },
  // Locust with two worker processes, beside squall run --workers 2.
  'locust-p2': {
    variantOf: 'locust',
    prepare: ensureLocust,
    available: () => hasCommand('locust'),
    version: locustVersion,
    extraTimeoutS: 60,
    argv: (params) => locustWorkersArgv(params, 2),
    parse: parseLocust,
  },
};

// ---------------------------------------------------------------------------------------------
// Artillery

const artilleryReport = path.join(tmpDir, 'artillery-report.json');

/**
 * The same load for Artillery: N VUs arrive within its smallest phase (1 s) and each loops one GET
 * until `seconds` have passed since the first VU's first iteration. Artillery has no closed-model
 * "N users for D seconds", so the processor holds the deadline.
 */
function writeArtilleryScript({ url, connections, seconds }) {
  const processor = path.join(tmpDir, 'artillery-processor.cjs');
  writeFileSync(
    processor,
    `// Written by benchmarks/peers.mjs: loop until ${seconds} s after the first VU started.
let deadline;
module.exports = {
  keepGoing(_context, next) {
    deadline ??= Date.now() + ${seconds * 1000};
    next(Date.now() < deadline);
  },
};
`,
  );
  const script = path.join(tmpDir, 'artillery.yml');
  writeFileSync(
    script,
    `# Written by benchmarks/peers.mjs: the bench's \`run\` scenario for Artillery.
config:
  target: ${JSON.stringify(url.replace(/\/$/, ''))}
  processor: ${JSON.stringify(processor)}
  phases:
    - duration: 1
      arrivalCount: ${connections}
scenarios:
  - flow:
      - loop:
          - get:
              url: "/"
        whileTrue: keepGoing
`,
  );
  return script;
}

/** Reads (and removes, so a failed next run cannot reuse it) Artillery's JSON report. */
export function parseArtilleryReport(doc) {
  const a = doc.aggregate;
  const counters = a.counters ?? {};
  const responses = counters['http.responses'] ?? 0;
  const spanS = (a.lastCounterAt - a.firstCounterAt) / 1000;
  if (!(responses > 0) || !(spanS > 0)) throw new Error('Artillery’s report has no responses');
  const errors = Object.entries(counters)
    .filter(([k]) => k.startsWith('errors.'))
    .reduce((sum, [, v]) => sum + v, 0);
  const non2xx = Object.entries(counters)
    .filter(([k]) => /^http\.codes\.\d+$/.test(k) && !k.startsWith('http.codes.2'))
    .reduce((sum, [, v]) => sum + v, 0);
  const rt = a.summaries?.['http.response_time'] ?? {};
  return {
    // Responses over the span from the first VU's arrival to the last response, like the
    // others' completed requests over their measured time.
    rps: responses / spanS,
    p50: rt.p50 ?? rt.median ?? null,
    p99: rt.p99 ?? null,
    failRate: (errors + non2xx) / (responses + errors),
    requests: responses,
  };
}

export const ARTILLERY_TOOLS = {
  artillery: {
    prepare: ensureArtillery,
    available: () => existsSync(artilleryMarker) && existsSync(artilleryBin),
    version: () =>
      JSON.parse(readFileSync(path.join(path.dirname(artilleryBin), '..', 'package.json'), 'utf8')).version,
    // Loading its ~1,000 packages takes 10–20 s on one busy core before the first request.
    extraTimeoutS: 90,
    argv: (params) => [
      'env',
      // No phoning home (there is no network beyond loopback on the machines this runs on).
      'ARTILLERY_DISABLE_TELEMETRY=true',
      process.execPath,
      artilleryBin,
      'run',
      '--output',
      artilleryReport,
      writeArtilleryScript(params),
    ],
    parse() {
      if (!existsSync(artilleryReport)) throw new Error('Artillery wrote no JSON report');
      const doc = JSON.parse(readFileSync(artilleryReport, 'utf8'));
      rmSync(artilleryReport, { force: true });
      return parseArtilleryReport(doc);
    },
  },
};

/**
 * h2load's summary: `finished in 5.00s, 41234.60 req/s, …` and `requests: N total, N started,
 * N done, N succeeded, F failed, E errored, T timeout`. It gives no percentiles: p50 and p99 stay
 * null (its `time for request` line has min, max, mean and sd only); the mean is kept.
 */
export function parseH2load(stdout) {
  const grab = (re) => {
    const m = re.exec(stdout);
    if (!m) throw new Error(`h2load output lacks ${re}`);
    return m;
  };
  const [, rps] = grab(/finished in [\d.]+\w*, ([\d.]+) req\/s/);
  const [, , , done, , failed, errored, timeout] = grab(
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/,
  );
  const mean = /time for request:\s+\S+\s+\S+\s+(\S+)/.exec(stdout)?.[1];
  const toMs = (t) => {
    const m = /^([\d.]+)(us|ms|s)$/.exec(t ?? '');
    return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : null;
  };
  const requests = Number(done);
  return {
    rps: Number(rps),
    p50: null,
    p99: null,
    meanMs: toMs(mean),
    requests,
    failRate: (Number(failed) + Number(errored) + Number(timeout)) / Math.max(1, requests),
  };
}

export const H2LOAD_TOOLS = {
  // nghttp2's h2load (Debian's nghttp2-client): -c sessions × -m streams each, for -D seconds.
  h2load: {
    available: () => hasCommand('h2load'),
    prepare: ensureDebianCommand('h2load', 'nghttp2-client'),
    extraTimeoutS: 0,
    version: () => /nghttp2\/(\S+)/.exec(spawnSync('h2load', ['--version']).stdout.toString())?.[1] ?? '?',
    argv: ({ url, connections, streams, seconds }) => [
      'h2load',
      '-c',
      String(connections),
      '-m',
      String(streams),
      '-D',
      String(seconds),
      url,
    ],
    parse: parseH2load,
  },
};
