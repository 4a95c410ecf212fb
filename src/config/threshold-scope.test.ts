import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../thresholds/index.js';
import { type TagScope, thresholdTagIssues } from './threshold-scope.js';

const YAML_SCOPE: TagScope = {
  scenarios: ['browse', 'checkout'],
  users: ['Reader', 'Buyer'],
  requestNames: new Set(['GET /items', 'POST /orders', 'GET /items/:id']),
  methods: new Set(['GET', 'POST']),
  extraTagKeys: new Set(['type']),
  urls: new Set(['http://127.0.0.1:8080/items', 'http://u:[redacted]@127.0.0.1:8080/orders?x=1']),
};
/** A test with code: names, methods and extra tags are its own. */
const CODE_SCOPE: TagScope = {
  ...YAML_SCOPE,
  requestNames: null,
  methods: null,
  extraTagKeys: null,
  urls: null,
};

const problems = (scope: TagScope, key: string, expr = 'count<1') =>
  thresholdTagIssues([parseThreshold(key, expr)], scope).map((i) => `${i.message} | ${i.hint ?? ''}`);

describe('thresholdTagIssues', () => {
  it.each([
    ['http_req_waiting{name:GET /items}', "'http_req_waiting' is kept for the whole run only"],
    ['vus{scenario:browse}', "'vus' is kept for the whole run only"],
    ['iterations{name:GET /items}', "tag 'name', which no sample of 'iterations' in this test carries"],
    ['dropped_iterations{user:Reader}', "'dropped_iterations' can be filtered by scenario"],
    ['iterations{scenaro:browse}', "did you mean 'scenario'?"],
    ['http_reqs{nmae:GET /items}', "tag 'nmae' (did you mean 'name'?), which no sample of 'http_reqs'"],
    [
      'http_reqs{group:::x}',
      'the tags are name, method, url, scenario, user, phase, status, expected_response, type',
    ],
    ['http_reqs{scenario:browze}', "no scenario of this test is 'browze' (did you mean 'browse'?)"],
    ['iterations{user:Byer}', "no user type of this test is 'Byer' (did you mean 'Buyer'?)"],
    ['http_reqs{name:GET /item}', "no request name of this test is 'GET /item' (did you mean 'GET /items'?)"],
    [
      'http_reqs{url:http://127.0.0.1:8080/item}',
      "no request URL of this test is 'http://127.0.0.1:8080/item' (did you mean 'http://127.0.0.1:8080/items'?)",
    ],
    ['http_reqs{method:PUT}', "no method of this test is 'PUT'"],
    ['http_reqs{status:2xx}', 'expected a status code from 100 to 599'],
    ['http_reqs{expected_response:yes}', 'expected true or false'],
    ['checks{check:ok,scenario:nope}', "no scenario of this test is 'nope'"],
  ])('%s is refused', (key, text) => {
    const expr = key.startsWith('vus') ? 'value<1' : key.startsWith('checks') ? 'rate>0.9' : 'count<1';
    expect(problems(YAML_SCOPE, key, expr).join('\n')).toContain(text);
  });

  it('accepts what the test can tag, and anything code may add', () => {
    const ok = [
      'http_req_duration{name:GET /items/:id,type:api,scenario:browse,status:200}',
      'http_req_failed{expected_response:false,method:POST}',
      'checks{check:status is 200,user:Reader}',
      'iterations{scenario:checkout,user:Buyer}',
      'my_metric{anything:goes}',
      'http_reqs{url:http://127.0.0.1:8080/items,status:200}',
      // The password is redacted on both sides: either spelling names the request.
      'http_req_duration{url:http://u:[redacted]@127.0.0.1:8080/orders?x=1}',
      'http_req_duration{url:http://u:pw@127.0.0.1:8080/orders?x=1}',
    ];
    for (const key of ok) expect(problems(YAML_SCOPE, key, 'count>=0')).toEqual([]);
    for (const key of [
      'http_reqs{name:GET /made/up,phase:late}',
      'http_reqs{url:http://h/any}',
      'checks{check:x,phase:late}',
    ])
      expect(problems(CODE_SCOPE, key, 'count>=0')).toEqual([]);
    // Scenarios and user types are known even with code.
    expect(problems(CODE_SCOPE, 'http_reqs{scenario:nope}')).toHaveLength(1);
  });
});
