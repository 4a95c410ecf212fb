import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * `quick -R`'s notes on stderr must count what they say they count (issue 11 #14): with one
 * connection to a slow server and a rate it cannot carry, most arrivals are dropped, and the
 * note on requests that "waited for a free connection" counts only requests that were sent
 * after waiting, never the dropped arrivals (the audit saw 1,195 said, 480 sent, 720 dropped).
 */

let server: TargetServer | undefined;
const dir = tempDir('squall-quick-notes-');

beforeAll(() => requireBuiltCli());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('quick -R with more arrivals than its connections carry', () => {
  it('the "waited for a free connection" note counts sent requests only; the dropped ones are told apart', async () => {
    // One connection at 20 ms a response carries ~50/s: three quarters of 200/s cannot start,
    // and a 300 ms timeout bounds the backlog, so most of them are dropped.
    server = await startTarget({ delayMs: 20 });
    const rate = 200;
    const seconds = 2;
    const out = `${dir.path}/notes.json`;
    const run = await runCli(
      [
        'quick',
        '-R',
        String(rate),
        '-c',
        '1',
        '-d',
        `${seconds}s`,
        '--timeout',
        '300ms',
        '--no-color',
        '-o',
        `json=${out}`,
        server.url,
      ],
      { timeoutMs: 20_000 },
    );
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    const sent = r.metrics.http_reqs.count;
    const dropped = (r.metrics.dropped_iterations as { count: number }).count;
    const why = `sent ${sent}, dropped ${dropped}\n${explain(run)}`;
    expect(sent, why).toBe(server.count());
    expect(dropped, why).toBeGreaterThan(0);

    const waited = /note: ([\d,]+) requests waited for a free connection/.exec(run.stderr);
    expect(waited, why).not.toBeNull();
    const n = Number(waited![1]!.replace(/,/g, ''));
    // Every request that waited was sent: the note can never count more than the server saw.
    expect(n, why).toBeGreaterThan(0);
    expect(n, why).toBeLessThanOrEqual(sent);
    expect(n + dropped, why).toBeLessThanOrEqual(rate * seconds);
    // The dropped arrivals have their own warning, with their own count.
    expect(run.stderr, why).toContain(`warning: ${dropped.toLocaleString('en-US')} requests could not start`);
  });
});
