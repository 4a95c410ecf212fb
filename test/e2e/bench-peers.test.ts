import { spawn } from 'node:child_process';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ARTILLERY_TOOLS,
  artilleryDir,
  H2LOAD_TOOLS,
  LOCUST_TOOLS,
  type PeerTool,
} from '../../benchmarks/peers.mjs';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * `npm run bench` measures Locust, Artillery and h2load beside squall (benchmarks/peers.mjs). These run
 * the bench's own Locust and Artillery invocations against a counting server and hold what the
 * bench reads from each tool against what the server saw: a reading that missed the last second
 * (Locust's --csv does) or a worker's last report would come up short. The peers are not
 * squall's dependencies: .ci/run installs Debian's Locust (so under CI its tests must run), not
 * Artillery (600 MB); without them the tests skip, saying why (`npm run bench` installs both).
 */

const CONNECTIONS = 5;
const SECONDS = 2;

let server: TargetServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runTool(argv: string[], timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv[0]} did not finish in ${timeoutMs} ms:\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function measure(tool: PeerTool) {
  server = await startTarget();
  const params = { url: server.url, connections: CONNECTIONS, seconds: SECONDS };
  const res = await runTool(await tool.argv(params), (SECONDS + 30 + tool.extraTimeoutS) * 1000);
  expect(res.code, res.stderr.slice(-2000)).toBe(0);
  return { result: tool.parse(res.stdout, params), seen: server.count() };
}

const locustMissing = !LOCUST_TOOLS.locust.available();
if (locustMissing && process.env.CI)
  throw new Error('CI is set but `locust` is missing: .ci/run installs python3-locust');
if (locustMissing)
  process.stderr.write(
    'bench-peers.test.ts: Locust tests SKIPPED — no `locust` (apt-get install python3-locust)\n',
  );
const artilleryMissing = !ARTILLERY_TOOLS.artillery.available();
if (artilleryMissing)
  process.stderr.write(
    `bench-peers.test.ts: Artillery test SKIPPED — not installed in ${artilleryDir} (npm run bench installs it)\n`,
  );

describe.skipIf(locustMissing)('Locust FastHttpUser as the bench runs it', () => {
  it('one process: the totals read are the requests the server answered', async () => {
    const { result, seen } = await measure(LOCUST_TOOLS.locust);
    expect(result.requests).toBeGreaterThan(0);
    // Locust stops its users at once: requests in flight then reached the server uncounted.
    expect(result.requests).toBeLessThanOrEqual(seen);
    expect(seen - result.requests).toBeLessThanOrEqual(CONNECTIONS);
    expect(result.failRate).toBe(0);
    expect(result.rps).toBeGreaterThan(0);
  }, 120_000);

  it('two worker processes: every worker’s last report is in the totals', async () => {
    const { result, seen } = await measure(LOCUST_TOOLS['locust-p2']);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.requests).toBeLessThanOrEqual(seen);
    expect(seen - result.requests).toBeLessThanOrEqual(CONNECTIONS);
    expect(result.failRate).toBe(0);
  }, 120_000);
});

const h2loadMissing = !H2LOAD_TOOLS.h2load.available();
if (h2loadMissing && process.env.CI)
  throw new Error('CI is set but `h2load` is missing: .ci/run installs nghttp2-client');
if (h2loadMissing)
  process.stderr.write(
    'bench-peers.test.ts: h2load test SKIPPED — no `h2load` (apt-get install nghttp2-client)\n',
  );

describe.skipIf(h2loadMissing)('h2load as the bench runs it', () => {
  it('the requests it reports done are those an h2c server answered (-c 2 -m 4)', async () => {
    let seen = 0;
    const h2 = http2.createServer();
    h2.on('stream', (stream) => {
      stream.respond({ ':status': 200 });
      stream.end('ok');
      seen++;
    });
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}/`;
      const params = { url, connections: 2, streams: 4, seconds: 1 };
      const tool = H2LOAD_TOOLS.h2load;
      const res = await runTool(await tool.argv(params), 30_000);
      expect(res.code, res.stderr.slice(-2000)).toBe(0);
      const result = tool.parse(res.stdout, params);
      expect(result.requests).toBeGreaterThan(0);
      // Streams still open when -D ends reached the server uncounted: at most -c × -m.
      expect(result.requests).toBeLessThanOrEqual(seen);
      expect(seen - result.requests).toBeLessThanOrEqual(2 * 4);
      expect(result.failRate).toBe(0);
    } finally {
      await new Promise<void>((r) => h2.close(() => r()));
    }
  }, 60_000);
});

describe.skipIf(artilleryMissing)('Artillery as the bench runs it', () => {
  it('the report’s responses are the requests the server answered, every VU looping to the deadline', async () => {
    const { result, seen } = await measure(ARTILLERY_TOOLS.artillery);
    // Each VU ends its loop after a response, so nothing is left in flight.
    expect(result.requests).toBe(seen);
    expect(result.failRate).toBe(0);
    expect(result.rps).toBeGreaterThan(0);
  }, 180_000);
});
