// Weighted user types, Locust style: three kinds of client share the VUs by weight.
//
//   squall serve-demo                                  # the demo API on http://127.0.0.1:5110
//   squall run examples/weighted-users.ts              # 20 VUs for 1 minute: 14 standard, 4 burst, 2 heavy
//   squall run examples/weighted-users.ts --vus 100 --duration 10m
//
// TypeScript runs as is (no build step, no tsconfig). The summary's SCENARIOS section shows how
// many VUs and iterations each user type got; ENDPOINTS shows what each kind of request cost.
import { defineTest } from 'squall';

// About 256 KB of text: what a heavy user uploads (the demo API accepts bodies up to 1 MB).
// Built once when the test loads, not on every request.
const LARGE_TEXT = 'The supplier shall indemnify the customer against all claims. '.repeat(4096);

export default defineTest({
  // Base URL for relative paths; --host (or SQUALL_HOST / LOAD_TEST_HOST) overrides it.
  target: 'http://127.0.0.1:5110',
  defaults: { headers: { Accept: 'application/json' }, timeout: '10s' },

  scenarios: {
    mixed: {
      executor: 'constant-vus',
      vus: 20, // --vus scales it; the weights below split whatever number it is
      duration: '1m', // --duration scales it
      users: [
        {
          // 70% of the VUs: someone browsing, reading and pausing to think.
          name: 'StandardUser',
          weight: 70,
          think: '1s..2s', // uniformly random wait between iterations
          // Each iteration runs one task, picked by weight (Locust's @task(3) / @task(1)).
          tasks: [
            {
              name: 'browse',
              weight: 3,
              async run({ http, check }) {
                const page = await http.get('/prompts', { query: { limit: 10 }, name: 'GET /prompts' });
                check(page, { 'list is 200': (r) => r.status === 200 });
              },
            },
            {
              name: 'read one',
              weight: 1,
              async run({ http, check }) {
                const one = await http.get('/prompts/1', { name: 'GET /prompts/:id' });
                check(one, { 'read is 200': (r) => r.status === 200 });
              },
            },
          ],
        },
        {
          // 20%: a script or an impatient client: ten requests at once, then again, no think time.
          name: 'BurstUser',
          weight: 20,
          async run({ http, check }) {
            const burst = await Promise.all(
              Array.from({ length: 10 }, (_, i) =>
                http.get(i % 2 ? '/health' : '/prompts/2', {
                  name: i % 2 ? 'GET /health' : 'GET /prompts/:id',
                }),
              ),
            );
            check(burst, { 'whole burst answered 200': (all) => all.every((r) => r.status === 200) });
          },
        },
        {
          // 10%: uploads large documents, then removes them so the store does not fill up.
          name: 'HeavyUser',
          weight: 10,
          think: '500ms..1s',
          async run({ http, check, vu }) {
            const created = await http.post('/prompts', {
              name: 'POST /prompts (large)',
              json: { title: `large upload by VU ${vu.id}`, text: LARGE_TEXT, tags: ['heavy'] },
            });
            if (!check(created, { 'large upload is 201': (r) => r.status === 201 })) return;
            const { id } = created.json<{ id: string }>();
            await http.delete(`/prompts/${id}`, { name: 'DELETE /prompts/:id' });
          },
        },
      ],
    },
  },

  // Budgets per kind of request (the name: of each request above). Exit 99 when one fails.
  thresholds: {
    'http_req_duration{name:GET /prompts}': ['p(95)<300'],
    'http_req_duration{name:GET /prompts/:id}': ['p(95)<200'],
    'http_req_duration{name:GET /health}': ['p(95)<100'],
    'http_req_duration{name:POST /prompts (large)}': ['p(95)<1000'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
});
