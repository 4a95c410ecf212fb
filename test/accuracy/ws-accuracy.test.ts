import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

/**
 * ws_rtt against a WebSocket echo that answers exactly 10 ms after each message arrived (issue
 * 20's "done when"): the median round trip reads 10–11 ms. Not part of `npm test`: a shared,
 * loaded machine pushes the median past 11 ms (the e2e test holds a loose bound); run it with
 * `npm run test:accuracy` on a quiet machine.
 */

const dir = tempDir('squall-ws-accuracy-');
let server: WsTestServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

describe('WebSocket round trip', () => {
  it('a 10 ms echo reads ws_rtt median 10–11 ms, every reply counted', async () => {
    server = await startWsServer(10);
    const file = writeTestFile(
      dir.path,
      'echo.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  target: '${server.url}',
  scenarios: {
    echo: {
      executor: 'per-vu-iterations', vus: 2, iterations: 2,
      users: [{
        name: 'Echo',
        async run({ ws }) {
          const s = await ws.connect('/echo');
          for (let i = 0; i < 100; i++) await s.request('m' + i, { match: 'm' + i, timeout: '2s' });
          await s.close();
        },
      }],
    },
  },
});
`,
    );
    const { run, result, why } = await runFileOk(file);
    expect(run.code, why).toBe(0);
    const rtt = result.metrics.ws_rtt as unknown as { count: number; min: number; p50: number };
    expect(rtt.count, why).toBe(server.sent);
    expect(server.sent).toBe(400);
    expect(rtt.min, why).toBeGreaterThanOrEqual(10);
    expect(rtt.p50, why).toBeGreaterThanOrEqual(10);
    expect(rtt.p50, why).toBeLessThanOrEqual(11);
  });
});
