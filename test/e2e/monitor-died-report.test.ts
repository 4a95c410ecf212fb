import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../fixtures/services/services.js';
import { explain, readResult, requireBuiltCli, runCli, startCli, tempDir } from '../helpers/run-cli.js';

/**
 * Issue 12, item 6: a process watched with `--pid` that dies while watched was reported "✓ healthy"
 * and "✅ Healthy". Every report now says it died, and when; none calls it healthy or passed.
 */

const dir = tempDir('squall-monitor-died-');
let svc: RunningService;

beforeAll(requireBuiltCli);
afterAll(async () => {
  await svc?.stop();
  dir.remove();
});

describe('squall monitor --pid of a process that dies while watched', () => {
  it('says in the console and the Markdown that it died, and when, and never that it is healthy', async () => {
    svc = await startService('flat', ['--port', '0'], /listening on/);
    const json = join(dir.path, 'died.json');
    const md = join(dir.path, 'died.md');
    const cli = startCli(
      [
        'monitor',
        '--pid',
        String(svc.pid),
        '-d',
        '6s',
        '--interval',
        '250ms',
        '-o',
        `json=${json}`,
        '-o',
        `md=${md}`,
      ],
      { timeoutMs: 30_000 },
    );
    // Killed once squall watches it: the death falls inside the monitoring, whatever the load.
    await cli.waitFor('stderr', /watching pid/, 20_000);
    await svc.stop();
    const run = await cli.result;
    const doc = readResult(json, run);
    const exit = doc.monitor?.exit;
    expect(exit, explain(run)).toBeTruthy();

    const target = run.stdout.slice(run.stdout.indexOf('█ TARGET PROCESS'));
    expect(target, explain(run)).toMatch(
      /\n {4}✗ (died: the watched process went away [\d.]+s into monitoring|leak)/,
    );
    expect(target, explain(run)).not.toContain('✓');
    expect(run.stdout, explain(run)).toContain('✗ FAILED: the watched process exited while in use');

    const text = readFileSync(md, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^### ❌ squall failed: the watched process exited while in use/);
    expect(text).toMatch(
      /^❌ \*\*(Died\*\*: the watched process went away [\d.]+s into monitoring|Leak suspected)/m,
    );
    expect(text).not.toMatch(/Healthy|✅/);

    // Rendered again from the document, the same.
    const again = await runCli(['report', json]);
    expect(again.stdout).toBe(run.stdout);
  });
});
