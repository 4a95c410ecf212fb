import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';

/**
 * A threshold whose metric saw no data reads `no data` in the console summary, as it does in
 * HTML, Markdown, JUnit and the docs (issue 11, item 14: the console said `p(95)=n/a`).
 */

const dir = tempDir('squall-no-data-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

describe('a threshold with no data', () => {
  it('the console says "no data", as Markdown does, and the run fails', async () => {
    server = await startRouteServer();
    const json = join(dir.path, 'r.json');
    const md = join(dir.path, 'r.md');
    // Every response is a 200: no request carries status 500, so the budget has nothing to judge.
    const r = await runCli([
      'quick',
      '-n',
      '10',
      '--threshold',
      'http_req_duration{status:500}:p(95)<100',
      '-o',
      `json=${json}`,
      '-o',
      `md=${md}`,
      `${server.url}/ok`,
    ]);
    expect(r.code, explain(r)).toBe(99);
    const t = readResult(json, r).thresholds[0]!;
    expect(t.actual).toBeNull();
    expect(r.stdout, explain(r)).toMatch(/✗ 'p\(95\)<100' no data\s*$/m);
    expect(r.stdout).not.toContain('n/a');
    expect(readFileSync(md, 'utf8')).toContain('no data');
  });
});
