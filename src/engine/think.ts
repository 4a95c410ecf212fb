import type { VuInfo } from '../script-api/vu-context.js';
import type { Rng } from '../util/rng.js';
import type { ThinkPlan } from './plan.js';

/**
 * Milliseconds a VU waits after an iteration (Locust's wait_time). A think function's odd answer
 * (negative, NaN, infinite) means no wait rather than a stuck VU.
 */
export function thinkMs(think: ThinkPlan, vu: VuInfo, rng: Rng): number {
  switch (think.kind) {
    case 'none':
      return 0;
    case 'constant':
      return think.ms;
    case 'uniform':
      return think.minMs + rng.next() * (think.maxMs - think.minMs);
    case 'function': {
      const ms = think.fn(vu);
      return Number.isFinite(ms) && ms > 0 ? ms : 0;
    }
  }
}
