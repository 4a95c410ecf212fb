import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXECUTOR_NAMES, type ExecutorName, type ExecutorPlan } from '../engine/plan.js';
import { describeExecutor, describeScenario, formatSpan } from './describe-plan.js';
import { resolveTest } from './resolve-test.js';

/**
 * Every executor, from the YAML a user writes to the plan the engine runs and the line `squall
 * run` prints for it: one table, so a changed default or wording shows here first.
 */

const dir = mkdtempSync(join(tmpdir(), 'squall-describe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  executor: ExecutorName;
  /** The scenario's keys besides executor and users, as YAML lines. */
  yaml: string;
  plan: ExecutorPlan;
  line: string;
}

const TABLE: Row[] = [
  {
    executor: 'constant-vus',
    yaml: 'vus: 20\nduration: 5m',
    plan: { type: 'constant-vus', vus: 20, durationMs: 300_000 },
    line: '20 VUs for 5m, gracefulStop 30s',
  },
  {
    executor: 'ramping-vus',
    yaml: 'stages: [{ duration: 30s, target: 50 }, { duration: 1m, target: 50 }, { duration: 10s, target: 0 }]\ngracefulStop: 10s',
    plan: {
      type: 'ramping-vus',
      startVUs: 1,
      stages: [
        { durationMs: 30_000, target: 50 },
        { durationMs: 60_000, target: 50 },
        { durationMs: 10_000, target: 0 },
      ],
      gracefulRampDownMs: 30_000,
    },
    line: 'from 1 up to 50 VUs and down to 0 over 1m40s in 3 stages, gracefulRampDown 30s, gracefulStop 10s',
  },
  {
    executor: 'constant-arrival-rate',
    yaml: 'rate: 50\nduration: 2m\npreAllocatedVUs: 10\nmaxVUs: 100',
    plan: {
      type: 'constant-arrival-rate',
      rate: 50,
      timeUnitMs: 1000,
      durationMs: 120_000,
      preAllocatedVUs: 10,
      maxVUs: 100,
      arrival: 'even',
    },
    line: '50 iterations/s for 2m (preAllocatedVUs 10, maxVUs 100), gracefulStop 30s',
  },
  {
    executor: 'ramping-arrival-rate',
    yaml: 'timeUnit: 1m\nstages: [{ duration: 1m, target: 600 }]\npreAllocatedVUs: 5\narrival: poisson\nstartTime: 1m30s',
    plan: {
      type: 'ramping-arrival-rate',
      startRate: 0,
      timeUnitMs: 60_000,
      stages: [{ durationMs: 60_000, target: 600 }],
      preAllocatedVUs: 5,
      maxVUs: 5,
      arrival: 'poisson',
    },
    line: 'from 0 to 600 iterations/1m over 1m in 1 stage (preAllocatedVUs 5, maxVUs 5, poisson arrivals), starting at 1m30s, gracefulStop 30s',
  },
  {
    executor: 'per-vu-iterations',
    yaml: 'vus: 5\niterations: 10',
    plan: { type: 'per-vu-iterations', vus: 5, iterations: 10, maxDurationMs: 600_000 },
    line: '10 iterations each for 5 VUs (maxDuration 10m), gracefulStop 30s',
  },
  {
    executor: 'shared-iterations',
    yaml: 'vus: 10\niterations: 1000\nmaxDuration: 90s\ngracefulStop: 0s',
    plan: { type: 'shared-iterations', vus: 10, iterations: 1000, maxDurationMs: 90_000 },
    line: '1000 iterations shared by 10 VUs (maxDuration 1m30s), gracefulStop 0s',
  },
];

describe('every executor: resolved plan and one-line description', () => {
  it('the table covers the six executors once each', () => {
    expect(TABLE.map((r) => r.executor).sort()).toEqual([...EXECUTOR_NAMES].sort());
  });

  it.each(TABLE)('$executor', async (row) => {
    const file = join(dir, `${row.executor}.yaml`);
    const keys = row.yaml
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n');
    writeFileSync(
      file,
      `target: http://127.0.0.1:1\nscenarios:\n  s:\n    executor: ${row.executor}\n${keys}\n    users: [{ name: U, flow: [{ get: /x }] }]\n`,
    );
    const plan = await resolveTest(file, {}, {});
    const scenario = plan.scenarios[0]!;
    expect(scenario.executor).toEqual(row.plan);
    expect(describeScenario(scenario)).toBe(row.line);
  });
});

describe('wording', () => {
  it('singular counts, a queue, a time unit other than a second', () => {
    expect(describeExecutor({ type: 'constant-vus', vus: 1, durationMs: 1500 })).toBe('1 VU for 1.5s');
    expect(describeExecutor({ type: 'shared-iterations', vus: 1, iterations: 1, maxDurationMs: 500 })).toBe(
      '1 iteration shared by 1 VU (maxDuration 500ms)',
    );
    expect(
      describeExecutor({
        type: 'constant-arrival-rate',
        rate: 3,
        timeUnitMs: 500,
        durationMs: 3_600_000,
        preAllocatedVUs: 1,
        maxVUs: 2,
        arrival: 'even',
        queue: true,
      }),
    ).toBe('3 iterations/500ms for 1h (preAllocatedVUs 1, maxVUs 2, queued when no VU is free)');
  });

  it('durations as k6 writes them', () => {
    expect([0, 250, 1000, 1500, 60_000, 90_000, 3_600_000, 3_661_000].map(formatSpan)).toEqual([
      '0s',
      '250ms',
      '1s',
      '1.5s',
      '1m',
      '1m30s',
      '1h',
      '1h1m1s',
    ]);
  });
});
