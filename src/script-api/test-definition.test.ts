import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineTest, type TestDefinition } from '../index.js';
import type { HttpResponse, VuContext } from './vu-context.js';

/**
 * defineTest exists for typing: these tests are checked by `tsc` (the @ts-expect-error lines must
 * be errors) and run by vitest (defineTest is the identity).
 */

describe('defineTest', () => {
  it('returns its argument unchanged', () => {
    const def: TestDefinition = { vus: 1, duration: '1s', users: [{ name: 'U', run: () => {} }] };
    expect(defineTest(def)).toBe(def);
  });

  it("types a user's flow from the context, with no annotations", () => {
    defineTest({
      target: 'http://127.0.0.1:5110',
      scenarios: {
        steady: {
          executor: 'constant-vus',
          vus: 20,
          duration: '1m',
          users: [
            {
              name: 'Reader',
              weight: 3,
              think: '1s..2s',
              async run({ http, check, vu }) {
                const res = await http.get('/prompts/1', { name: 'GET /prompts/:id' });
                expectTypeOf(res).toEqualTypeOf<HttpResponse>();
                expectTypeOf(vu.id).toBeNumber();
                check(res, { 'status is 200': (r) => r.status === 200 });
              },
            },
          ],
        },
      },
      thresholds: { http_req_duration: ['p(95)<300', { threshold: 'p(99)<1s', abortOnFail: true }] },
    });
  });

  it("checks each executor's parameters", () => {
    defineTest({
      scenarios: {
        // @ts-expect-error: constant-vus takes no stages.
        a: { executor: 'constant-vus', duration: '1m', stages: [], users: [] },
        // @ts-expect-error: not an executor.
        b: { executor: 'ramping-vu', stages: [], users: [] },
        c: {
          executor: 'ramping-arrival-rate',
          stages: [{ duration: '1m', target: 10 }],
          preAllocatedVUs: 5,
          users: [],
        },
      },
    });
    // @ts-expect-error: not a preset.
    defineTest({ preset: 'spik' });
  });

  it('types think functions, setup and teardown', () => {
    defineTest({
      setup: ({ env }) => env.TOKEN,
      teardown: ({ data }) => {
        expectTypeOf(data).toBeUnknown();
      },
      users: [
        {
          name: 'U',
          think: ({ iteration }) => (iteration % 2) + 1,
          run: (ctx: VuContext) => ctx.sleep('1s'),
        },
      ],
    });
  });
});
