/**
 * The starter tests `squall init` writes. Both run as they are against `squall serve-demo`
 * (http://127.0.0.1:5110) and show the common pieces: executors and stages, weighted user
 * types, think time, checks, captures, thresholds.
 */

export const YAML_TEMPLATE = `# A squall load test. Try it against the demo API:
#   squall serve-demo            (in another terminal)
#   squall run load-test.yaml
# Docs: docs/test-file.md. Flags override the file: --vus 20 --duration 1m --host http://…

# Base URL for relative paths (--host, SQUALL_HOST or LOAD_TEST_HOST override it).
target: http://127.0.0.1:5110

defaults:
  headers: { Accept: application/json }
  timeout: 10s

scenarios:
  browse:
    # k6's executors: constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate,
    # per-vu-iterations, shared-iterations.
    executor: ramping-vus
    startVUs: 0
    stages:
      - { duration: 5s, target: 10 }   # ramp up
      - { duration: 20s, target: 10 }  # hold
      - { duration: 5s, target: 0 }    # ramp down
    users:
      # VUs are split among user types by weight: here 3 readers for every writer.
      - name: Reader
        weight: 3
        think: 500ms..1s               # uniform wait between iterations
        flow:
          - get: /prompts?limit=10
            name: GET /prompts         # the name that groups stats and thresholds
            check: { status: 200 }
          - get: /prompts/1
            name: GET /prompts/:id
            check: { status: 200, maxDuration: 200ms }
      - name: Writer
        weight: 1
        think: 1s..2s
        flow:
          - post: /prompts
            json: { title: "written by squall", text: "Summarise the clause." }
            check: { status: 201 }
            capture: { json: "$.id", as: id }   # used below as \${id}
          - get: /prompts/\${id}
            name: GET /prompts/:id
          - delete: /prompts/\${id}
            name: DELETE /prompts/:id

# Budgets: a failed threshold makes squall exit 99, so CI fails.
thresholds:
  http_req_duration: ["p(95)<300"]
  http_req_failed: ["rate<0.01"]
  "http_req_duration{name:GET /prompts/:id}": ["p(99)<500"]
  checks: ["rate>0.99"]
`;

export const TS_TEMPLATE = `// A squall load test. Try it against the demo API:
//   squall serve-demo            (in another terminal)
//   squall run load-test.ts      (TypeScript runs as is: no build step)
// Flags override the file: --vus 20 --duration 1m --host http://…
import { defineTest } from 'squall';

export default defineTest({
  // Base URL for relative paths (--host, SQUALL_HOST or LOAD_TEST_HOST override it).
  target: 'http://127.0.0.1:5110',
  defaults: { headers: { Accept: 'application/json' }, timeout: '10s' },

  scenarios: {
    browse: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '5s', target: 10 }, // ramp up
        { duration: '20s', target: 10 }, // hold
        { duration: '5s', target: 0 }, // ramp down
      ],
      users: [
        {
          // VUs are split among user types by weight: 3 readers for every writer.
          name: 'Reader',
          weight: 3,
          think: '500ms..1s',
          async run({ http, check }) {
            const list = await http.get('/prompts', { query: { limit: 10 } });
            check(list, { 'status is 200': (r) => r.status === 200 });
            const one = await http.get('/prompts/1', { name: 'GET /prompts/:id' });
            check(one, { 'read in < 200ms': (r) => r.timings.duration < 200 });
          },
        },
        {
          name: 'Writer',
          weight: 1,
          think: '1s..2s',
          async run({ http, check }) {
            const created = await http.post('/prompts', {
              json: { title: 'written by squall', text: 'Summarise the clause.' },
            });
            if (!check(created, { 'created': (r) => r.status === 201 })) return;
            const { id } = created.json<{ id: number }>();
            await http.get(\`/prompts/\${id}\`, { name: 'GET /prompts/:id' });
            await http.delete(\`/prompts/\${id}\`, { name: 'DELETE /prompts/:id' });
          },
        },
      ],
    },
  },

  // Budgets: a failed threshold makes squall exit 99, so CI fails.
  thresholds: {
    http_req_duration: ['p(95)<300'],
    http_req_failed: ['rate<0.01'],
    'http_req_duration{name:GET /prompts/:id}': ['p(99)<500'],
    checks: ['rate>0.99'],
  },
});
`;
