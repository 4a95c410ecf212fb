// biome-ignore-all lint/suspicious/noTemplateCurlyInString: squall's own ${…} templates are the expected output
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertArtillery } from './artillery.js';
import { ConvertError } from './types.js';

type User = { name: string; weight?: number; flow: Array<Record<string, unknown>> };
type Doc = Record<string, unknown> & {
  scenarios: { main: Record<string, unknown> & { users: User[] } };
};

function convert(text: string) {
  const c = convertArtillery(text, '/tmp/test.yml');
  return { doc: parse(c.text) as Doc, text: c.text, todos: c.todos, translated: c.translated };
}

const flowOf = (doc: Doc, i = 0) => doc.scenarios.main.users[i]!.flow;

describe('convertArtillery', () => {
  it("a literal ${ in a string stays literal: squall's $${ escape", () => {
    const { text } = convert(
      'config:\n  target: http://x\nscenarios:\n  - flow: [{ get: { url: "/a?q=${HOME}" } }]\n',
    );
    expect(text).toContain('$${HOME}');
    expect(text).not.toMatch(/[^$]\$\{HOME\}/);
  });

  it('phases: one constant phase → constant-arrival-rate; ramps, holds and pauses → ramping-arrival-rate', () => {
    const one = convert(
      'config:\n  target: http://x\n  phases: [{ duration: 60, arrivalRate: 5 }]\nscenarios:\n  - flow: [{ get: { url: / } }]\n',
    );
    expect(one.doc.scenarios.main).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 5,
      duration: '60s',
    });
    const ramp = convert(`config:
  target: http://x
  phases:
    - { duration: 30, arrivalRate: 1, rampTo: 10 }
    - { duration: 60, arrivalRate: 10, maxVusers: 40 }
    - { pause: 10 }
    - { duration: 20, arrivalRate: 4 }
scenarios:
  - flow: [{ get: { url: / } }]
`);
    expect(ramp.doc.scenarios.main).toMatchObject({
      executor: 'ramping-arrival-rate',
      startRate: 1,
      preAllocatedVUs: 40,
      maxVUs: 40,
      stages: [
        { duration: '30s', target: 10 },
        { duration: '60s', target: 10 },
        { duration: '0s', target: 0 },
        { duration: '10s', target: 0 },
        { duration: '0s', target: 4 },
        { duration: '20s', target: 4 },
      ],
    });
  });

  it('variables, payload fields, env and random helpers become ${…} templates', () => {
    const { doc, todos } = convert(`config:
  target: "{{ $processEnvironment.TARGET }}"
  phases: [{ duration: 10, arrivalRate: 1 }]
  variables: { version: v2, color: [red, blue] }
  payload: { path: users.csv, fields: [user, pass], skipHeader: true }
scenarios:
  - flow:
      - post:
          url: "/{{ version }}/login"
          json: { u: "{{ user }}", p: "{{ pass }}", c: "{{ color }}", n: "{{ $randomNumber(1, 9) }}", id: "{{ $uuid }}", s: "{{ $randomString() }}" }
`);
    expect(todos).toEqual([]);
    expect(doc.target).toBe('${env.TARGET}');
    expect(doc.feeders).toEqual({ payload: { file: 'users.csv', order: 'random' } });
    expect(flowOf(doc)).toEqual([
      { feed: { from: 'payload', as: 'row' } },
      {
        post: '/v2/login',
        json: {
          u: '${row.user}',
          p: '${row.pass}',
          c: "${random.pick('red','blue')}",
          n: '${random.int(1,9)}',
          id: '${random.uuid}',
          s: '${random.string(8)}',
        },
      },
    ]);
  });

  it('requests: form, formData, qs, headers, captures, expects, ifTrue, followRedirect', () => {
    const { doc } = convert(`config:
  target: http://x
  phases: [{ duration: 10, arrivalRate: 1 }]
scenarios:
  - flow:
      - post:
          url: /login
          form: { user: a }
          capture: [{ json: "$.token", as: token }, { header: x-id, as: id }, { regexp: "n=(\\\\d+)", group: 1, as: n }]
          expect: [{ statusCode: 200 }, { contentType: json }, { hasProperty: token }, { equals: ["{{ token }}", "abc"] }]
      - post:
          url: /upload
          qs: { v: 1 }
          headers: { authorization: "Bearer {{ token }}" }
          formData: { title: t, file: { fromFile: ./a.png, contentType: image/png } }
          ifTrue: "token && n > 3"
          followRedirect: false
`);
    expect(flowOf(doc)).toEqual(
      [
        {
          post: '/login',
          form: { user: 'a' },
          capture: [
            { json: '$.token', as: 'token' },
            { header: 'x-id', as: 'id' },
            { regexp: 'n=(\\d+)', group: 1, as: 'n' },
          ],
          expect: {
            status: 200,
            header: { 'content-type': '/json/' },
            json: { '$.token': { exists: true, equals: 'abc' } },
          },
        },
        {
          post: '/upload',
          query: { v: 1 },
          headers: { authorization: 'Bearer ${token}' },
          multipart: { title: 't', file: { file: './a.png', contentType: 'image/png' } },
          if: 'token and n > 3',
          redirects: 0,
        },
      ].map((s) => expect.objectContaining(s)),
    );
  });

  it('think, loops (count and over, $loopElement), weights, before/after flows and ensure', () => {
    const { doc } = convert(`config:
  target: http://x
  phases: [{ duration: 10, arrivalRate: 1 }]
  ensure: { p99: 300, maxErrorRate: 1, thresholds: [{ http.response_time.p95: 200 }] }
before:
  flow: [{ post: { url: /seed, capture: { json: "$.ids", as: ids } } }]
after:
  flow: [{ delete: { url: /seed } }]
scenarios:
  - name: a
    weight: 3
    flow:
      - loop: [{ get: { url: "/items/{{ $loopElement }}" } }, { think: 1 }]
        over: ids
  - name: b
    weight: 1
    flow:
      - loop: [{ get: { url: /b } }]
        count: "{{ n }}"
`);
    expect(doc.before).toEqual([{ post: '/seed', capture: { json: '$.ids', as: 'ids' } }]);
    expect(doc.after).toEqual([{ delete: '/seed' }]);
    expect(doc.thresholds).toEqual({
      http_req_duration: ['p(99)<300', 'p(95)<200'],
      http_req_failed: ['rate<0.01'],
    });
    expect(doc.scenarios.main.users.map((u) => [u.name, u.weight])).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
    expect(flowOf(doc, 0)).toEqual([
      { loop: [{ get: '/items/${item}' }, { think: 1 }], over: 'ids', as: 'item' },
    ]);
    expect(flowOf(doc, 1)).toEqual([{ loop: [{ get: '/b' }], count: '${n}' }]);
  });

  it('processor functions and hooks are TODOs naming the function, with the original lines', () => {
    const { text, todos } = convert(`config:
  target: http://x
  phases: [{ duration: 10, arrivalRate: 1 }]
  processor: ./none.js
scenarios:
  - beforeScenario: login
    flow:
      - get:
          url: /a
          afterResponse: logIt
      - function: compute
`);
    expect(todos.map((t) => [t.line, t.what])).toEqual([
      [6, 'beforeScenario runs the processor function login: write it as onStart: steps'],
      [10, 'afterResponse runs the processor function logIt'],
      [11, 'the processor function compute'],
    ]);
    expect(text).toMatch(
      /# TODO\(convert\): the processor function compute — line 11 of the original:\n\s+#\s+- function: compute/,
    );
    expect(parse(text).scenarios.main.users[0].flow).toEqual([{ get: '/a' }]);
  });

  it('YAML that does not parse, or is not Artillery, is a ConvertError with a line', () => {
    expect(() => convertArtillery('config:\n  target: [\n', 'a.yml')).toThrow(
      /a\.yml does not parse as YAML/,
    );
    try {
      convertArtillery('a: 1\nb: 2\n', 'b.yml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConvertError);
      expect((e as ConvertError).line).toBe(1);
    }
  });
});
