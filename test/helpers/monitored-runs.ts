import { join } from 'node:path';
import { buildMonitorResult, type VerdictOptions } from '../../src/monitor/verdict.js';
import type { ResultDocument } from '../../src/result/schema.js';
import { freePort, serviceCmd } from '../fixtures/services/services.js';
import { readResult, runCli } from './run-cli.js';
import { writeTestFile } from './run-file.js';

/**
 * Real monitored runs through the built CLI, for the tests of the reports that show them (console,
 * Markdown, HTML). Call `requireBuiltCli()` first.
 */

export interface MonitoredRuns {
  /** `squall monitor --cmd` of a service that leaks: a monitor-only document. */
  alone: ResultDocument;
  /** `squall run --monitor-cmd` of a service that crashes in use, with squall itself saturated. */
  loaded: ResultDocument;
}

/** One VU that blocks squall's event loop for 150 ms per iteration, so squall's own delay shows. */
const busyTest = (port: number) => `import { defineTest } from 'squall';
export default defineTest({
  target: 'http://127.0.0.1:${port}',
  vus: 1,
  duration: '5s',
  users: [{ name: 'Busy', think: '150ms', async run({ http }) {
    const end = Date.now() + 150;
    while (Date.now() < end) {}
    await http.get('/');
  } }],
});
`;

/** Both runs at once, five seconds each, with their documents written to `dir`. */
export async function monitoredRuns(dir: string): Promise<MonitoredRuns> {
  const port = await freePort();
  const test = writeTestFile(dir, 'busy.ts', busyTest(port));
  const leaky = serviceCmd('leaky', ['--port', '0', '--kb', '512', '--every-ms', '50']);
  const exits = serviceCmd('exits', ['--port', String(port), '--after-ms', '3000']);
  const out = (name: string) => `json=${join(dir, name)}`;
  const [alone, loaded] = await Promise.all([
    runCli(
      ['monitor', '--cmd', leaky, '-d', '5s', '--interval', '250ms', '--warmup', '1s', '-q'].concat([
        '-o',
        out('alone.json'),
      ]),
    ),
    runCli(
      ['run', test, '--monitor-cmd', exits, '--monitor-interval', '250ms', '--monitor-warmup', '1s'].concat([
        '-q',
        '-o',
        out('loaded.json'),
      ]),
    ),
  ]);
  return {
    alone: readResult(join(dir, 'alone.json'), alone),
    loaded: readResult(join(dir, 'loaded.json'), loaded),
  };
}

/** The document with its samples judged again, with other bounds, by the monitor's own code. */
export function rejudged(doc: ResultDocument, opts: VerdictOptions): ResultDocument {
  const m = doc.monitor!;
  const monitor = buildMonitorResult(
    {
      pid: m.pid,
      samples: m.samples,
      durationSec: doc.durationSec,
      intervalMs: m.intervalMs!,
      tree: m.tree!,
      source: m.source!,
      cmd: m.cmd,
      exit: m.exit,
    },
    { warmupMs: m.warmupSec! * 1000, ...opts },
  );
  return { ...doc, monitor };
}

/** The same samples with bounds no service reaches: what a healthy verdict looks like. */
export function judgedHealthy(doc: ResultDocument): ResultDocument {
  return rejudged(doc, { leakBudgetMbPerHour: 1e9 });
}

/** The document as if squall had kept up: its generator health with nothing to report. */
export function unsaturated(doc: ResultDocument): ResultDocument {
  return { ...doc, generator: doc.generator ? { ...doc.generator, saturated: false, reasons: [] } : null };
}
