import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BenchSection, ResultDocument } from '../../src/result/schema.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import {
  type CliResult,
  explain,
  hasStackTrace,
  requireBuiltCli,
  runCli,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * `squall bench --workers N` (issue 19): a concurrent bench's calls in flight spread over N worker
 * threads, split exactly (8 in flight and 1,000 calls over 2 threads are 4 + 4 and 500 + 500),
 * their timed windows started together so that their throughputs add up, and one merged result.
 */

const dir = tempDir('squall-bench-workers-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

type BenchDocument = ResultDocument & { bench: BenchSection };
const docOf = (r: CliResult): BenchDocument => JSON.parse(r.stdout) as BenchDocument;

describe('squall bench --workers', () => {
  it('1,000 calls, 8 in flight, over 2 threads: exactly 1,000 at the server, 500 from each thread', async () => {
    server = await startRouteServer();
    writeFileSync(
      join(dir.path, 'http.bench.ts'),
      `import { threadId } from 'node:worker_threads';
import { bench } from 'squall';
bench('GET /item', async () => {
  const r = await fetch(process.env.TARGET + '/item', { headers: { 'x-thread': String(threadId) } });
  await r.text();
}, { concurrency: 8, iterations: 1000, warmup: false });
`,
    );
    const r = await runCli(['bench', '--workers', '2', '--json', 'http.bench.ts'], {
      cwd: dir.path,
      env: { TARGET: server.url },
    });
    const ctx = explain(r);
    expect(r.code, ctx).toBe(0);
    const doc = docOf(r);
    const [b] = doc.bench.benches;
    expect(b, ctx).toMatchObject({ concurrency: 8, error: null });
    expect(b!.concurrent!.completed, ctx).toBe(1000);
    expect(server.hits.length, ctx).toBe(1000);
    const byThread = new Map<string, number>();
    for (const h of server.hits) {
      const t = String(h.headers['x-thread']);
      byThread.set(t, (byThread.get(t) ?? 0) + 1);
    }
    expect([...byThread.values()], ctx).toEqual([500, 500]);
    // Neither is the bench child's main thread (0): the calls ran in the workers.
    expect(byThread.has('0'), ctx).toBe(false);
    expect(doc.config.workers, ctx).toBe(2);
  });

  it("20 calls in flight of a 20 ms timer over 2 threads: throughput = 20 / mean within 5 % (Little's law)", async () => {
    writeFileSync(
      join(dir.path, 'timer.bench.ts'),
      `import { bench } from 'squall';
bench('timer 20ms', () => new Promise<void>((r) => setTimeout(r, 20)), { concurrency: 20 });
`,
    );
    const r = await runCli(['bench', '--workers', '2', '--time', '1s', '--json', 'timer.bench.ts'], {
      cwd: dir.path,
    });
    expect(r.code, explain(r)).toBe(0);
    const [b] = docOf(r).bench.benches;
    const c = b!.concurrent!;
    const little = 20 / (c.latency.mean / 1000);
    const msg = `mean ${c.latency.mean} ms, ${c.opsPerSec} ops/s, 20 / mean = ${little}/s`;
    expect(c.latency.mean, msg).toBeGreaterThanOrEqual(19);
    // Windows that did not overlap would add the calls and stretch the window: half of Little's figure.
    expect(Math.abs(c.opsPerSec / little - 1), msg).toBeLessThan(0.05);
  });

  it('a bad --workers: exit 2 naming the flag, what was given and what is expected', async () => {
    writeFileSync(join(dir.path, 'one.bench.ts'), `import { bench } from 'squall';\nbench('x', () => 1);\n`);
    const r = await runCli(['bench', '--workers', 'lots', 'one.bench.ts'], { cwd: dir.path });
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/--workers "lots" is neither a whole number from 1 to 256 nor auto/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
