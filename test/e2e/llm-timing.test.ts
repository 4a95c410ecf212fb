import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliProcess,
  explain,
  readResult,
  requireBuiltCli,
  runCli,
  startCli,
  tempDir,
} from '../helpers/run-cli.js';

/**
 * `squall llm` against a stub of known timing (the demo API's OpenAI-compatible endpoint): the
 * first token 200 ms after the request arrives, then one every 20 ms, 50 tokens. The figures
 * squall reads must be those (issue 20's "done when"), and the token counts the server's usage.
 * The stub runs as its own process (`squall serve-demo`), as a user runs it: in the test's
 * process its timers would share a loop with vitest's.
 */

const dir = tempDir();
let demo: CliProcess;
let base = '';

beforeAll(async () => {
  requireBuiltCli();
  demo = startCli([
    'serve-demo',
    '--port',
    '0',
    '--llm-tokens',
    '50',
    '--llm-first-token',
    '200ms',
    '--llm-token-delay',
    '20ms',
  ]);
  base = (await demo.waitFor('stdout', /listening on (http:\/\/\S+)/, 10_000))[1]!;
});

afterAll(async () => {
  demo.kill('SIGTERM');
  await demo.result;
  dir.remove();
});

describe('squall llm against a stub of known timing', () => {
  it('reads TTFT 200–205 ms, ITL 20–21 ms, e2e 1.18–1.20 s and 50 output tokens a request', async () => {
    const out = join(dir.path, 'llm.json');
    const run = await runCli(
      [
        'llm',
        `${base}/v1/chat/completions`,
        '--model',
        'demo',
        '-c',
        '2',
        '-n',
        '6',
        '--threshold',
        'llm_ttft:p(95)<500ms',
        '-q',
        '-o',
        `json=${out}`,
      ],
      { timeoutMs: 30_000 },
    );
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);
    const m = r.metrics as unknown as Record<string, Record<string, number>>;
    const why = `${JSON.stringify({ ttft: m.llm_ttft, itl: m.llm_itl, e2e: m.llm_e2e }, null, 1)}\n${explain(run)}`;
    expect(m.http_reqs!.count, why).toBe(6);
    expect(m.http_req_failed!.fails, why).toBe(0);
    // The server's own timing is the truth: never faster, and within 5 ms of it at the median.
    expect(m.llm_ttft!.min, why).toBeGreaterThanOrEqual(200);
    expect(m.llm_ttft!.p50, why).toBeLessThanOrEqual(205);
    // Gaps on schedule are 20.000 ms give or take microseconds either way, and the HDR histogram
    // keeps 3 significant digits (16 µs buckets here): the median reads 19.99x or 20.01x.
    expect(m.llm_itl!.p50, why).toBeGreaterThanOrEqual(19.98);
    expect(m.llm_itl!.p50, why).toBeLessThanOrEqual(21);
    expect(m.llm_e2e!.p50, why).toBeGreaterThanOrEqual(1180);
    expect(m.llm_e2e!.p50, why).toBeLessThanOrEqual(1200);
    expect(m.llm_tpot!.p50, why).toBeGreaterThanOrEqual(19.5);
    expect(m.llm_tpot!.p50, why).toBeLessThanOrEqual(20.5);
    // 50 tokens a request, as the server sent them and its usage says.
    expect(m.llm_output_tokens!.count, why).toBe(50 * 6);
    expect(m.llm_output_tokens_per_request!.min, why).toBe(50);
    expect(m.llm_output_tokens_per_request!.max, why).toBe(50);
    expect(m.llm_usage_reported!.rate, why).toBe(1);
    // Every request met the one SLO given (TTFT under 500 ms): goodput 100%.
    expect(m.llm_goodput!.rate, why).toBe(1);
    expect(
      r.thresholds.map((t) => [t.metric, t.ok]),
      why,
    ).toEqual([['llm_ttft', true]]);
    expect((r.config as { llm?: { model?: string } }).llm?.model, why).toBe('demo');
  });
});
