import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * Weighted user types in the open model (issue 10, item 26): the weights split the started
 * iterations (Artillery's semantics), exactly in the long run, whatever the VU pool and the
 * server's speed; a VU that serves several types keeps each type's state apart.
 */

const dir = tempDir('squall-open-users-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const RATE = 200;
const WEIGHTS = { shop: 3, look: 1 };

/**
 * The scenario (20/s for 10 s with shop 3 : look 1) as 200 arrivals in one second. Each
 * flow checks that it sees its own user type and its own state only, and says so in the query.
 */
function openTest(url: string, executor: string): string {
  const user = (name: string) => `{
        name: '${name}', weight: ${WEIGHTS[name as keyof typeof WEIGHTS]},
        async run({ http, vu }) {
          const own = vu.user === '${name}' && (vu.state.kind === undefined || vu.state.kind === '${name}');
          vu.state.kind = '${name}';
          await http.get('/${name}?own=' + own, { name: '${name}' });
        },
      }`;
  return `import { defineTest } from 'squall';

export default defineTest({
  target: ${JSON.stringify(url)},
  scenarios: {
    mix: {
      ${executor},
      users: [${user('shop')}, ${user('look')}],
    },
  },
});
`;
}

/** Within the quota method's bounds: each type's count is its exact share rounded down or up. */
function expectApportioned(started: number, counts: { shop: number; look: number }, why: string): void {
  const total = WEIGHTS.shop + WEIGHTS.look;
  for (const name of ['shop', 'look'] as const) {
    const exact = (started * WEIGHTS[name]) / total;
    expect(counts[name], `${name} of ${started} started\n${why}`).toBeGreaterThanOrEqual(Math.floor(exact));
    expect(counts[name], `${name} of ${started} started\n${why}`).toBeLessThanOrEqual(Math.ceil(exact));
  }
}

async function runMix(name: string, executor: string, delayMs = 0) {
  server = await startRouteServer({ delayMs });
  const file = writeTestFile(dir.path, `${name}.ts`, openTest(server.url, executor));
  const { run, result, why } = await runFileOk(file);
  const counts = { shop: server.on('/shop').length, look: server.on('/look').length };
  const foreign = server.hits.filter((h) => h.query.own !== 'true').length;
  const mix = result.scenarios.mix!;
  const ctx = `${why}\nserver: ${JSON.stringify(counts)}, scenario: ${JSON.stringify(mix)}`;
  expect(run.code, ctx).toBe(0);
  expect(foreign, `iterations that saw another type's user or state\n${ctx}`).toBe(0);
  // Every request the server saw is one iteration of the document, of the same type.
  expect(mix.users.shop?.iterations, ctx).toBe(counts.shop);
  expect(mix.users.look?.iterations, ctx).toBe(counts.look);
  expect(mix.iterations, ctx).toBe(counts.shop + counts.look);
  expect(mix.iterations + mix.dropped, `every arrival ran or was dropped\n${ctx}`).toBe(RATE);
  return { counts, mix, ctx };
}

describe('constant-arrival-rate: the weights split the arrivals', () => {
  it('preAllocatedVUs 10, a fast server: 200 arrivals are 150 shop and 50 look', async () => {
    const { counts, mix, ctx } = await runMix(
      'pre10',
      `executor: 'constant-arrival-rate', rate: ${RATE}, duration: '1s', preAllocatedVUs: 10`,
    );
    expect(mix.dropped, ctx).toBe(0);
    expect(counts, ctx).toEqual({ shop: 150, look: 50 });
  });

  it('preAllocatedVUs 1: the one VU serves both types, 150 and 50', async () => {
    const { counts, mix, ctx } = await runMix(
      'pre1',
      `executor: 'constant-arrival-rate', rate: ${RATE}, duration: '1s', preAllocatedVUs: 1`,
    );
    expectApportioned(mix.iterations, counts, ctx);
    // The single VU ran both types.
    expect(mix.users.shop?.vus, ctx).toBe(1);
    expect(mix.users.look?.vus, ctx).toBe(1);
  });

  it('preAllocatedVUs 100: far more VUs than needed, still 150 and 50', async () => {
    const { counts, mix, ctx } = await runMix(
      'pre100',
      `executor: 'constant-arrival-rate', rate: ${RATE}, duration: '1s', preAllocatedVUs: 100`,
    );
    expect(mix.dropped, ctx).toBe(0);
    expect(counts, ctx).toEqual({ shop: 150, look: 50 });
  });

  it('a slow server that keeps the VUs busy (some arrivals wait or are dropped): the started ones split 3:1', async () => {
    const { counts, mix, ctx } = await runMix(
      'slow',
      `executor: 'constant-arrival-rate', rate: ${RATE}, duration: '1s', preAllocatedVUs: 2`,
      40,
    );
    expect(mix.iterations, ctx).toBeGreaterThan(0);
    expectApportioned(mix.iterations, counts, ctx);
  });
});

describe('ramping-arrival-rate: the weights split the arrivals', () => {
  it('a ramp from 0 to 400/s over 1 s (200 arrivals), preAllocatedVUs 10: 150 and 50', async () => {
    const { counts, mix, ctx } = await runMix(
      'ramp',
      `executor: 'ramping-arrival-rate', startRate: 0, stages: [{ duration: '1s', target: ${2 * RATE} }], preAllocatedVUs: 10`,
    );
    expectApportioned(mix.iterations, counts, ctx);
    if (mix.dropped === 0) expect(counts, ctx).toEqual({ shop: 150, look: 50 });
  });
});
