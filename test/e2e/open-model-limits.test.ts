import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, requireBuiltCli, runCli, startCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * The open model at rates beyond what one process can send, and squall's check of its own
 * health (issue 10, items 5–7). Loads are short (a second or two); the only figures asserted are
 * the memory bound and flagged / not flagged.
 */

const dir = tempDir('squall-open-limits-');
let server: TargetServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const MIB = 1024 * 1024;

/** The child's peak resident memory (VmHWM, a high-water mark) as last read before it exited. */
async function runWithPeakRss(args: string[]): Promise<{ run: CliResult; peakMb: number }> {
  const p = startCli(args, { timeoutMs: 40_000 });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // Gone already.
    }
  }, 50);
  const run = await p.result;
  clearInterval(poll);
  return { run, peakMb: (peakKb * 1024) / MIB };
}

const doc = (run: CliResult) => JSON.parse(run.stdout);

describe('open model: a rate far beyond what the generator can send (issue 10, item 5)', () => {
  it('quick -R 10000000 --timeout 60s keeps its backlog implicit: bounded memory, dropped counted, a warning', async () => {
    server = await startTarget();
    const { run, peakMb } = await runWithPeakRss([
      'quick',
      '-R',
      '10000000',
      '--timeout',
      '60s',
      '-d',
      '2s',
      '--json',
      server.url,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const d = doc(run);
    expect(d.metrics.dropped_iterations.count).toBeGreaterThan(0);
    expect(d.metrics.http_reqs.count).toBeGreaterThan(0);
    // Coordinated omission: durations count from the scheduled start, so the wait is in them.
    expect(d.metrics.http_req_duration.max).toBeGreaterThanOrEqual(d.metrics.http_req_service_duration.max);
    expect(run.stderr).toMatch(/requests could not start and were dropped \(dropped_iterations\)/);
    expect(run.stderr).toContain('of the 10,000,000/s asked for');
    expect(run.stderr).toContain('The generator, not the target, is the limit');
    // The bound; the queue of start times it replaces reached 828 MB in 9 s.
    expect(peakMb).toBeGreaterThan(0);
    expect(peakMb).toBeLessThan(150);
  });
});

describe('open model: absurd rates (issue 10, item 6)', () => {
  it('quick -R 1e9 runs and reports the rate it reached instead of SQ_INTERNAL', async () => {
    server = await startTarget();
    const run = await runCli(['quick', '-R', '1e9', '-d', '1s', '--json', server.url], { timeoutMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('SQ_INTERNAL');
    const d = doc(run);
    expect(d.metrics.http_reqs.count).toBeGreaterThan(0);
    expect(d.metrics.dropped_iterations.count).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/squall started [\d,]+\/s of the 1,000,000,000\/s asked for/);
  });

  it('quick -R above 1e9 is bad input (exit 2) that says what is allowed', async () => {
    const run = await runCli(['quick', '-R', '1e12', '-d', '1s', 'http://127.0.0.1:9/']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SQ_USAGE_BAD_FLAG');
    expect(run.stderr).toContain('-R 1e12');
    expect(run.stderr).toContain('1,000,000,000');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('run with a constant-arrival-rate of 1e9/s ends normally with the dropped iterations counted', async () => {
    server = await startTarget();
    const file = writeTestFile(
      dir.path,
      'absurd.yaml',
      `scenarios:
  open:
    executor: constant-arrival-rate
    rate: 1000000000
    duration: 1s
    preAllocatedVUs: 5
    maxVUs: 20
    users:
      - name: u
        flow:
          - get: /
`,
    );
    const { run, result, why } = await runFileOk(file, ['--host', server.url], { timeoutMs: 30_000 });
    expect(run.code, why).toBe(0);
    expect(run.stderr).not.toContain('SQ_INTERNAL');
    const count = (name: string) => (result.metrics[name] as { count: number }).count;
    expect(count('iterations')).toBeGreaterThan(0);
    expect(count('dropped_iterations')).toBeGreaterThan(0);
    expect(result.scenarios!.open!.dropped).toBe(count('dropped_iterations'));
  });
});

describe("the generator's self-check (issue 10, item 7)", () => {
  it('flags a run whose flow stalls the event loop, and marks the seconds it affected', async () => {
    server = await startTarget();
    const file = writeTestFile(
      dir.path,
      'stall.ts',
      `import { defineTest } from 'squall';

let stalled = false;
export default defineTest({
  scenarios: {
    s: {
      executor: 'constant-vus',
      vus: 1,
      duration: '2500ms',
      users: [{
        name: 'U',
        async run({ http }) {
          await http.get('/');
          if (!stalled) {
            stalled = true;
            // A busy-wait: nothing else runs on squall's thread meanwhile.
            const end = Date.now() + 1500;
            while (Date.now() < end) {}
          }
        },
      }],
    },
  },
});
`,
    );
    const html = `${dir.path}/stall.html`;
    const { run, result, why } = await runFileOk(file, ['--host', server.url, '-o', `html=${html}`], {
      quiet: false,
      timeoutMs: 30_000,
    });
    expect(run.code, why).toBe(0);
    const g = result.generator!;
    expect(g.saturated, JSON.stringify(g)).toBe(true);
    expect(g.limitedSeconds!.length).toBeGreaterThan(0);
    expect(result.timeline.some((p) => p.generatorLimited === true)).toBe(true);
    expect(run.stdout).toContain('squall itself was saturated');
    expect(run.stdout).toContain('fell behind its own schedule');
    expect(readFileSync(html, 'utf8')).toContain('limitedSeconds');
  });

  it('leaves a comfortable low-rate run unflagged (quick -R and run)', async () => {
    server = await startTarget();
    const quick = await runCli(['quick', '-R', '20', '-d', '1500ms', '--json', server.url]);
    expect(quick.code, quick.stderr).toBe(0);
    const q = doc(quick);
    expect(q.generator.saturated, JSON.stringify(q.generator)).toBe(false);
    expect(q.generator.limitedSeconds).toEqual([]);
    expect(q.timeline.some((p: { generatorLimited?: boolean }) => p.generatorLimited)).toBe(false);

    const file = writeTestFile(
      dir.path,
      'calm.yaml',
      `scenarios:
  calm:
    executor: constant-arrival-rate
    rate: 20
    duration: 1500ms
    preAllocatedVUs: 2
    users:
      - name: u
        flow:
          - get: /
`,
    );
    const { run, result, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    expect(result.generator!.saturated, JSON.stringify(result.generator)).toBe(false);
    expect(result.generator!.limitedSeconds).toEqual([]);
  });

  it('starts a large constant-vus pool in full (spread over the first second)', async () => {
    server = await startTarget();
    const file = writeTestFile(
      dir.path,
      'many.yaml',
      `scenarios:
  many:
    executor: constant-vus
    vus: 300
    duration: 1500ms
    users:
      - name: u
        flow:
          - get: /
`,
    );
    const { run, result, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    expect(result.scenarios!.many!.vusMax).toBe(300);
    expect(result.metrics.http_req_failed!.fails).toBe(0);
    expect(server.connections()).toBeGreaterThanOrEqual(300);
  });
});
