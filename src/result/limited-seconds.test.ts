import { describe, expect, it } from 'vitest';
import { describeSeconds } from '../monitor/generator-health.js';
import { markLimitedSeconds } from './common.js';
import type { TimelinePoint } from './schema.js';

const point = (t: number): TimelinePoint => ({ t, rps: 1, p50: 1, p95: 1, p99: 1, errors: 0, vus: 1 });

describe('generator-limited seconds on the timeline', () => {
  it('marks the points that overlap a limited second, a stretched point included', () => {
    const timeline = [point(1), point(2), point(5.6), point(6.6)];
    const marked = markLimitedSeconds(timeline, [4]);
    expect(marked.map((p) => p.generatorLimited === true)).toEqual([false, false, true, false]);
    expect(markLimitedSeconds(timeline, [])).toBe(timeline);
    expect(markLimitedSeconds(timeline, [1, 7]).map((p) => p.generatorLimited === true)).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });

  it('describes runs of seconds briefly', () => {
    expect(describeSeconds([3])).toBe('second 3');
    expect(describeSeconds([1, 2, 3, 7])).toBe('seconds 1–3, 7');
  });
});
