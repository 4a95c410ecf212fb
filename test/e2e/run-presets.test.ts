import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  between,
  peakInFlight,
  type RouteServer,
  relativeTo,
  startRouteServer,
} from '../helpers/route-server.js';
import { ROOT, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * Every preset, scaled down to a few seconds with --vus or --rate and --duration, run against a
 * real server. The shapes are read from docs/presets.md itself (its generated table), so the
 * test checks that squall does what the doc says: the plan in the result has the doc's stages at
 * the given size, the server sees the planned VUs (closed model: requests in flight, with a server
 * delay) or arrivals (open model) in the middle of every hold, and the timeline's vus or rps rise
 * and fall with the plan, second by second.
 */

const dir = tempDir('squall-run-presets-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

interface DocShape {
  executor: string;
  start: number;
  /** [share of the duration, level at its end], as fractions. */
  segments: Array<[number, number]>;
}

/** The table of docs/presets.md: `| \`spike\` | ramping-vus | … | from 0%: → 10% in 5% · hold 25% · … |`. */
function docShapes(): Record<string, DocShape> {
  const doc = readFileSync(join(ROOT, 'docs', 'presets.md'), 'utf8');
  const out: Record<string, DocShape> = {};
  for (const line of doc.split('\n')) {
    const m = /^\|\s*`(\w+)`\s*\|\s*([\w-]+)\s*\|[^|]*\|[^|]*\|\s*from ([\d.]+)%: (.*?)\s*\|$/.exec(line);
    if (!m) continue;
    let level = Number(m[3]) / 100;
    const segments = m[4]!.split(' · ').map((part): [number, number] => {
      const ramp = /^→ ([\d.]+)% in ([\d.]+)%$/.exec(part);
      if (ramp) {
        level = Number(ramp[1]) / 100;
        return [Number(ramp[2]) / 100, level];
      }
      const hold = /^hold ([\d.]+)%$/.exec(part);
      if (!hold) throw new Error(`docs/presets.md: cannot read '${part}' in ${line}`);
      return [Number(hold[1]) / 100, level];
    });
    out[m[1]!] = { executor: m[2]!, start: Number(m[3]) / 100, segments };
  }
  return out;
}

const SHAPES = docShapes();

/** The planned level (a fraction of the size) at `tMs` of a `durationMs` run. */
function levelAt(shape: DocShape, durationMs: number, tMs: number): number {
  let from = shape.start;
  let at = 0;
  for (const [share, to] of shape.segments) {
    const len = share * durationMs;
    if (tMs < at + len) return from + ((to - from) * (tMs - at)) / len;
    at += len;
    from = to;
  }
  return 0;
}

/** The holds long enough to measure in: [startMs, endMs, level]. */
function holds(shape: DocShape, durationMs: number, minMs: number): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  let from = shape.start;
  let at = 0;
  for (const [share, to] of shape.segments) {
    const len = share * durationMs;
    if (to === from && to > 0 && len >= minMs) out.push([at, at + len, to]);
    at += len;
    from = to;
  }
  return out;
}

/** VUs at a level: levels above 0 keep at least one VU (docs/presets.md, Size). */
const vusAt = (level: number, size: number) => (level <= 0 ? 0 : Math.max(1, Math.ceil(level * size - 1e-9)));

interface Case {
  preset: string;
  /** --vus (closed) or --rate (open) */
  size: { vus: number } | { rate: number };
  durationMs: number;
}

const CASES: Case[] = [
  { preset: 'smoke', size: { vus: 3 }, durationMs: 1000 },
  { preset: 'baseline', size: { vus: 4 }, durationMs: 3000 },
  // --rate turns a closed preset into its open-model twin, with the same stages.
  { preset: 'stress', size: { rate: 60 }, durationMs: 5000 },
  // The shortest holds are 300 ms or more (the peak of burst: 6% of 6 s), to measure in.
  { preset: 'spike', size: { vus: 10 }, durationMs: 5000 },
  { preset: 'burst', size: { vus: 6 }, durationMs: 6000 },
  { preset: 'soak', size: { rate: 40 }, durationMs: 2000 },
  { preset: 'endurance', size: { vus: 3 }, durationMs: 2000 },
  { preset: 'breakpoint', size: { rate: 50 }, durationMs: 2000 },
];

/** A closed-model VU keeps one request in flight almost all the time with this server delay. */
const CLOSED_DELAY_MS = 30;

const USERS_ONLY = `# The shape comes from --preset; the size from --vus or --rate, and --duration.
users:
  - name: Reader
    flow: [{ get: /p, headers: { X-VU: "\${vu.id}" } }]
`;

describe('presets', () => {
  it('docs/presets.md lists all eight, each with a shape this test can read', () => {
    expect(Object.keys(SHAPES).sort()).toEqual(CASES.map((c) => c.preset).sort());
    for (const [name, s] of Object.entries(SHAPES)) {
      const total = s.segments.reduce((a, [share]) => a + share, 0);
      expect(total, name).toBeCloseTo(1, 6);
    }
  });

  it.each(CASES)('$preset: the doc shape at the given size, as the server saw it', async (c) => {
    const shape = SHAPES[c.preset]!;
    const open = 'rate' in c.size;
    const size = 'rate' in c.size ? c.size.rate : c.size.vus;
    server = await startRouteServer({ delayMs: open ? 2 : CLOSED_DELAY_MS });
    const file = writeTestFile(dir.path, `${c.preset}.yaml`, USERS_ONLY);
    const sizeFlag = open ? ['--rate', String(size)] : ['--vus', String(size)];
    const {
      run,
      result: r,
      why,
    } = await runFileOk(file, [
      '--host',
      server.url,
      '--preset',
      c.preset,
      ...sizeFlag,
      '--duration',
      `${c.durationMs}ms`,
    ]);
    const hits = relativeTo(server.on('/p'), Date.parse(r.startedAt));
    const ctx = `${why}\nplan ${JSON.stringify((r.config.scenarios as unknown[])[0])}\ntimeline ${JSON.stringify(r.timeline)}`;
    expect(run.code, ctx).toBe(0);
    expect(r.endReason, ctx).toBe('completed');
    expect(r.config.preset, ctx).toBe(c.preset);

    // The plan: the doc's stages at this size and duration.
    const executor = (r.config.scenarios as Array<{ executor: Record<string, unknown> }>)[0]!.executor;
    // The doc's executor; with --rate, the open-model twin (docs/presets.md, below the table).
    const docExecutor = !open
      ? shape.executor
      : shape.executor === 'constant-vus'
        ? 'constant-arrival-rate'
        : 'ramping-arrival-rate';
    expect(executor.type, ctx).toBe(docExecutor);
    const levelOf = (f: number) => (open ? f * size : vusAt(f, size));
    if (executor.type === 'constant-vus' || executor.type === 'constant-arrival-rate') {
      expect(shape.segments.every(([, f]) => f === 1) && shape.start === 1, ctx).toBe(true);
      expect(executor[open ? 'rate' : 'vus'], ctx).toBe(size);
      expect(executor.durationMs, ctx).toBe(c.durationMs);
    } else {
      const stages = executor.stages as Array<{ durationMs: number; target: number }>;
      expect(stages, ctx).toHaveLength(shape.segments.length);
      shape.segments.forEach(([share, f], i) => {
        expect(
          Math.abs(stages[i]!.durationMs - share * c.durationMs),
          `${ctx}\nstage ${i}`,
        ).toBeLessThanOrEqual(1);
        expect(stages[i]!.target, `${ctx}\nstage ${i}`).toBeCloseTo(levelOf(f), 6);
      });
      expect(executor[open ? 'startRate' : 'startVUs'], ctx).toBe(levelOf(shape.start));
    }

    // The server: in the middle half of every hold, the planned VUs at work or the planned rate.
    for (const [from, to, level] of holds(shape, c.durationMs, 300)) {
      const a = from + (to - from) / 4;
      const b = to - (to - from) / 4;
      const where = `${ctx}\nhold ${from}..${to} ms at ${level * 100}%, measured in ${a}..${b}`;
      if (open) {
        const want = (size * level * (b - a)) / 1000;
        const n = between(hits, a, b).length;
        expect(Math.abs(n - want), `${where}: ${n} arrivals, planned ${want}`).toBeLessThanOrEqual(
          Math.max(2, want * 0.15),
        );
      } else {
        const want = vusAt(level, size);
        const seen = peakInFlight(hits, a, b);
        expect(seen, `${where}: ${seen} in flight, planned ${want}`).toBeLessThanOrEqual(want);
        expect(seen, `${where}: ${seen} in flight, planned ${want}`).toBeGreaterThanOrEqual(
          want > 2 ? want - 1 : want,
        );
      }
    }
    // Never more than the size at once, and nothing after the end.
    if (!open) expect(peakInFlight(hits, -1000, c.durationMs + 1000), ctx).toBeLessThanOrEqual(size);
    expect(hits.filter((h) => h.t > c.durationMs + CLOSED_DELAY_MS + 30).length, ctx).toBe(0);

    // The timeline, second by second: vus (closed, the peak of each second) or rps (open).
    expectTimelineFollows(r, shape, c.durationMs, size, open, ctx);

    // What the presets add to the result.
    expect(r.config.monitorSuggested, ctx).toBe(c.preset === 'soak' || c.preset === 'endurance');
    if (c.preset === 'breakpoint') {
      // A healthy server: it ramps to the end, and there is no breaking point to report.
      expect(r.breakingPoint, ctx).toBeNull();
      expect(r.config.stopConditions, ctx).not.toBeNull();
    }
    if (c.preset === 'spike') {
      // The spike: from the climb to the peak until the end of the hold at it.
      const [peakFrom, peakTo] = holds(shape, c.durationMs, 0).find(([, , l]) => l === 1)!;
      const climb = shape.segments.find(([, f], i) => f === 1 && shape.segments[i - 1]?.[1] !== 1)![0];
      expect(r.spike, ctx).toBeDefined();
      expect(r.spike!.startSec, ctx).toBeCloseTo((peakFrom - climb * c.durationMs) / 1000, 2);
      expect(r.spike!.endSec, ctx).toBeCloseTo(peakTo / 1000, 2);
    }
  });
});

function expectTimelineFollows(
  r: RunResult,
  shape: DocShape,
  durationMs: number,
  size: number,
  open: boolean,
  ctx: string,
): void {
  let prevMs = 0;
  let sawPeak = false;
  for (const p of r.timeline) {
    const endMs = p.t * 1000;
    const lenSec = (endMs - prevMs) / 1000;
    const where = `${ctx}\ntimeline second ending ${p.t}`;
    if (open) {
      // Planned arrivals over the bucket (the integral of the rate), against responses per second.
      let planned = 0;
      for (let t = prevMs; t < Math.min(endMs, durationMs); t += 1)
        planned += (size * levelAt(shape, durationMs, t + 0.5)) / 1000;
      const rps = planned / lenSec;
      expect(Math.abs(p.rps - rps), `${where}: rps ${p.rps}, planned ${rps}`).toBeLessThanOrEqual(
        Math.max(4, rps * 0.2),
      );
    } else {
      // The peak of the planned VUs over the bucket, allowing 50 ms of clock skew either side.
      const peak = (a: number, b: number) => {
        let m = 0;
        for (let t = Math.max(0, a); t < Math.min(b, durationMs); t += 5)
          m = Math.max(m, levelAt(shape, durationMs, t));
        return m;
      };
      const most = vusAt(peak(prevMs - 50, endMs + 50), size);
      const least = Math.floor(peak(prevMs + 50, endMs - 50) * size + 1e-9);
      expect(p.vus, `${where}: vus ${p.vus}, planned ${least}..${most}`).toBeLessThanOrEqual(most);
      expect(p.vus, `${where}: vus ${p.vus}, planned ${least}..${most}`).toBeGreaterThanOrEqual(least);
      if (p.vus === size) sawPeak = true;
    }
    prevMs = endMs;
  }
  if (!open) expect(sawPeak, `${ctx}\nthe timeline never shows the peak of ${size} VUs`).toBe(true);
}

describe('spike recovery', () => {
  it('the time after the spike until p95 is back within the pre-spike band, as the server degraded', async () => {
    // A server that slows down while more than a few requests are in flight, and stays slow for
    // a while after (a backlog draining): the recovery squall reports must match when it got fast.
    // Latencies long enough that a few ms of timer jitter stays well inside the pre-spike band
    // (at least 10% above its mean), with 2 VUs before the spike and 20 at its peak.
    const normalMs = 200;
    const slowMs = 500;
    const lingerMs = 500;
    let slowUntil = 0;
    let lastSlowAt = 0;
    server = await startRouteServer({
      handler: (h) => {
        if (h.inFlight > 4) slowUntil = h.at + lingerMs;
        if (h.at >= slowUntil) return { delayMs: normalMs };
        lastSlowAt = h.at;
        return { delayMs: slowMs };
      },
    });
    const durationMs = 8000;
    const file = writeTestFile(dir.path, 'spike-recovery.yaml', USERS_ONLY);
    const {
      run,
      result: r,
      why,
    } = await runFileOk(file, [
      '--host',
      server.url,
      '--preset',
      'spike',
      '--vus',
      '20',
      '--duration',
      `${durationMs}ms`,
    ]);
    const ctx = `${why}\nspike ${JSON.stringify(r.spike)}\ntimeline ${JSON.stringify(r.timeline)}`;
    expect(run.code, ctx).toBe(0);
    expect(r.spike, ctx).toBeDefined();
    const { endSec, recoverySec } = r.spike!;
    // When the server was last slow, on the run's clock: the p95 of that second is high, the
    // seconds after it are not, and the timeline's seconds make the answer whole seconds.
    const fastAgainSec = (lastSlowAt + slowMs - Date.parse(r.startedAt)) / 1000;
    expect(fastAgainSec, ctx).toBeGreaterThan(endSec);
    expect(recoverySec, ctx).not.toBeNull();
    expect(recoverySec!, ctx).toBeGreaterThanOrEqual(fastAgainSec - endSec - 1);
    expect(recoverySec!, ctx).toBeLessThanOrEqual(fastAgainSec - endSec + 1.1);
  });
});
